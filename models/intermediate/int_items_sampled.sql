{#
    The lecture's per-slot sample (rules 4): slots at or above slot_cutoff are kept whole;
    below it, a slot keeps its slot_cap smallest sampling keys (ties by item key), which is
    every item when it has no more than slot_cap. The branch of the rule that applied to the
    slot is decided here, once (sampling_rule; slot_counts reports it).
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

with_rule as (
    select
        *,
        case
            when slot >= {{ var('slot_cutoff') }} then 'kept whole (at or above cutoff)'
            when slot_items <= {{ var('slot_cap') }} then 'kept whole (at or below cap)'
            else 'cut to cap'
        end as sampling_rule
    from ranked
),

sampled as (
    select *
    from with_rule
    where sampling_rule <> 'cut to cap' or slot_rank <= {{ var('slot_cap') }}
)

select * from sampled
