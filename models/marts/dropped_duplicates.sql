{#
    Items the dedup knob removed before slotting, each with the kept item it duplicates.
    Empty with dedup = none. Grain: one row per dropped item.
#}
with

deduplicated as (
    select
        item_key,
        dropped_by,
        duplicate_of
    from {{ ref('int_items_deduplicated') }}
    where dropped_by is not null
),

prompted_items as (
    select
        item_key,
        category,
        price,
        title
    from {{ ref('int_items_prompted') }}
),

described as (
    select
        deduplicated.item_key,
        prompted_items.category,
        prompted_items.price,
        prompted_items.title,
        deduplicated.dropped_by,
        deduplicated.duplicate_of
    from deduplicated
    inner join prompted_items
        on deduplicated.item_key = prompted_items.item_key
)

select * from described
