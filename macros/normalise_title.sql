{#
    The title as duplicate detection compares it: lower-case, every run of Python whitespace
    as one space, trimmed.
#}
{% macro normalise_title(title_expr) -%}
    {{ pricer.trim_chars(
        pricer.regexp_replace_all(
            'lower(' ~ title_expr ~ ')', '[' ~ pricer.py_whitespace_class() ~ ']+', "' '"
        ),
        "' '"
    ) }}
{%- endmacro %}
