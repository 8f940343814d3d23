{#
    The test prompt of rules 2.8: the prompt cut right after the first var('price_prefix') in
    it (the course splits on the first occurrence, even when the product text holds one).
    The prompt is built by pricer.tokenizer.curate, which counts its tokens; the test prompt
    is cut here, once, for both engines.
#}
{% macro test_prompt(prompt_expr) -%}
    left(
        {{ prompt_expr }},
        instr({{ prompt_expr }}, {{ pricer.sql_string(var('price_prefix')) }})
        + length({{ pricer.sql_string(var('price_prefix')) }}) - 1
    )
{%- endmacro %}
