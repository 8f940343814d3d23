{#
    The course's scrub (rules 2.5), applied to the title and to the contents separately:
    every run of : [ ] " { } 【 】 and Python whitespace becomes one space; strip; " ," -> ",",
    ",,," -> ",", ",," -> ","; split on single spaces; drop words of 7 or more characters that
    hold a Python digit (str.isdigit); join with spaces.
#}
{% macro scrub(text_expr) -%}
    {{ return(adapter.dispatch('scrub', 'pricer')(text_expr)) }}
{%- endmacro %}

{#
    DuckDB: the word filter as one regex replacement too (a lambda per word cost 3.5x more).
    RE2 has no lookarounds, so a word of 7+ characters holding a digit is spelled out: a digit
    after a characters and at least 6 - a more, for a = 0..5, or after 6 or more. With a space
    prepended every word starts after one, the match takes the space with the word, and the
    prepended space is cut off at the end.
#}
{% macro default__scrub(text_expr) -%}
    {#- a run of two or more, or one that is not a space: a lone space is left as it is (the
        same text, with a fraction of RE2's matches) -#}
    {%- set spaced = pricer.regexp_replace_all(
        text_expr,
        '[:\\[\\]"{}【】' ~ pricer.py_whitespace_class() ~ ']{2,}|[:\\[\\]"{}【】'
        ~ pricer.py_whitespace_class_but_space() ~ ']',
        "' '"
    ) -%}
    {%- set words = "replace(replace(replace(" ~ pricer.trim_chars(spaced, "' '")
        ~ ", ' ,', ','), ',,,', ','), ',,', ',')" -%}
    {%- set digit = '[' ~ pricer.py_digit_class() ~ ']' -%}
    {%- set ns = namespace(alternatives=[]) -%}
    {%- for before in range(6) -%}
        {%- set ns.alternatives = ns.alternatives
            + ['[^ ]{' ~ before ~ '}' ~ digit ~ '[^ ]{' ~ (6 - before) ~ ',}'] -%}
    {%- endfor -%}
    {%- set ns.alternatives = ns.alternatives + ['[^ ]{6,}' ~ digit] -%}
    substr({{ pricer.regexp_replace_all(
        "' ' || " ~ words, ' (?:' ~ ns.alternatives | join('|') ~ ')[^ ]*', "''"
    ) }}, 2)
{%- endmacro %}

{#
    Spark: the same steps, but the word filter as one regex replacement instead of
    split/filter/join, because Spark interprets a lambda per word (77 s of a 283 s build at 1M
    rows). Words are separated by single spaces here (runs were collapsed and the ends
    stripped), so with a space appended every word ends in one: a word of 7+ characters with a
    digit goes with its space, and rtrim drops the appended space (the only trailing one).
    Java regex has the lookarounds this needs; RE2 has not.
#}
{% macro spark__scrub(text_expr) -%}
    {%- set spaced = pricer.regexp_replace_all(
        text_expr, '[:\\[\\]"{}【】' ~ pricer.py_whitespace_class() ~ ']+', "' '"
    ) -%}
    {%- set words = "replace(replace(replace(" ~ pricer.trim_chars(spaced, "' '")
        ~ ", ' ,', ','), ',,,', ','), ',,', ',')" -%}
    {%- set long_digit_word -%}
        (?<![^ ])(?=[^ ]{7})[^ ]*[{{ pricer.py_digit_class() }}][^ ]*
    {%- endset -%}
    rtrim({{ pricer.regexp_replace_all(words ~ " || ' '", long_digit_word ~ ' ', "''") }})
{%- endmacro %}
