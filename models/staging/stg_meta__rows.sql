{{
    config(
        materialized=('incremental' if target.type == 'duckdb' else 'table'),
        incremental_strategy='append',
        pre_hook="{{ pricer.delete_stale_file_rows(
            'file_key', 'select file_key from (' ~ pricer.raw_file_keys(['rows']) ~ ') as keys'
        ) }}",
    )
}}
{#
    One row per raw line: the line parsed once and typed, or the reason it is rejected
    (rules 1). Rows with a null reject_reason are the staged rows; the others feed the rejects
    mart. The price rule (rules 2.1, the cheapest) is applied here, so that only rows that can
    become items have their texts read (stg_meta__item_texts). Neither the raw line nor its
    long fields are stored: a row is a few short columns.

    Incremental on DuckDB (macros/incremental_files.sql): a build reads only the files whose
    key (the file's version and the staging knobs) the table lacks, after deleting the rows
    of removed and changed files.
#}
with

raw_file_keys as (
    {{ pricer.raw_file_keys(['rows']) }}
),

files_to_read as (
    select
        source_file,
        file_key
    from raw_file_keys
    {%- if is_incremental() %}
        where file_key not in (select distinct file_key from {{ this }})
    {%- endif %}
),

lines as (
    select
        raw_lines.source_file,
        raw_lines.category,
        raw_lines.line_number,
        raw_lines.line_bytes,
        files_to_read.file_key
    from {{ ref('stg_meta__lines') }} as raw_lines
    inner join files_to_read
        on raw_lines.source_file = files_to_read.source_file
),

{%- set keys = ['title', 'description', 'features', 'details', 'price', 'parent_asin'] %}

decoded as (
    select
        source_file,
        category,
        line_number,
        file_key,
        octet_length(line_bytes) > {{ var('max_line_bytes') | int }} + 1 as is_too_long,
        case
            when octet_length(line_bytes) <= {{ var('max_line_bytes') | int }} + 1
                then {{ pricer.utf8_or_null('line_bytes') }}
        end as line_text
    from lines
),

parsed as (
    select
        source_file,
        category,
        line_number,
        file_key,
        is_too_long,
        line_text,
        {{ pricer.json_line_members('line_text', keys) }} as field_values
    from decoded
),

typed as (
    select
        source_file,
        category,
        line_number,
        file_key,
        is_too_long,
        line_text,
        field_values,
        {{ pricer.json_line_kind('line_text', 'field_values') }} as line_kind,
        {{ pricer.json_member('field_values', keys, 'title') }} as title_json,
        {{ pricer.json_member('field_values', keys, 'description') }} as description_json,
        {{ pricer.json_member('field_values', keys, 'features') }} as features_json,
        {{ pricer.json_member_text('field_values', keys, 'details', 'line_text') }}
            as details_json,
        {{ pricer.json_member('field_values', keys, 'price') }} as price_json,
        {{ pricer.json_member('field_values', keys, 'parent_asin') }} as parent_asin_json
    from parsed
),

checked as (
    select
        *,
        {{ pricer.json_kind('title_json') }} as title_kind,
        {{ pricer.json_kind('price_json') }} as price_kind,
        {{ pricer.json_string_value('price_json') }} as price_string,
        {{ pricer.is_string_list('description_json') }} as description_ok,
        {{ pricer.is_string_list('features_json') }} as features_ok
    from typed
),

priced as (
    select
        *,
        case
            when price_kind = 'string' and price_string <> 'None'
                then {{ pricer.py_float('price_string') }}
            when price_kind = 'number' then {{ pricer.json_number('price_json') }}
        end as price
    from checked
),

classified as (
    select
        *,
        case
            when is_too_long then 'line too long'
            when line_text is null then 'invalid utf-8'
            when
                field_values is null
                and {{ pricer.trim_chars('line_text', "chr(9) || chr(10) || chr(13) || ' '") }} = ''
                then 'empty line'
            when field_values is null then 'invalid json'
            when line_kind <> 'object' then 'json is not an object'
            when coalesce(title_kind <> 'string', true) then 'title is not a string'
            when not description_ok then 'description is not a list of strings'
            when not features_ok then 'features is not a list of strings'
            when price_kind in ('boolean', 'array', 'object') then 'price is not a number'
            when price_kind = 'string' and price_string <> 'None' and price is null
                then 'price string does not parse'
        end as reject_reason,
        -- rules 2.1, the cheap rule: only these rows can become items
        coalesce(
            price >= {{ var('min_price') }} and price <= {{ var('max_price') }}, false
        ) as is_price_in_range
    from priced
),

final as (
    select
        source_file,
        category,
        line_number,
        file_key,
        category || ':' || line_number as item_key,
        reject_reason,
        case
            when reject_reason = 'price string does not parse' then price_string
            when
                reject_reason in ('invalid json', 'json is not an object')
                then {{ pricer.without_line_end('left(line_text, 200)') }}
        end as reject_detail,
        {{ pricer.json_string_value('title_json') }} as title,
        case when reject_reason is null then is_price_in_range end as is_price_in_range,
        details_json is not null as has_details,
        price,
        {{ pricer.json_text('price_json') }} as price_raw,
        {{ pricer.json_string_value('parent_asin_json') }} as parent_asin
    from classified
)

select * from final
