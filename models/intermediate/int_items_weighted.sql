{#
    Items of the sampled slots (macro is_sampled_slot) that the dedup knob keeps, with their Efraimidis-Spirakis key (rules 4):
    key = -ln(u) / weight, u the seeded uniform of sample_seed and the item key.
    Keeping the smallest keys of a slot is a weighted draw without replacement.
#}
with

prompted_items as (
    select
        item_key,
        category,
        slot
    from {{ ref('int_items_prompted') }}
    where {{ pricer.is_sampled_slot('slot') }}
),

kept_items as (
    select item_key
    from {{ ref('int_items_deduplicated') }}
    where dropped_by is null
),

category_weights as (
    select
        category,
        weight
    from {{ ref('categories') }}
),

weighted as (
    select
        prompted_items.item_key,
        prompted_items.category,
        prompted_items.slot,
        category_weights.weight,
        -ln({{ pricer.seeded_uniform(var('sample_seed'), 'prompted_items.item_key') }})
        / category_weights.weight as sampling_key
    from prompted_items
    inner join kept_items
        on prompted_items.item_key = kept_items.item_key
    inner join category_weights
        on prompted_items.category = category_weights.category
)

select * from weighted
