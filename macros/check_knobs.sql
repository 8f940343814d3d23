{#
    The knob rules of dbt_project.yml (vars: knob_rules), checked before a dbt run: the same
    rules and messages as pricer.knobs.validate, for a plain `dbt build --vars ...`.
#}
{% macro pricer_check_knobs() %}
    {%- set kinds = {
        'integer': 'a whole number',
        'number': 'a number',
        'string': 'a string',
        'list': 'a JSON list of strings, e.g. ["a", "b"]'
    } -%}
    {%- set bounds = [('min', '>='), ('max', '<='), ('above', '>'), ('below', '<')] -%}
    {%- set rules = var('knob_rules') -%}
    {%- for name, rule in rules.items() if var(name, none) is not none -%}
        {%- set value = var(name) -%}
        {%- set kind = rule['type'] -%}
        {%- if value is boolean -%}
            {%- set ok = false -%}
        {%- elif kind == 'integer' -%}
            {%- set ok = value is integer -%}
        {%- elif kind == 'number' -%}
            {%- set ok = value is number -%}
        {%- elif kind == 'string' -%}
            {%- set ok = value is string -%}
        {%- else -%}
            {%- set ok = value is iterable and value is not string and value is not mapping
                and value | reject('string') | list | length == 0 -%}
        {%- endif -%}
        {%- if not ok -%}
            {{ exceptions.raise_compiler_error(
                'knob ' ~ name ~ ' must be ' ~ kinds[kind] ~ ', got ' ~ (value | tojson)) }}
        {%- endif -%}
        {%- if rule.get('one_of') and value not in rule['one_of'] -%}
            {{ exceptions.raise_compiler_error(
                'knob ' ~ name ~ ' must be one of ' ~ rule['one_of'] | join(', ')
                ~ ', got ' ~ (value | tojson)) }}
        {%- endif -%}
        {%- for key, op in bounds if key in rule -%}
            {%- set bound = rule[key] -%}
            {%- set other = var(bound) if bound is string else bound -%}
            {%- set holds = (op == '>=' and value >= other) or (op == '<=' and value <= other)
                or (op == '>' and value > other) or (op == '<' and value < other) -%}
            {%- if not holds -%}
                {{ exceptions.raise_compiler_error(
                    'knob ' ~ name ~ ' must be ' ~ op ~ ' ' ~ bound
                    ~ ((' (' ~ other ~ ')') if bound is string else '')
                    ~ ', got ' ~ (value | tojson)) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}

{% macro pricer_on_run_start() %}
    {%- if execute -%}
        {{ pricer_check_knobs() }}
    {%- endif -%}
    {%- if execute and flags.WHICH in ('build', 'run', 'seed', 'snapshot') -%}
        drop table if exists pricer_build_record
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}
