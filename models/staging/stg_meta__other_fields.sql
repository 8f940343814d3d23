{{ config(materialized='view') }}
{#
    The raw fields the curation does not use (rules 1), kept queryable in staging without
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

{%- set keys = [
    'main_category', 'average_rating', 'rating_number', 'images',
    'videos', 'store', 'categories', 'bought_together'
] %}

extracted as (
    select
        staged_rows.item_key,
        {{ pricer.json_members(
            pricer.parse_json_strict(pricer.utf8_or_null('lines.line_bytes')), keys
        ) }} as field_values
    from staged_rows
    inner join lines
        on
            staged_rows.source_file = lines.source_file
            and staged_rows.line_number = lines.line_number
),

typed as (
    select
        item_key,
        {{ pricer.json_string_value(pricer.json_member('field_values', keys, 'main_category')) }}
            as main_category,
        {{ pricer.json_number(pricer.json_member('field_values', keys, 'average_rating')) }}
            as average_rating,
        cast(
            {{ pricer.json_number(pricer.json_member('field_values', keys, 'rating_number')) }}
            as bigint
        ) as rating_number,
        {{ pricer.json_text(pricer.json_member('field_values', keys, 'images')) }} as images,
        {{ pricer.json_text(pricer.json_member('field_values', keys, 'videos')) }} as videos,
        {{ pricer.json_string_value(pricer.json_member('field_values', keys, 'store')) }}
            as store,
        {{ pricer.json_text(pricer.json_member('field_values', keys, 'categories')) }}
            as categories,
        {{ pricer.json_text(pricer.json_member('field_values', keys, 'bought_together')) }}
            as bought_together
    from extracted
)

select * from typed
