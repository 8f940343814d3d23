{#
    Python's json.dumps(value) with its defaults (rules 2.2), from a JSON text:
    separators ", " and ": ", keys in file order, strings with ensure_ascii escapes
    (\uXXXX lower-case, surrogate pairs above U+FFFF, DEL escaped, "/" not escaped),
    integers as written (arbitrary size), other numbers as Python's float repr
    (DuckDB's double-to-text is the shortest round-trip form, like repr), inf as Infinity.
    The JSON text is first minified by DuckDB's json(), so whitespace outside strings is gone
    and a token is a string, a scalar, or one of the characters , : [ ] { }.
#}
{% macro py_json_dumps(json_expr) -%}
    {{ return(adapter.dispatch('py_json_dumps', 'pricer')(json_expr)) }}
{%- endmacro %}

{#
    DuckDB. Fast path, for the ~70% of details whose minified text is printable ASCII with no
    backslash (so no string needs an escape) and no number but integers (the only numbers
    json() writes as Python does; -0 excluded): json.dumps is the minified text with a space
    after every "," and ":" outside strings. One regex pass marks them: each match is a whole
    string or a run of other characters, then an optional separator, so matching never starts
    inside a string. Checked against Python on every details value of 1M generated rows.
    Other details take the general path: token by token.
#}
{% macro default__py_json_dumps(json_expr) -%}
    {%- set minified = "cast(json(" ~ json_expr ~ ") as varchar)" -%}
    case
        when not regexp_matches(
            {{ minified }}, '[^\x{20}-\x{7e}]|\\|[:,\[]-?[0-9]+[.eE]|[:,\[]-0[,\]}]'
        )
            then replace(replace(replace(
                regexp_replace({{ minified }}, '("[^"]*"|[^",:]+)([,:]?)', '\1\2' || chr(1), 'g'),
                ',' || chr(1), ', '), ':' || chr(1), ': '), chr(1), '')
        else {{ pricer.py_json_dumps_tokens(json_expr) }}
    end
{%- endmacro %}

{% macro py_json_dumps_tokens(json_expr) -%}
    array_to_string(
        list_transform(
            regexp_extract_all(
                cast(json({{ json_expr }}) as varchar),
                '"(?:[^"\\]|\\.)*"|[^",:\[\]{}]+|[,:\[\]{}]'
            ),
            lambda json_token: case
                when json_token = ',' then ', '
                when json_token = ':' then ': '
                when left(json_token, 1) = '"'
                    then {{ pricer.py_json_string("cast(json_token as json) ->> '$'") }}
                when regexp_full_match(json_token, '-?[0-9]+') then json_token
                when regexp_full_match(json_token, '-?[0-9].*')
                    then {{ pricer.py_float_repr("cast(json_token as double)") }}
                else json_token
            end
        ),
        ''
    )
{%- endmacro %}

{#
    Spark: SQL has no shortest round-trip double text and its VARIANT sorts object keys, so the
    spec's json.dumps runs as itself, in the vectorized UDF pricer_json_dumps that pricer
    registers on the session (pricer.spark); the text it gets keeps the file's key order.
#}
{% macro spark__py_json_dumps(json_expr) -%}
    pricer_json_dumps({{ json_expr }})
{%- endmacro %}

{% macro py_float_repr(double_expr) -%}
    case
        when isnan({{ double_expr }}) then 'NaN'
        when isinf({{ double_expr }}) and {{ double_expr }} > 0 then 'Infinity'
        when isinf({{ double_expr }}) then '-Infinity'
        else cast({{ double_expr }} as varchar)
    end
{%- endmacro %}

{% macro py_json_string(string_expr) -%}
    {{ return(adapter.dispatch('py_json_string', 'pricer')(string_expr)) }}
{%- endmacro %}

{% macro default__py_json_string(string_expr) -%}
    '"' || case
        when regexp_matches({{ string_expr }}, '[^\x{20}-\x{7e}]|["\\]')
            then array_to_string(
                list_transform(
                    string_split({{ string_expr }}, ''),
                    lambda json_char: case
                        when json_char = '"' then '\"'
                        when json_char = '\' then '\\'
                        when json_char = chr(10) then '\n'
                        when json_char = chr(13) then '\r'
                        when json_char = chr(9) then '\t'
                        when json_char = chr(8) then '\b'
                        when json_char = chr(12) then '\f'
                        when unicode(json_char) between 32 and 126 then json_char
                        when unicode(json_char) < 65536
                            then format('\u{:04x}', unicode(json_char))
                        else format(
                            '\u{:04x}\u{:04x}',
                            55296 + ((unicode(json_char) - 65536) >> 10),
                            56320 + ((unicode(json_char) - 65536) & 1023)
                        )
                    end
                ),
                ''
            )
        else {{ string_expr }}
    end || '"'
{%- endmacro %}

{#
    The details text of rules 2.2: json.dumps of the details, then each of
    var('details_removals') removed everywhere, in order.
#}
{% macro details_text(json_expr) -%}
    {%- set ns = namespace(sql=pricer.py_json_dumps(json_expr)) -%}
    {%- for removal in var('details_removals') -%}
        {%- set ns.sql = "replace(" ~ ns.sql ~ ", " ~ pricer.sql_string(removal) ~ ", '')" -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}
