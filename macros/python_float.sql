{#
    Python's float(s) for a string (spec 2.1): NULL where float() raises.
    Grammar of float(): surrounding whitespace stripped (see py_float_strip_class), a sign, digits
    with single underscores between them, optional fraction and exponent, or inf/infinity/nan
    in any case. Non-ASCII decimal digits, which float() also accepts, are not handled.
#}
{% macro py_float(string_expr) -%}
    {{ return(adapter.dispatch('py_float', 'pricer')(string_expr)) }}
{%- endmacro %}

{% macro default__py_float(string_expr) -%}
    {%- set ws = pricer.py_float_strip_class() -%}
    {%- set stripped = "regexp_replace(" ~ string_expr ~ ", '^[" ~ ws ~ "]+|[" ~ ws ~ "]+$', '', 'g')" -%}
    case
        when regexp_full_match(
            {{ stripped }},
            '[+-]?([0-9](_?[0-9])*)?\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?'
            || '|[+-]?[0-9](_?[0-9])*\.?([eE][+-]?[0-9](_?[0-9])*)?'
        )
            then cast(replace({{ stripped }}, '_', '') as double)
        when regexp_full_match(lower({{ stripped }}), '[+-]?(inf|infinity)')
            then cast(replace(lower({{ stripped }}), 'infinity', 'inf') as double)
        when regexp_full_match(lower({{ stripped }}), '[+-]?nan')
            then cast('nan' as double)
    end
{%- endmacro %}
