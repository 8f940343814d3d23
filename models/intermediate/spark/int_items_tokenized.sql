{#
    Spark's int_items_tokenized (the DuckDB one is models/intermediate/duckdb/
    int_items_tokenized.py): the same pricer.tokenizer.curate, called through the vectorized
    UDF pricer_curate that `pricer build --engine spark` registers on the session
    (pricer.spark.register_curate) with the tokenizer knobs of this build.
#}
with

scrubbed_items as (
    select
        item_key,
        category,
        parent_asin,
        source_file,
        line_number,
        price,
        slot,
        title,
        items_file_key,
        item_text
    from {{ ref('int_items_scrubbed') }}
),

curated as (
    select
        item_key,
        category,
        parent_asin,
        source_file,
        line_number,
        price,
        slot,
        title,
        items_file_key,
        pricer_curate(item_text, price) as curation
    from scrubbed_items
),

tokenized as (
    select
        item_key,
        category,
        parent_asin,
        source_file,
        line_number,
        price,
        slot,
        title,
        items_file_key,
        curation.is_kept,
        curation.prompt,
        curation.token_count
    from curated
)

select * from tokenized
