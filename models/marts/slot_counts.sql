{#
    Items and sampled items per whole-dollar slot (spec 3), with the rule that applied.
    Grain: one row per slot that has at least one item.
#}
with

slot_categories as (
    select
        slot,
        items,
        sampled,
        train,
        test,
        validation
    from {{ ref('slot_category_counts') }}
),

{# A sum of BIGINT counts is HUGEINT in DuckDB: cast back, counts are BIGINT. #}
per_slot as (
    select
        slot,
        cast(sum(items) as bigint) as items,
        cast(sum(sampled) as bigint) as sampled,
        cast(sum(train) as bigint) as train,
        cast(sum(test) as bigint) as test,
        cast(sum(validation) as bigint) as validation
    from slot_categories
    group by slot
),

with_rule as (
    select
        *,
        case
            when slot = 0 then 'never sampled'
            when slot >= {{ var('slot_cutoff') }} then 'kept whole (at or above cutoff)'
            when items <= {{ var('slot_cap') }} then 'kept whole (at or below cap)'
            else 'cut to cap'
        end as sampling_rule
    from per_slot
)

select * from with_rule
