{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
{# Scrubbed items that passed the token rule, with their prompts (rules 2.7-2.8). #}
with

kept_tokenized as (
    select
        item_key,
        category,
        parent_asin,
        source_file,
        line_number,
        price,
        slot,
        title,
        prompt,
        token_count,
        decoded_text_start,
        decoded_text_length
    from {{ ref('int_items_tokenized') }}
    where is_kept
),

prompted as (
    select
        item_key,
        category,
        parent_asin,
        source_file,
        line_number,
        price,
        slot,
        title,
        prompt,
        {{ pricer.test_prompt('prompt') }} as test_prompt,
        token_count,
        decoded_text_start,
        decoded_text_length
    from kept_tokenized
)

select * from prompted
