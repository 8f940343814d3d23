{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
{#
    The item's contents (rules 2.2-2.4): description lines, feature lines and the details
    text as the course's loader saw them; items with more than min_chars characters,
    contents cut to ceiling_chars.
#}
with

priced_items as (
    select
        item_key,
        category,
        source_file,
        line_number,
        parent_asin,
        title,
        description,
        features,
        has_details,
        details_json,
        price,
        slot,
        items_file_key
    from {{ ref('int_items_priced') }}
),

with_details_text as (
    select
        *,
        case
            when has_details then {{ pricer.details_text('details_json') }}
        end as details_text
    from priced_items
),

with_contents as (
    select
        *,
        -- rules 2.3: each part ends with a newline; empty description and features add nothing
        case
            when {{ pricer.list_join('description', 'chr(10)') }} <> ''
                then {{ pricer.list_join('description', 'chr(10)') }} || chr(10)
            else ''
        end
        || case
            when {{ pricer.list_size('features') }} > 0
                then {{ pricer.list_join('features', 'chr(10)') }} || chr(10)
            else ''
        end
        || coalesce(details_text || chr(10), '') as contents
    from with_details_text
),

long_enough as (
    select
        item_key,
        category,
        source_file,
        line_number,
        parent_asin,
        title,
        price,
        slot,
        items_file_key,
        -- rules 2.4: keep more than min_chars characters, cut to ceiling_chars
        left(contents, {{ var('ceiling_chars') }}) as contents
    from with_contents
    where length(contents) > {{ var('min_chars') }}
)

select * from long_enough
