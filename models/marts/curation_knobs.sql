{#
    The knobs this build used (spec 9), so exports, reports and dataset cards can say how
    the data was made. Grain: one row per knob.
#}
with

knobs as (
    {%- set names = [
        'min_price', 'max_price', 'min_chars', 'ceiling_chars', 'min_tokens', 'max_tokens',
        'tokenizer', 'slot_cutoff', 'slot_cap', 'sample_seed', 'split_seed', 'train_size',
        'test_size', 'val_size', 'dedup', 'prompt_question', 'price_prefix'
    ] %}
    {%- for name in names %}
        select
            '{{ name }}' as knob,
            {{ pricer.sql_string(var(name) | tojson) }} as value_json
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from knobs
