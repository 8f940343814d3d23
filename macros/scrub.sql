{#
    The course's scrub (spec 2.5), applied to the title and to the contents separately:
    every run of : [ ] " { } 【 】 and Python whitespace becomes one space; strip; " ," -> ",",
    ",,," -> ",", ",," -> ","; split on single spaces; drop words of 7 or more characters that
    hold a Python digit (str.isdigit); join with spaces.
#}
{% macro scrub(text_expr) -%}
    {%- set spaced = pricer.regexp_replace_all(
        text_expr, '[:\\[\\]"{}【】' ~ pricer.py_whitespace_class() ~ ']+', "' '"
    ) -%}
    {%- set stripped = pricer.trim_chars(spaced, "' '") -%}
    {{ pricer.list_join(
        pricer.list_where(
            pricer.split_on(
                "replace(replace(replace(" ~ stripped ~ ", ' ,', ','), ',,,', ','), ',,', ',')",
                "' '"
            ),
            'scrub_word',
            "not (length(scrub_word) >= 7 and "
            ~ pricer.regexp_contains('scrub_word', '[' ~ pricer.py_digit_class() ~ ']') ~ ")"
        ),
        "' '"
    ) }}
{%- endmacro %}
