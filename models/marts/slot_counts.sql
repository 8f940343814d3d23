{#
    Items and sampled items per whole-dollar slot (rules 3), with the rule that applied, as
    int_items_sampled decided it. Grain: one row per slot that has at least one item.
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

slot_rules as (
    select distinct
        slot,
        sampling_rule
    from {{ ref('int_items_sampled') }}
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

{#
    No sampled item: a slot below first_sampled_slot (slot 0), or every item of the slot
    dropped by the dedup knob.
#}
with_rule as (
    select
        per_slot.*,
        coalesce(slot_rules.sampling_rule, 'never sampled') as sampling_rule
    from per_slot
    left join slot_rules
        on per_slot.slot = slot_rules.slot
)

select * from with_rule
