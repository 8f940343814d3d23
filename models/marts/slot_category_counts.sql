{#
    Items and sampled items per slot and category, before and after sampling side by side
    (rules 3). Grain: one row per (slot, category) that has at least one item.
#}
with

items as (
    select
        item_key,
        category,
        slot
    from {{ ref('items') }}
),

sampled_items as (
    select
        item_key,
        split
    from {{ ref('sampled_items') }}
),

counted as (
    select
        items.slot,
        items.category,
        count(*) as items,
        count(sampled_items.item_key) as sampled,
        count(*) filter (where sampled_items.split = 'train') as train,
        count(*) filter (where sampled_items.split = 'test') as test,
        count(*) filter (where sampled_items.split = 'validation') as validation
    from items
    left join sampled_items
        on items.item_key = sampled_items.item_key
    group by items.slot, items.category
)

select * from counted
