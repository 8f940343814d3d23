{#
    The course's scrub (spec 2.5), applied to the title and to the contents separately:
    every run of : [ ] " { } 【 】 and Python whitespace becomes one space; strip; " ," -> ",",
    ",,," -> ",", ",," -> ","; split on single spaces; drop words of 7 or more characters that
    hold a Python digit (str.isdigit); join with spaces.
#}
{% macro scrub(text_expr) -%}
    {{ return(adapter.dispatch('scrub', 'pricer')(text_expr)) }}
{%- endmacro %}

{% macro default__scrub(text_expr) -%}
    array_to_string(
        list_filter(
            string_split(
                replace(replace(replace(
                    trim(
                        regexp_replace(
                            {{ text_expr }},
                            '[:\[\]"{}【】{{ pricer.py_whitespace_class() }}]+',
                            ' ',
                            'g'
                        ),
                        ' '
                    ),
                    ' ,', ','), ',,,', ','), ',,', ','),
                ' '
            ),
            lambda scrub_word: not (
                length(scrub_word) >= 7
                and regexp_matches(scrub_word, '[{{ pricer.py_digit_class() }}]')
            )
        ),
        ' '
    )
{%- endmacro %}
