{{ config(materialized='view') }}
{#
    DuckDB's stg_meta__lines (Spark's is models/staging/spark/stg_meta__lines.sql): a view of
    the raw source, so the lines are read from the files by the query that stages them and
    never stored. Each line keeps its newline (the lines are views of the mapped file).
#}
with

raw_lines as (
    select
        source_file,
        category,
        line_number,
        line_bytes
    from {{ source('raw', 'meta_lines') }}
)

select * from raw_lines
