{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
{#
    The description, features and details of the staged rows with a price in range (rules 2.1),
    read from their raw lines again when the item rules need them: a view, so the long fields
    of the raw data are never stored. Grain: one row per staged row with a price in range.
#}
with

priced_rows as (
    select
        source_file,
        line_number
    from {{ ref('stg_meta__rows') }}
    where reject_reason is null and is_price_in_range
),

lines as (
    select
        source_file,
        category,
        line_number,
        line_bytes
    from {{ ref('stg_meta__lines') }}
),

priced_lines as (
    select
        lines.category || ':' || lines.line_number as item_key,
        {{ pricer.utf8_or_null('lines.line_bytes') }} as line_text
    from lines
    where exists (
        select 1
        from priced_rows
        where
            priced_rows.source_file = lines.source_file
            and priced_rows.line_number = lines.line_number
    )
),

{%- set keys = ['description', 'features', 'details'] %}

parsed as (
    select
        item_key,
        line_text,
        {{ pricer.json_line_members('line_text', keys) }} as field_values
    from priced_lines
),

texts as (
    select
        item_key,
        coalesce(
            {{ pricer.json_string_list(pricer.json_member('field_values', keys, 'description')) }},
            {{ pricer.empty_string_list() }}
        ) as description,
        coalesce(
            {{ pricer.json_string_list(pricer.json_member('field_values', keys, 'features')) }},
            {{ pricer.empty_string_list() }}
        ) as features,
        {{ pricer.json_member_text('field_values', keys, 'details', 'line_text') }}
            as details_json
    from parsed
)

select * from texts
