{#
    The sample with its split (rules 4-5). The sample is ordered by the seeded hash of
    split_seed and the item key (ties by item key): the first train_size rows are train, the
    next test_size test, the next val_size validation, the rest have no split.
    Grain: one row per sampled item.
#}
with

sampled as (
    select
        item_key,
        slot_rank
    from {{ ref('int_items_sampled') }}
),

prompted_items as (
    select
        item_key,
        category,
        parent_asin,
        source_file,
        line_number,
        price,
        slot,
        token_count
    from {{ ref('int_items_prompted') }}
),

ordered as (
    select
        prompted_items.*,
        sampled.slot_rank,
        row_number() over (
            order by
                {{ pricer.seeded_hash13(var('split_seed'), 'sampled.item_key') }}, sampled.item_key
        ) as split_rank
    from sampled
    inner join prompted_items
        on sampled.item_key = prompted_items.item_key
),

{%- set train_end = var('train_size') | int %}
{%- set test_end = train_end + var('test_size') | int %}
{%- set val_end = test_end + var('val_size') | int %}

split as (
    select
        *,
        case
            when split_rank <= {{ train_end }} then 'train'
            when split_rank <= {{ test_end }} then 'test'
            when split_rank <= {{ val_end }} then 'validation'
        end as split
    from ordered
)

select * from split
