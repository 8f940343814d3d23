{#
    The lecture's per-slot sample (spec 4): slots at or above slot_cutoff are kept whole;
    below it, a slot keeps its slot_cap smallest sampling keys (ties by item key), which is
    every item when it has no more than slot_cap.
#}
with

weighted_items as (
    select
        item_key,
        category,
        slot,
        sampling_key
    from {{ ref('int_items_weighted') }}
),

ranked as (
    select
        item_key,
        category,
        slot,
        sampling_key,
        count(*) over (partition by slot) as slot_items,
        row_number() over (partition by slot order by sampling_key, item_key) as slot_rank
    from weighted_items
),

sampled as (
    select *
    from ranked
    where slot >= {{ var('slot_cutoff') }} or slot_rank <= {{ var('slot_cap') }}
)

select * from sampled
