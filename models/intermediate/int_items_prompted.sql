{{ config(materialized='view') }}
{# Scrubbed items that passed the token rule, with their prompts (spec 2.7-2.8). #}
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

kept_tokenized as (
    select
        item_key,
        prompt,
        test_prompt,
        token_count
    from {{ ref('int_items_tokenized') }}
    where is_kept
),

prompted as (
    select
        scrubbed_items.item_key,
        scrubbed_items.category,
        scrubbed_items.parent_asin,
        scrubbed_items.source_file,
        scrubbed_items.line_number,
        scrubbed_items.price,
        scrubbed_items.slot,
        scrubbed_items.title,
        kept_tokenized.prompt,
        kept_tokenized.test_prompt,
        kept_tokenized.token_count
    from scrubbed_items
    inner join kept_tokenized
        on scrubbed_items.item_key = kept_tokenized.item_key
)

select * from prompted
