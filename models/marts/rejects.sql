{# Raw lines that could not be staged, with the reason (rules 1). Grain: one rejected line. #}
with

rejected_rows as (
    select
        source_file,
        line_number,
        category,
        reject_reason as reason,
        reject_detail as detail
    from {{ ref('stg_meta__rows') }}
    where reject_reason is not null
)

select * from rejected_rows
