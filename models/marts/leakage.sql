{#
    Test items whose decoded text equals that of a train item: the twins a random split
    leaves across train and test. Grain: one row per leaked test item.
#}
with

split_items as (
    select
        item_key,
        category,
        price,
        split
    from {{ ref('sampled_items') }}
    where split in ('train', 'test')
),

texts as (
    select
        item_key,
        decoded_text
    from {{ ref('int_items_fingerprinted') }}
),

test_items as (
    select
        split_items.item_key,
        split_items.category,
        split_items.price,
        texts.decoded_text
    from split_items
    inner join texts on split_items.item_key = texts.item_key
    where split_items.split = 'test'
),

train_items as (
    select
        split_items.item_key,
        split_items.price,
        texts.decoded_text
    from split_items
    inner join texts on split_items.item_key = texts.item_key
    where split_items.split = 'train'
),

leaked as (
    select
        test_items.item_key,
        test_items.category,
        test_items.price,
        count(*) as train_twins,
        min(train_items.item_key) as train_twin_item_key,
        bool_or(train_items.price = test_items.price) as twin_with_same_price
    from test_items
    inner join train_items
        on test_items.decoded_text = train_items.decoded_text
    group by test_items.item_key, test_items.category, test_items.price
)

select * from leaked
