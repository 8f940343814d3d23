{#
    True when a JSON value is missing, null, or an array whose elements are all strings
    (description and features, spec 1). Missing and null count as an empty list.
#}
{% macro is_string_list(json_expr) -%}
    case
        when {{ json_expr }} is null or json_type({{ json_expr }}) = 'NULL' then true
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
