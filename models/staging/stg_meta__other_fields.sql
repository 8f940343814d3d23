{{ config(materialized='view') }}
{#
    The raw fields the curation does not use (spec 1), kept queryable in staging without
    storing them a second time: a view that parses them from the raw lines on demand.
    Grain: one row per staged raw line.
#}
with

lines as (
    select
        source_file,
        line_number,
        line_bytes
    from {{ ref('stg_meta__lines') }}
),

staged_rows as (
    select
        source_file,
        line_number,
        item_key
    from {{ ref('stg_meta__rows') }}
    where reject_reason is null
),

extracted as (
    select
        staged_rows.item_key,
        json_extract(
            decode(lines.line_bytes),
            [
                '$.main_category', '$.average_rating', '$.rating_number', '$.images',
                '$.videos', '$.store', '$.categories', '$.bought_together'
            ]
        ) as field_values
    from staged_rows
    inner join lines
        on
            staged_rows.source_file = lines.source_file
            and staged_rows.line_number = lines.line_number
),

typed as (
    select
        item_key,
        field_values[1] ->> '$' as main_category,
        try_cast(field_values[2] as double) as average_rating,
        try_cast(field_values[3] as bigint) as rating_number,
        field_values[4] as images,
        field_values[5] as videos,
        field_values[6] ->> '$' as store,
        field_values[7] as categories,
        field_values[8] as bought_together
    from extracted
)

select * from typed
