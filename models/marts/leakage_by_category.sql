{#
    Leaked test items per category (see leakage), beside the category's test items (from
    category_counts, which counts the split per category once). Grain: one row per category.
#}
with

category_counts as (
    select
        category,
        test as test_items
    from {{ ref('category_counts') }}
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
        category_counts.category,
        category_counts.test_items,
        coalesce(leaked.leaked_test_items, 0) as leaked_test_items
    from category_counts
    left join leaked on category_counts.category = leaked.category
)

select * from counted
