{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
{# The item text (spec 2.5-2.6): scrubbed title, a newline, scrubbed contents. #}
with

described_items as (
    select
        item_key,
        category,
        source_file,
        line_number,
        parent_asin,
        title,
        contents,
        price,
        slot,
        items_file_key
    from {{ ref('int_items_described') }}
),

scrubbed as (
    select
        item_key,
        category,
        source_file,
        line_number,
        parent_asin,
        title,
        price,
        slot,
        items_file_key,
        {{ pricer.scrub('title') }} || chr(10) || {{ pricer.scrub('contents') }} as item_text
    from described_items
)

select * from scrubbed
