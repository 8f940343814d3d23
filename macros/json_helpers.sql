{#
    Reading a raw line's JSON (rules 1) on either engine. DuckDB parses to its JSON type (text);
    Spark to a VARIANT. A "members" value holds the members of an object a model reads, so
    that DuckDB parses the line once for all of them.
#}

{# The JSON value of a text, or null when the text is not strict JSON (RFC 8259). #}
{% macro parse_json_strict(text_expr) -%}
    {{ return(adapter.dispatch('parse_json_strict', 'pricer')(text_expr)) }}
{%- endmacro %}

{% macro default__parse_json_strict(text_expr) -%}
    case when {{ pricer.is_strict_json(text_expr) }} then try(json({{ text_expr }})) end
{%- endmacro %}

{#
    Spark's parser is strict about NaN/Infinity, trailing commas and raw control characters,
    but reads the first value of a text and ignores what follows ('{"a": 1}{"b": 2}' parses).
    So the text is parsed as the first element of an array whose second element is the text's
    own md5: a text that is one value gives exactly [value, md5]; trailing data either breaks
    the array or ends it before the md5 (a text cannot hold its own md5 as a string).
#}
{% macro spark__parse_json_strict(text_expr) -%}
    {%- set wrapped -%}
        try_parse_json('[' || {{ text_expr }} || ',"' || md5({{ text_expr }}) || '"]')
    {%- endset -%}
    case
        when variant_get({{ wrapped }}, '$[1]', 'string') = md5({{ text_expr }})
            and variant_get({{ wrapped }}, '$[2]') is null
            then variant_get({{ wrapped }}, '$[0]')
    end
{%- endmacro %}

{#
    False when a JSON text that DuckDB parsed is not strict JSON, as the course's loader
    required: DuckDB also accepts NaN/Infinity literals and trailing commas. Strings are
    blanked before looking, and only for the few lines a cheap pre-check flags.
#}
{% macro is_strict_json(text_expr) -%}
    case
        when not (
            contains({{ text_expr }}, 'NaN')
            or contains({{ text_expr }}, 'Infinity')
            or regexp_matches({{ text_expr }}, ',[ \t\n\r]*[\]}]')
        ) then true
        else not regexp_matches(
            regexp_replace({{ text_expr }}, '"(?:[^"\\]|\\.)*"', '""', 'g'),
            'NaN|Infinity|,[ \t\n\r]*[\]}]'
        )
    end
{%- endmacro %}

{# The members `keys` of a JSON object value, for json_member(). #}
{% macro json_members(json_expr, keys) -%}
    {{ return(adapter.dispatch('json_members', 'pricer')(json_expr, keys)) }}
{%- endmacro %}

{% macro default__json_members(json_expr, keys) -%}
    json_extract({{ json_expr }}, [{% for key in keys %}'$.{{ key }}'{{ ", " if not loop.last }}{% endfor %}])
{%- endmacro %}

{% macro spark__json_members(json_expr, keys) -%}
    named_struct(
        {%- for key in keys %}
        '{{ key }}', variant_get({{ json_expr }}, '$.{{ key }}'){{ "," if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{# One member of a json_members() value: JSON (a JSON null is not SQL null), or SQL null
   when the key is missing. #}
{% macro json_member(members_expr, keys, key) -%}
    {{ return(adapter.dispatch('json_member', 'pricer')(members_expr, keys, key)) }}
{%- endmacro %}

{% macro default__json_member(members_expr, keys, key) -%}
    {{ members_expr }}[{{ keys.index(key) + 1 }}]
{%- endmacro %}

{% macro spark__json_member(members_expr, keys, key) -%}
    {{ members_expr }}.{{ key }}
{%- endmacro %}

{# The kind of a JSON value: string, number, boolean, array, object or null. #}
{% macro json_kind(json_expr) -%}
    {{ return(adapter.dispatch('json_kind', 'pricer')(json_expr)) }}
{%- endmacro %}

{% macro default__json_kind(json_expr) -%}
    case json_type({{ json_expr }})
        when 'VARCHAR' then 'string'
        when 'UBIGINT' then 'number'
        when 'BIGINT' then 'number'
        when 'HUGEINT' then 'number'
        when 'UHUGEINT' then 'number'
        when 'DOUBLE' then 'number'
        when 'BOOLEAN' then 'boolean'
        when 'ARRAY' then 'array'
        when 'OBJECT' then 'object'
        when 'NULL' then 'null'
    end
{%- endmacro %}

{% macro spark__json_kind(json_expr) -%}
    case
        when schema_of_variant({{ json_expr }}) = 'STRING' then 'string'
        when schema_of_variant({{ json_expr }}) in ('BIGINT', 'DOUBLE', 'FLOAT')
            or schema_of_variant({{ json_expr }}) like 'DECIMAL(%'
            then 'number'
        when schema_of_variant({{ json_expr }}) = 'BOOLEAN' then 'boolean'
        when schema_of_variant({{ json_expr }}) like 'ARRAY<%' then 'array'
        when schema_of_variant({{ json_expr }}) like 'OBJECT<%' then 'object'
        when schema_of_variant({{ json_expr }}) = 'VOID' then 'null'
    end
{%- endmacro %}

{# A JSON string's text (and a scalar's JSON text). #}
{% macro json_string_value(json_expr) -%}
    {{ return(adapter.dispatch('json_string_value', 'pricer')(json_expr)) }}
{%- endmacro %}

{% macro default__json_string_value(json_expr) -%}
    ({{ json_expr }} ->> '$')
{%- endmacro %}

{% macro spark__json_string_value(json_expr) -%}
    try_variant_get({{ json_expr }}, '$', 'string')
{%- endmacro %}

{# A JSON array of strings as a list of strings. #}
{% macro json_string_list(json_expr) -%}
    {{ return(adapter.dispatch('json_string_list', 'pricer')(json_expr)) }}
{%- endmacro %}

{% macro default__json_string_list(json_expr) -%}
    ({{ json_expr }} ->> '$[*]')
{%- endmacro %}

{% macro spark__json_string_list(json_expr) -%}
    try_variant_get({{ json_expr }}, '$', 'array<string>')
{%- endmacro %}

{# A JSON number as a double; null when it is not a number. #}
{% macro json_number(json_expr) -%}
    {{ return(adapter.dispatch('json_number', 'pricer')(json_expr)) }}
{%- endmacro %}

{% macro default__json_number(json_expr) -%}
    try_cast({{ json_expr }} as double)
{%- endmacro %}

{% macro spark__json_number(json_expr) -%}
    try_variant_get({{ json_expr }}, '$', 'double')
{%- endmacro %}

{# A JSON value as JSON text (the type a table stores it as). #}
{% macro json_text(json_expr) -%}
    {{ return(adapter.dispatch('json_text', 'pricer')(json_expr)) }}
{%- endmacro %}

{% macro default__json_text(json_expr) -%}
    {{ json_expr }}
{%- endmacro %}

{% macro spark__json_text(json_expr) -%}
    to_json({{ json_expr }})
{%- endmacro %}

{#
    The JSON text of member `key` of the object in line_text, as written: keys in file order
    (details, rules 2.2). DuckDB's JSON value keeps the order already; Spark's VARIANT sorts
    keys, so Spark reads the member from the text again. Null when the key is missing.
#}
{% macro json_member_text(members_expr, keys, key, text_expr) -%}
    {{ return(adapter.dispatch('json_member_text', 'pricer')(members_expr, keys, key, text_expr)) }}
{%- endmacro %}

{% macro default__json_member_text(members_expr, keys, key, text_expr) -%}
    {{ pricer.json_member(members_expr, keys, key) }}
{%- endmacro %}

{% macro spark__json_member_text(members_expr, keys, key, text_expr) -%}
    case
        when {{ pricer.json_member(members_expr, keys, key) }} is not null
            then coalesce(get_json_object({{ text_expr }}, '$.{{ key }}'), 'null')
    end
{%- endmacro %}

{#
    True when a JSON value is missing or an array whose elements are all strings
    (description and features, rules 1). A missing key counts as an empty list; a JSON null
    does not (the course's loader would fail joining it), so the row is rejected.
#}
{% macro is_string_list(json_expr) -%}
    case
        when {{ json_expr }} is null then true
        when {{ pricer.json_kind(json_expr) }} <> 'array' then false
        else {{ pricer.json_elements_are_strings(json_expr) }}
    end
{%- endmacro %}

{% macro json_elements_are_strings(json_expr) -%}
    {{ return(adapter.dispatch('json_elements_are_strings', 'pricer')(json_expr)) }}
{%- endmacro %}

{% macro default__json_elements_are_strings(json_expr) -%}
    {{ pricer.list_all(
        "json_extract(" ~ json_expr ~ ", '$[*]')",
        'list_element',
        "json_type(list_element) = 'VARCHAR'"
    ) }}
{%- endmacro %}

{% macro spark__json_elements_are_strings(json_expr) -%}
    {{ pricer.list_all(
        "variant_get(" ~ json_expr ~ ", '$', 'array<variant>')",
        'list_element',
        "schema_of_variant(list_element) = 'STRING'"
    ) }}
{%- endmacro %}

{#
    The members `keys` of the JSON object in a line's text, parsing the text once; null when
    the text is not strict JSON. DuckDB extracts the members straight from the text (its
    json_extract raises on malformed text, which try() turns into null); Spark parses it to a
    VARIANT first (parse_json_strict).
#}
{% macro json_line_members(text_expr, keys) -%}
    {{ return(adapter.dispatch('json_line_members', 'pricer')(text_expr, keys)) }}
{%- endmacro %}

{% macro default__json_line_members(text_expr, keys) -%}
    case
        when {{ pricer.is_strict_json(text_expr) }}
            then try(json_extract({{ text_expr }}, [
                {%- for key in keys %}'$.{{ key }}'{{ ", " if not loop.last }}{% endfor -%}
            ]))
    end
{%- endmacro %}

{% macro spark__json_line_members(text_expr, keys) -%}
    case
        when {{ pricer.parse_json_strict(text_expr) }} is not null
            then {{ pricer.json_members(pricer.parse_json_strict(text_expr), keys) }}
    end
{%- endmacro %}

{#
    The kind of the JSON value a line holds (see json_kind), given json_line_members() of it.
    DuckDB reads it off the first character of the text, which for valid JSON decides the kind
    (no second parse); Spark asks the VARIANT.
#}
{% macro json_line_kind(text_expr, members_expr) -%}
    {{ return(adapter.dispatch('json_line_kind', 'pricer')(text_expr, members_expr)) }}
{%- endmacro %}

{% macro default__json_line_kind(text_expr, members_expr) -%}
    case
        when {{ members_expr }} is not null
            then case left(ltrim({{ text_expr }}, chr(9) || chr(10) || chr(13) || ' '), 1)
                when '{' then 'object'
                when '[' then 'array'
                when '"' then 'string'
                when 't' then 'boolean'
                when 'f' then 'boolean'
                when 'n' then 'null'
                else 'number'
            end
    end
{%- endmacro %}

{% macro spark__json_line_kind(text_expr, members_expr) -%}
    {{ pricer.json_kind(pricer.parse_json_strict(text_expr)) }}
{%- endmacro %}
