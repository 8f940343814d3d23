{{
    config(
        severity = 'warn',
        fail_calc = 'count(*)',
    )
}}
{#
    Spec 5: the sample must hold train_size + test_size + val_size items. A warning in a
    plain `dbt build` (so the small embedded data still builds); `pricer build`, `export` and
    `demo` turn it into a failure that names the numbers.
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
