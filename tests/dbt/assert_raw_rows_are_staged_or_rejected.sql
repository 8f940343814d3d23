{# Spec 1: for every file, raw lines = staged rows + rejected rows, exactly. #}
with

raw_lines as (
    select
        source_file,
        count(*) as raw_rows
    from {{ ref('stg_meta__lines') }}
    group by source_file
),

staged as (
    select
        source_file,
        count(*) as staged_rows
    from {{ ref('stg_meta__rows') }}
    where reject_reason is null
    group by source_file
),

rejected as (
    select
        source_file,
        count(*) as rejected_rows
    from {{ ref('rejects') }}
    group by source_file
),

compared as (
    select
        raw_lines.source_file,
        raw_lines.raw_rows,
        coalesce(staged.staged_rows, 0) as staged_rows,
        coalesce(rejected.rejected_rows, 0) as rejected_rows
    from raw_lines
    left join staged on raw_lines.source_file = staged.source_file
    left join rejected on raw_lines.source_file = rejected.source_file
)

select * from compared
where raw_rows <> staged_rows + rejected_rows
