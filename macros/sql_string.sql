{# A Jinja string as a SQL string literal of exactly that text (regex_literal: quotes doubled,
   and on Spark a raw literal, so a backslash stays a backslash). #}
{% macro sql_string(value) -%}
    {{ pricer.regex_literal(value) }}
{%- endmacro %}
