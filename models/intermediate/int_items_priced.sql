{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
{# Staged rows whose price is in range (rules 2.1), with their whole-dollar slot (rules 3). #}
with

staged_rows as (
    select
        item_key,
        category,
        source_file,
        line_number,
        parent_asin,
        title,
        has_details,
        price,
        file_key
    from {{ ref('stg_meta__rows') }}
    -- rules 2.1: stg_meta__rows applies the price range, the first and cheapest rule
    where reject_reason is null and is_price_in_range
),

item_texts as (
    select
        item_key,
        description,
        features,
        details_json
    from {{ ref('stg_meta__item_texts') }}
),

priced as (
    select
        staged_rows.item_key,
        staged_rows.category,
        staged_rows.source_file,
        staged_rows.line_number,
        staged_rows.parent_asin,
        staged_rows.title,
        item_texts.description,
        item_texts.features,
        staged_rows.has_details,
        item_texts.details_json,
        staged_rows.price,
        -- rules 3: Python's round(), half to even
        cast({{ pricer.round_half_even('staged_rows.price') }} as integer) as slot,
        -- the key the incremental int_items_tokenized keeps this file's items under
        {{ pricer.items_file_key('staged_rows.file_key') }} as items_file_key
    from staged_rows
    inner join item_texts
        on staged_rows.item_key = item_texts.item_key
)

select * from priced
