{#
    What the incremental staging models (stg_meta__rows, int_items_tokenized) keep from one
    build to the next: the rows of each raw file under a key of that file's version and of
    the knobs that shaped the rows (vars.knob_rules entries with a `stage`). A file whose key
    a model lacks is read; rows whose key no current file gives are deleted first. So a new,
    changed or removed file costs only its own rows, and a knob change that shapes the rows
    makes every key new: the same rows as a fresh build, in `pricer build` and a plain
    `dbt build` alike. A change of the models' code needs `dbt build --full-refresh` (which
    `pricer build` runs by itself).
#}

{# A hash of raw_dir and of the knobs whose stage is in `stages` (their names and values).
   pricer.incremental leaves this macro out when it finds the vars a model reads: each of
   these knobs is read by a model of its stage, which a change selects anyway. #}
{% macro knobs_key(stages) -%}
    {%- set values = {'raw_dir': var('raw_dir')} -%}
    {%- for name, rule in var('knob_rules').items() -%}
        {%- if rule.get('stage') in stages -%}
            {%- do values.update({name: var(name)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(local_md5(tojson(values, sort_keys=True))) -}}
{%- endmacro %}

{# One row per raw file: source_file and the key of its rows at the given stages. #}
{% macro raw_file_keys(stages) -%}
    select
        source_file,
        md5(
            source_file || ':' || file_fingerprint || ':' || '{{ pricer.knobs_key(stages) }}'
        ) as file_key
    from {{ pricer.raw_files_relation() }}
{%- endmacro %}

{# The key of a file's items: its staged key and the knobs of the item rules. #}
{% macro items_file_key(file_key) -%}
    md5({{ file_key }} || ':' || '{{ pricer.knobs_key(["items"]) }}')
{%- endmacro %}

{# The files of the raw folder with their fingerprints (source raw.meta_files on DuckDB,
   the temporary view pricer_raw_files that `pricer build --engine spark` registers). #}
{% macro raw_files_relation() -%}
    {{ return(adapter.dispatch('raw_files_relation', 'pricer')()) }}
{%- endmacro %}

{% macro default__raw_files_relation() -%}
    {{ source('raw', 'meta_files') }}
{%- endmacro %}

{% macro spark__raw_files_relation() -%}
    pricer_raw_files
{%- endmacro %}

{# Run before an incremental model: delete the rows whose key is not among `keys_sql` (a
   query of the current keys), i.e. the rows of removed and changed files and of old knob
   values. Nothing on a first or full-refresh build. #}
{% macro delete_stale_file_rows(key_column, keys_sql) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ key_column }} not in ({{ keys_sql }})
    {%- endif -%}
{%- endmacro %}

{# dbt-duckdb writes an incremental model's new rows to a temporary table first. A Python
   model that returns Arrow batches (int_items_tokenized) writes them through another cursor,
   which does not see the connection's temporary tables, so the insert that follows fails.
   The new rows go to an ordinary table beside the target instead, which the materialization
   drops after the insert (it drops every non-temporary temp relation). #}
{% macro duckdb__dispatch_temporary_relation(target_relation, batch_id='') %}
    {%- set relation = target_relation.incorporate(
        path={'identifier': target_relation.identifier ~ '__dbt_new_rows' ~ batch_id}
    ) -%}
    {% do return({'relation': relation, 'temporary': false}) %}
{% endmacro %}

{# The `append` strategy for a Python model whose new rows another cursor wrote and committed
   (int_items_tokenized returns Arrow batches): the model's transaction began before that
   table existed, so it starts a new one to see it. The build's own file is published only
   when the whole build completed (pricer.database), so this commit publishes nothing. #}
{% macro get_incremental_append_committed_sql(arg_dict) %}
    commit;
    begin;
    {{ get_incremental_append_sql(arg_dict) }}
{% endmacro %}
