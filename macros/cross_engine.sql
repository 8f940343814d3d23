{#
    The SQL that differs between DuckDB and Spark, one macro a construct, dispatched on the
    adapter: models call these and never name an engine. DuckDB's regex is RE2 and Spark's
    is java.util.regex; the patterns the models pass use only what both read alike (explicit
    \x{...} code points, no \s or \d), and Spark gets them as raw literals (r'...') because
    its string literals treat a backslash as an escape.
#}

{# A regex pattern (or any text with backslashes) as a string literal. #}
{% macro regex_literal(pattern) -%}
    {{ return(adapter.dispatch('regex_literal', 'pricer')(pattern)) }}
{%- endmacro %}

{% macro default__regex_literal(pattern) -%}
    '{{ pattern | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__regex_literal(pattern) -%}
    r'{{ pattern | replace("'", "''") }}'
{%- endmacro %}

{# Every match of pattern replaced. #}
{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'pricer')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pricer.regex_literal(pattern) }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, {{ pricer.regex_literal(pattern) }}, {{ replacement }})
{%- endmacro %}

{# True when pattern matches somewhere in expr. #}
{% macro regexp_contains(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_contains', 'pricer')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_contains(expr, pattern) -%}
    regexp_matches({{ expr }}, {{ pricer.regex_literal(pattern) }})
{%- endmacro %}

{% macro spark__regexp_contains(expr, pattern) -%}
    ({{ expr }} rlike {{ pricer.regex_literal(pattern) }})
{%- endmacro %}

{# True when pattern matches all of expr. #}
{% macro regexp_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'pricer')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, {{ pricer.regex_literal(pattern) }})
{%- endmacro %}

{% macro spark__regexp_full_match(expr, pattern) -%}
    {#- \z, not $: Java's $ also matches before a final line terminator -#}
    ({{ expr }} rlike {{ pricer.regex_literal('^(?:' ~ pattern ~ ')\\z') }})
{%- endmacro %}

{# Every match of pattern, as a list of strings. #}
{% macro regexp_all_matches(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_all_matches', 'pricer')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regexp_all_matches(expr, pattern) -%}
    regexp_extract_all({{ expr }}, {{ pricer.regex_literal(pattern) }})
{%- endmacro %}

{% macro spark__regexp_all_matches(expr, pattern) -%}
    regexp_extract_all({{ expr }}, {{ pricer.regex_literal(pattern) }}, 0)
{%- endmacro %}

{# expr without the characters of chars (a SQL string expression) at both ends. #}
{% macro trim_chars(expr, chars) -%}
    {{ return(adapter.dispatch('trim_chars', 'pricer')(expr, chars)) }}
{%- endmacro %}

{% macro default__trim_chars(expr, chars) -%}
    trim({{ expr }}, {{ chars }})
{%- endmacro %}

{% macro spark__trim_chars(expr, chars) -%}
    trim(both {{ chars }} from {{ expr }})
{%- endmacro %}

{# A string split on a literal one-character separator, empty parts kept (Python's split). #}
{% macro split_on(expr, separator) -%}
    {{ return(adapter.dispatch('split_on', 'pricer')(expr, separator)) }}
{%- endmacro %}

{% macro default__split_on(expr, separator) -%}
    string_split({{ expr }}, {{ separator }})
{%- endmacro %}

{% macro spark__split_on(expr, separator) -%}
    {#- Spark splits on a regex: the separator callers pass (a space) is its own regex -#}
    split({{ expr }}, {{ separator }}, -1)
{%- endmacro %}

{# The elements of a list of strings joined with separator. #}
{% macro list_join(list_expr, separator) -%}
    {{ return(adapter.dispatch('list_join', 'pricer')(list_expr, separator)) }}
{%- endmacro %}

{% macro default__list_join(list_expr, separator) -%}
    array_to_string({{ list_expr }}, {{ separator }})
{%- endmacro %}

{% macro spark__list_join(list_expr, separator) -%}
    array_join({{ list_expr }}, {{ separator }})
{%- endmacro %}

{# The number of elements of a list. #}
{% macro list_size(list_expr) -%}
    {{ return(adapter.dispatch('list_size', 'pricer')(list_expr)) }}
{%- endmacro %}

{% macro default__list_size(list_expr) -%}
    len({{ list_expr }})
{%- endmacro %}

{% macro spark__list_size(list_expr) -%}
    size({{ list_expr }})
{%- endmacro %}

{# The elements of a list for which predicate (a SQL expression over name) holds. #}
{% macro list_where(list_expr, name, predicate) -%}
    {{ return(adapter.dispatch('list_where', 'pricer')(list_expr, name, predicate)) }}
{%- endmacro %}

{% macro default__list_where(list_expr, name, predicate) -%}
    list_filter({{ list_expr }}, lambda {{ name }}: {{ predicate }})
{%- endmacro %}

{% macro spark__list_where(list_expr, name, predicate) -%}
    filter({{ list_expr }}, {{ name }} -> {{ predicate }})
{%- endmacro %}

{# True when predicate holds for every element (and for an empty list). #}
{% macro list_all(list_expr, name, predicate) -%}
    {{ return(adapter.dispatch('list_all', 'pricer')(list_expr, name, predicate)) }}
{%- endmacro %}

{% macro default__list_all(list_expr, name, predicate) -%}
    coalesce(list_bool_and(list_transform({{ list_expr }}, lambda {{ name }}: {{ predicate }})), true)
{%- endmacro %}

{% macro spark__list_all(list_expr, name, predicate) -%}
    forall({{ list_expr }}, {{ name }} -> {{ predicate }})
{%- endmacro %}

{# The values of a group as a list, sorted. #}
{% macro sorted_list_agg(expr) -%}
    {{ return(adapter.dispatch('sorted_list_agg', 'pricer')(expr)) }}
{%- endmacro %}

{% macro default__sorted_list_agg(expr) -%}
    list({{ expr }} order by {{ expr }})
{%- endmacro %}

{% macro spark__sorted_list_agg(expr) -%}
    array_sort(collect_list({{ expr }}))
{%- endmacro %}

{# An empty list of strings. #}
{% macro empty_string_list() -%}
    {{ return(adapter.dispatch('empty_string_list', 'pricer')()) }}
{%- endmacro %}

{% macro default__empty_string_list() -%}
    cast([] as varchar[])
{%- endmacro %}

{% macro spark__empty_string_list() -%}
    cast(array() as array<string>)
{%- endmacro %}

{# Python's round(x) of a double: half to even, as a whole number (still a double). #}
{% macro round_half_even(expr) -%}
    {{ return(adapter.dispatch('round_half_even', 'pricer')(expr)) }}
{%- endmacro %}

{% macro default__round_half_even(expr) -%}
    round_even({{ expr }}, 0)
{%- endmacro %}

{% macro spark__round_half_even(expr) -%}
    cast(bround({{ expr }}, 0) as double)
{%- endmacro %}

{# The Unicode code point of a one-character string. #}
{% macro code_point(expr) -%}
    {{ return(adapter.dispatch('code_point', 'pricer')(expr)) }}
{%- endmacro %}

{% macro default__code_point(expr) -%}
    unicode({{ expr }})
{%- endmacro %}

{% macro spark__code_point(expr) -%}
    ascii({{ expr }})
{%- endmacro %}

{# Bytes decoded as UTF-8; null for bytes that are not valid UTF-8. #}
{% macro utf8_or_null(bytes_expr) -%}
    {{ return(adapter.dispatch('utf8_or_null', 'pricer')(bytes_expr)) }}
{%- endmacro %}

{% macro default__utf8_or_null(bytes_expr) -%}
    try(decode({{ bytes_expr }}))
{%- endmacro %}

{% macro spark__utf8_or_null(bytes_expr) -%}
    case
        when is_valid_utf8(cast({{ bytes_expr }} as string))
            then cast({{ bytes_expr }} as string)
    end
{%- endmacro %}

{# A line's text without the newline that ends it on DuckDB (its lines are views of the mapped
   file, newline included); Spark's lines have none (and its two-argument rtrim takes the
   characters first). #}
{% macro without_line_end(expr) -%}
    {{ return(adapter.dispatch('without_line_end', 'pricer')(expr)) }}
{%- endmacro %}

{% macro default__without_line_end(expr) -%}
    rtrim({{ expr }}, chr(10))
{%- endmacro %}

{% macro spark__without_line_end(expr) -%}
    {{ expr }}
{%- endmacro %}
