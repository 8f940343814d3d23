{{ config(materialized=('view' if target.type == 'duckdb' else 'table')) }}
{#
    The scrubbed text (rules 2.5-2.6): scrubbed title, a newline, scrubbed contents; what the
    tokenizer reads, before its token cut.
#}
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
        {{ pricer.scrub('title') }} || chr(10) || {{ pricer.scrub('contents') }} as scrubbed_text
    from described_items
)

select * from scrubbed
