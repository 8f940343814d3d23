{#
    The knobs this build used (rules 9), so exports, reports and dataset cards can say how
    the data was made: every knob of vars.knob_rules in dbt_project.yml (the one list of
    knobs), but the export options (rule export: true), which `pricer export` reads itself.
    Grain: one row per knob.
#}
with

knobs as (
    {%- set names = [] %}
    {%- for name, rule in var('knob_rules').items() if not rule.get('export') %}
        {%- do names.append(name) %}
    {%- endfor %}
    {%- for name in names %}
        select
            '{{ name }}' as knob,
            {{ pricer.sql_string(var(name) | tojson) }} as value_json
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from knobs
