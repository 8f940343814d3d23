{#
    Price distribution before and after sampling, in bins of price_histogram_bin dollars.
    Grain: one row per bin that has at least one item.
#}
with

items as (
    select
        item_key,
        price
    from {{ ref('items') }}
),

sampled_items as (
    select item_key
    from {{ ref('sampled_items') }}
),

binned as (
    select
        cast(floor(items.price / {{ var('price_histogram_bin') }}) as integer)
        * {{ var('price_histogram_bin') }} as bin_start,
        count(*) as items,
        count(sampled_items.item_key) as sampled
    from items
    left join sampled_items
        on items.item_key = sampled_items.item_key
    group by 1
),

with_end as (
    select
        bin_start,
        bin_start + {{ var('price_histogram_bin') }} as bin_end,
        items,
        sampled
    from binned
)

select * from with_end
