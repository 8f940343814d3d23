{{
    config(
        severity = 'warn',
        fail_calc = 'count(*)',
    )
}}
{#
    Rules 5: the sample must hold train_size + test_size + val_size items. This test is the
    rule's one statement: a warning in a plain `dbt build` (so small data still builds);
    `pricer build` and `pricer demo` read its verdict (pricer.constants.SPLIT_SIZES_TEST) and
    fail naming the numbers. A build that fails it is never published, so export, report and
    upload never see one.
#}
with

sample_size as (
    select count(*) as sampled from {{ ref('sampled_items') }}
)

select
    sampled,
    {{ var('train_size') }} as train_size,
    {{ var('test_size') }} as test_size,
    {{ var('val_size') }} as val_size
from sample_size
where sampled < {{ var('train_size') }} + {{ var('test_size') }} + {{ var('val_size') }}
