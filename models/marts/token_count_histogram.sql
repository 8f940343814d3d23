{#
    Prompt token counts before and after sampling. Grain: one row per token count seen.
#}
with

items as (
    select
        item_key,
        token_count
    from {{ ref('items') }}
),

sampled_items as (
    select item_key
    from {{ ref('sampled_items') }}
),

counted as (
    select
        items.token_count,
        count(*) as items,
        count(sampled_items.item_key) as sampled
    from items
    left join sampled_items
        on items.item_key = sampled_items.item_key
    group by items.token_count
)

select * from counted
