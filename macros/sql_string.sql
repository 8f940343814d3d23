{# A Jinja string as a SQL string literal (single quotes doubled). #}
{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}
