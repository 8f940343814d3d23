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
