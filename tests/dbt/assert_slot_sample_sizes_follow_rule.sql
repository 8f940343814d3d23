{#
    Rules 4: every slot's sample is exactly min(n, slot_cap) below slot_cutoff and n at or
    above it; a slot outside the sampled slots (slot 0) is never sampled; n counts the items
    the dedup knob keeps. Recomputed here from the items, independently of int_items_sampled.
    Returns the slots that break the rule.
#}
with

kept_items as (
    select item_key
    from {{ ref('int_items_deduplicated') }}
    where dropped_by is null
),

items_per_slot as (
    select
        items.slot,
        count(*) as items
    from {{ ref('items') }} as items
    inner join kept_items
        on items.item_key = kept_items.item_key
    group by items.slot
),

sampled_per_slot as (
    select
        slot,
        count(*) as sampled
    from {{ ref('sampled_items') }}
    group by slot
),

compared as (
    select
        items_per_slot.slot,
        items_per_slot.items,
        coalesce(sampled_per_slot.sampled, 0) as sampled,
        case
            when not {{ pricer.is_sampled_slot('items_per_slot.slot') }} then 0
            when items_per_slot.slot >= {{ var('slot_cutoff') }} then items_per_slot.items
            else least(items_per_slot.items, {{ var('slot_cap') }})
        end as expected
    from items_per_slot
    left join sampled_per_slot
        on items_per_slot.slot = sampled_per_slot.slot
)

select * from compared
where sampled <> expected
