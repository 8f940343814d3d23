{#
    Whether a slot is one the sample draws from (rules 3-4): var('first_sampled_slot') and up,
    i.e. slots 1..999 by default (max_price keeps slots at most 999); slot 0, a price of
    exactly 0.5, exists but is never sampled. Every model and test that needs the rule reads
    it here.
#}
{% macro is_sampled_slot(slot_expr) -%}
    {{ slot_expr }} >= {{ var('first_sampled_slot') }}
{%- endmacro %}
