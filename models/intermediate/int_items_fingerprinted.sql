{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
{#
    Each curated item with what duplicate detection compares: the normalised title and the
    item text, i.e. the decoded product text of the prompt, without the question and the
    price line (spec 2.8). A view: its three readers compute it from the stored prompts.
#}
with

prompted_items as (
    select
        item_key,
        category,
        price,
        title,
        prompt
    from {{ ref('int_items_prompted') }}
),

fingerprinted as (
    select
        item_key,
        category,
        price,
        {{ pricer.normalise_title('title') }} as normalised_title,
        -- prompt = question + 2 newlines + text + 2 newlines + price line
        substring(
            prompt,
            length({{ pricer.sql_string(var('prompt_question')) }}) + 3,
            length(prompt)
            - length({{ pricer.sql_string(var('prompt_question')) }}) - 4
            - length({{ pricer.sql_string(var('price_prefix')) }})
            - length(cast(cast({{ pricer.round_half_even('price') }} as bigint) as string) || '.00')
        ) as item_text
    from prompted_items
)

select * from fingerprinted
