{#
    One row per raw line: the line parsed and typed, or the reason it is rejected (spec 1).
    Rows with a null reject_reason are the staged rows; the others feed the rejects mart.
#}
with

lines as (
    select
        source_file,
        category,
        line_number,
        line_bytes
    from {{ ref('stg_meta__lines') }}
),

decoded as (
    select
        source_file,
        category,
        line_number,
        try(decode(line_bytes)) as line_text
    from lines
),

parsed as (
    select
        source_file,
        category,
        line_number,
        line_text,
        case
            when {{ pricer.is_strict_json('line_text') }} then try(json(line_text))
        end as line_json
    from decoded
),

extracted as (
    select
        source_file,
        category,
        line_number,
        line_text,
        line_json,
        json_type(line_json) as line_type,
        json_exists(line_json, '$.details') as has_details,
        json_extract(
            line_json,
            ['$.title', '$.description', '$.features', '$.details', '$.price', '$.parent_asin']
        ) as field_values
    from parsed
),

typed as (
    select
        source_file,
        category,
        line_number,
        line_text,
        line_json,
        line_type,
        has_details,
        field_values[1] as title_json,
        field_values[2] as description_json,
        field_values[3] as features_json,
        field_values[4] as details_json,
        field_values[5] as price_json,
        json_type(field_values[5]) as price_type,
        field_values[5] ->> '$' as price_string,
        field_values[6] ->> '$' as parent_asin
    from extracted
),

checked as (
    select
        *,
        {{ pricer.is_string_list('description_json') }} as description_ok,
        {{ pricer.is_string_list('features_json') }} as features_ok,
        case
            when price_type = 'VARCHAR' and price_string <> 'None'
                then {{ pricer.py_float('price_string') }}
            when price_type in ('UBIGINT', 'BIGINT', 'HUGEINT', 'UHUGEINT', 'DOUBLE')
                then cast(price_json as double)
        end as price
    from typed
),

classified as (
    select
        *,
        case
            when line_text is null then 'invalid utf-8'
            when line_json is null and trim(line_text, chr(9) || chr(10) || chr(13) || ' ') = ''
                then 'empty line'
            when line_json is null then 'invalid json'
            when line_type <> 'OBJECT' then 'json is not an object'
            when coalesce(json_type(title_json) <> 'VARCHAR', true) then 'title is not a string'
            when not description_ok then 'description is not a list of strings'
            when not features_ok then 'features is not a list of strings'
            when price_type in ('BOOLEAN', 'ARRAY', 'OBJECT') then 'price is not a number'
            when price_type = 'VARCHAR' and price_string <> 'None' and price is null
                then 'price string does not parse'
        end as reject_reason
    from checked
),

final as (
    select
        source_file,
        category,
        line_number,
        category || ':' || line_number as item_key,
        reject_reason,
        case
            when reject_reason = 'price string does not parse' then price_string
            when
                reject_reason in ('invalid json', 'json is not an object')
                then left(line_text, 200)
        end as reject_detail,
        title_json ->> '$' as title,
        coalesce(description_json ->> '$[*]', []) as description,
        coalesce(features_json ->> '$[*]', []) as features,
        coalesce(has_details, false) as has_details,
        details_json,
        price,
        price_json as price_raw,
        parent_asin
    from classified
)

select * from final
