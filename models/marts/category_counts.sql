{#
    Items and sampled items per category with their shares, before and after sampling side
    by side. Grain: one row per category of the categories seed.
#}
with

category_weights as (
    select
        category,
        weight
    from {{ ref('categories') }}
),

slot_categories as (
    select
        category,
        items,
        sampled,
        train,
        test,
        validation
    from {{ ref('slot_category_counts') }}
),

{# A sum of BIGINT counts is HUGEINT in DuckDB: cast back, counts are BIGINT. #}
per_category as (
    select
        category_weights.category,
        category_weights.weight,
        cast(coalesce(sum(slot_categories.items), 0) as bigint) as items,
        cast(coalesce(sum(slot_categories.sampled), 0) as bigint) as sampled,
        cast(coalesce(sum(slot_categories.train), 0) as bigint) as train,
        cast(coalesce(sum(slot_categories.test), 0) as bigint) as test,
        cast(coalesce(sum(slot_categories.validation), 0) as bigint) as validation
    from category_weights
    left join slot_categories
        on category_weights.category = slot_categories.category
    group by category_weights.category, category_weights.weight
),

with_shares as (
    select
        *,
        items / nullif(sum(items) over (), 0) as items_share,
        sampled / nullif(sum(sampled) over (), 0) as sampled_share
    from per_category
)

select * from with_shares
