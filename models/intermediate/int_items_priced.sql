{{ config(materialized='view') }}
{# Staged rows whose price is in range (spec 2.1), with their whole-dollar slot (spec 3). #}
with

staged_rows as (
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
        price
    from {{ ref('stg_meta__rows') }}
    -- spec 2.1: stg_meta__rows applies the price range, the first and cheapest rule
    where reject_reason is null and is_price_in_range
),

priced as (
    select
        *,
        -- spec 3: Python's round(), half to even
        cast({{ pricer.round_half_even('price') }} as integer) as slot
    from staged_rows
)

select * from priced
