{#
    Rules 5: train, test and validation hold exactly their configured sizes, as far as the
    sample reaches, in split order. (Whether the sample reaches them is the separate check
    assert_sample_fits_split_sizes.)
#}
with

sample_size as (
    select count(*) as sampled from {{ ref('sampled_items') }}
),

expected as (
    select
        'train' as split,
        least({{ var('train_size') }}, sampled) as expected_rows
    from sample_size
    union all
    select
        'test' as split,
        least({{ var('test_size') }}, greatest(sampled - {{ var('train_size') }}, 0))
            as expected_rows
    from sample_size
    union all
    select
        'validation' as split,
        least(
            {{ var('val_size') }},
            greatest(sampled - {{ var('train_size') }} - {{ var('test_size') }}, 0)
        ) as expected_rows
    from sample_size
),

actual as (
    select
        split,
        count(*) as actual_rows
    from {{ ref('sampled_items') }}
    where split is not null
    group by split
),

compared as (
    select
        expected.split,
        expected.expected_rows,
        coalesce(actual.actual_rows, 0) as actual_rows
    from expected
    left join actual
        on expected.split = actual.split
)

select * from compared
where expected_rows <> actual_rows
