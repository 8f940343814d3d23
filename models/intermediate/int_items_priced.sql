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
    where reject_reason is null
),

priced as (
    select
        *,
        -- spec 3: Python's round(), half to even
        cast({{ pricer.round_half_even('price') }} as integer) as slot
    from staged_rows
    where price >= {{ var('min_price') }} and price <= {{ var('max_price') }}
)

select * from priced
