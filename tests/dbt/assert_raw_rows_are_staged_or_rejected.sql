{#
    Rules 1: for every file, raw lines = staged rows + rejected rows, exactly. stg_meta__rows
    has one row per line the splitter numbered (1, 2, ... with no gap or repeat, so its count
    is the file's line count: pytest checks that against the files themselves), and each row
    is either staged or in rejects.
#}
with

rows_per_file as (
    select
        source_file,
        count(*) as raw_rows,
        count(distinct line_number) as distinct_lines,
        min(line_number) as first_line,
        max(line_number) as last_line,
        count(*) filter (where reject_reason is null) as staged_rows
    from {{ ref('stg_meta__rows') }}
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
        rows_per_file.source_file,
        rows_per_file.raw_rows,
        rows_per_file.distinct_lines,
        rows_per_file.first_line,
        rows_per_file.last_line,
        rows_per_file.staged_rows,
        coalesce(rejected.rejected_rows, 0) as rejected_rows
    from rows_per_file
    left join rejected on rows_per_file.source_file = rejected.source_file
)

select * from compared
where
    raw_rows <> staged_rows + rejected_rows
    or distinct_lines <> raw_rows
    or first_line <> 1
    or last_line <> raw_rows
