{# Leaked test items per category (see leakage). Grain: one row per category. #}
with

categories as (
    select category from {{ ref('categories') }}
),

test_items as (
    select
        category,
        count(*) as test_items
    from {{ ref('sampled_items') }}
    where split = 'test'
    group by category
),

leaked as (
    select
        category,
        count(*) as leaked_test_items
    from {{ ref('leakage') }}
    group by category
),

counted as (
    select
        categories.category,
        coalesce(test_items.test_items, 0) as test_items,
        coalesce(leaked.leaked_test_items, 0) as leaked_test_items
    from categories
    left join test_items on categories.category = test_items.category
    left join leaked on categories.category = leaked.category
)

select * from counted
