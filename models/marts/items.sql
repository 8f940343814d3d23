{#
    The curated items (spec 2): every staged row that passed the price, length and token
    rules, with its prompt. Grain: one row per kept item.
#}
with

scrubbed_items as (
    select
        item_key,
        category,
        parent_asin,
        source_file,
        line_number,
        price,
        slot,
        title
    from {{ ref('int_items_scrubbed') }}
),

tokenized_items as (
    select
        item_key,
        prompt,
        test_prompt,
        token_count
    from {{ ref('int_items_tokenized') }}
    where is_kept
),

joined as (
    select
        scrubbed_items.item_key,
        scrubbed_items.category,
        scrubbed_items.parent_asin,
        scrubbed_items.source_file,
        scrubbed_items.line_number,
        scrubbed_items.price,
        scrubbed_items.slot,
        scrubbed_items.title,
        tokenized_items.prompt,
        tokenized_items.test_prompt,
        tokenized_items.token_count
    from scrubbed_items
    inner join tokenized_items
        on scrubbed_items.item_key = tokenized_items.item_key
)

select * from joined
