{#
    Groups of curated items that share a normalised title or a decoded text (the prompt's
    product text after the token cut), whatever the dedup knob: their size, price spread and categories.
    Grain: one row per (match_kind, group_key) with at least two items.
#}
with

fingerprinted as (
    select
        item_key,
        category,
        price,
        normalised_title,
        decoded_text
    from {{ ref('int_items_fingerprinted') }}
),

keyed as (
    select
        item_key,
        category,
        price,
        'title' as match_kind,
        md5(normalised_title) as group_key
    from fingerprinted
    union all
    select
        item_key,
        category,
        price,
        'text' as match_kind,
        md5(decoded_text) as group_key
    from fingerprinted
),

grouped as (
    select
        match_kind,
        group_key,
        count(*) as items,
        min(item_key) as kept_item_key,
        {{ pricer.sorted_list_agg('item_key') }} as item_keys,
        count(distinct category) as categories,
        count(distinct price) as distinct_prices,
        min(price) as min_price,
        max(price) as max_price,
        max(price) - min(price) as price_spread
    from keyed
    group by match_kind, group_key
    having count(*) > 1
)

select * from grouped
