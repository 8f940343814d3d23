{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
{#
    Each curated item with what duplicate detection compares: the normalised title and the
    decoded text, i.e. the product text of the prompt after the token cut (rules 2.7-2.8).
    The tokenizer, which lays the prompt out, says where in the prompt the decoded text sits
    (decoded_text_start, decoded_text_length): nothing here knows the prompt's layout.
    A view: its three readers compute it from the stored prompts.
#}
with

prompted_items as (
    select
        item_key,
        category,
        price,
        title,
        prompt,
        decoded_text_start,
        decoded_text_length
    from {{ ref('int_items_prompted') }}
),

fingerprinted as (
    select
        item_key,
        category,
        price,
        {{ pricer.normalise_title('title') }} as normalised_title,
        substring(prompt, decoded_text_start, decoded_text_length) as decoded_text
    from prompted_items
)

select * from fingerprinted
