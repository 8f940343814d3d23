{#
    True when a JSON value is missing or an array whose elements are all strings
    (description and features, spec 1). A missing key counts as an empty list; a JSON null
    does not (the course's loader would fail joining it), so the row is rejected.
#}
{% macro is_string_list(json_expr) -%}
    case
        when {{ json_expr }} is null then true
        when json_type({{ json_expr }}) <> 'ARRAY' then false
        else coalesce(
            list_bool_and(
                list_transform(
                    json_extract({{ json_expr }}, '$[*]'),
                    lambda list_element: json_type(list_element) = 'VARCHAR'
                )
            ),
            true
        )
    end
{%- endmacro %}

{#
    False when a JSON text that DuckDB parsed is not strict JSON (RFC 8259), as the course's
    loader required: DuckDB also accepts NaN/Infinity literals and trailing commas. Strings are
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
