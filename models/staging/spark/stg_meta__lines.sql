{#
    Spark's stg_meta__lines (the DuckDB one is models/staging/duckdb/stg_meta__lines.py):
    the same lines from the same splitter, pricer.raw, which `pricer build --engine spark` runs
    in Spark's Python workers and registers as the temporary view pricer_raw_lines
    (pricer.spark.register_raw_lines) before dbt starts: dbt-spark's session method has no
    Python models.
#}
with

raw_lines as (
    select
        source_file,
        category,
        line_number,
        line_bytes
    from pricer_raw_lines
)

select * from raw_lines
