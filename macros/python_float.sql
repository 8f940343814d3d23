{#
    Python's float(s) for a string (rules 2.1): NULL where float() raises.
    Grammar of float(): surrounding whitespace stripped (see py_float_strip_class), a sign, digits
    with single underscores between them, optional fraction and exponent, or inf/infinity/nan
    in any case. Like float(), non-ASCII decimal digits count as their ASCII digits.
    One SQL for both engines: the regexes use nothing RE2 and Java read differently, and the
    final cast only sees text the grammar accepted.
#}
{% macro py_float(string_expr) -%}
    {%- set ws = pricer.py_float_strip_class() -%}
    {%- set ascii -%}
        case
            when {{ pricer.regexp_contains(string_expr, '[^\\x{1}-\\x{7f}]') }}
                then translate(
                    {{ string_expr }},
                    '{{ pricer.py_decimal_digits() }}',
                    '{{ pricer.py_decimal_digit_values() }}'
                )
            else {{ string_expr }}
        end
    {%- endset -%}
    {%- set stripped = pricer.regexp_replace_all(ascii, '^[' ~ ws ~ ']+|[' ~ ws ~ ']+$', "''") %}
    case
        when {{ pricer.regexp_full_match(
            stripped,
            '[+-]?([0-9](_?[0-9])*)?\\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?'
            ~ '|[+-]?[0-9](_?[0-9])*\\.?([eE][+-]?[0-9](_?[0-9])*)?'
        ) }}
            then cast(replace({{ stripped }}, '_', '') as double)
        when {{ pricer.regexp_full_match('lower(' ~ stripped ~ ')', '[+-]?(inf|infinity)') }}
            then cast(replace(lower({{ stripped }}), 'infinity', 'inf') as double)
        when {{ pricer.regexp_full_match('lower(' ~ stripped ~ ')', '[+-]?nan') }}
            then cast('nan' as double)
    end
{%- endmacro %}
