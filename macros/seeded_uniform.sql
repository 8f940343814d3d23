{#
    The engine-independent seeded uniform of rules 4-5:
    h = the first 13 hex digits of md5('<seed>:<item key>') read as an integer (0 <= h < 2^52),
    u = (h + 0.5) / 2^52, so 0 < u < 1. Any engine with md5 and hex parsing computes the same
    numbers, so the sample and the split do not depend on the engine or its thread count.
#}
{% macro seeded_hash13(seed, key_expr) -%}
    {{ return(adapter.dispatch('seeded_hash13', 'pricer')(seed, key_expr)) }}
{%- endmacro %}

{% macro default__seeded_hash13(seed, key_expr) -%}
    cast('0x' || left(md5('{{ seed | int }}:' || {{ key_expr }}), 13) as bigint)
{%- endmacro %}

{% macro spark__seeded_hash13(seed, key_expr) -%}
    cast(conv(left(md5('{{ seed | int }}:' || {{ key_expr }}), 13), 16, 10) as bigint)
{%- endmacro %}

{% macro seeded_uniform(seed, key_expr) -%}
    {#- in doubles, where every step is exact: Spark would do bigint + 0.5 in decimals and
        round the quotient to its decimal scale -#}
    (cast({{ pricer.seeded_hash13(seed, key_expr) }} as double) + 0.5) / 4503599627370496.0
{%- endmacro %}
