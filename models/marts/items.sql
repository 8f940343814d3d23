{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
{#
    The curated items (rules 2): every staged row that passed the price, length and token
    rules, with its prompt. Grain: one row per kept item. A view of the tokenized items, which
    hold the prompts once.
#}
with

prompted_items as (
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
        test_prompt,
        token_count
    from {{ ref('int_items_prompted') }}
)

select * from prompted_items
