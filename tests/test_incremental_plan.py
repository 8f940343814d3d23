"""pricer.incremental.plan: which models a rebuild runs, from dbt's manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pricer import knobs
from pricer.incremental import plan, vars_by_node


def _manifest() -> dict[str, Any]:
    def model(name: str, code: str, macros: list[str] = (), **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "resource_type": "model",
            "raw_code": code,
            "depends_on": {"macros": list(macros)},
            **extra,
        }

    return {
        "nodes": {
            "model.p.stg": model("stg", "where price >= {{ var('min_price') }}"),
            "model.p.described": model(
                "described", "{{ pricer.details_text('d') }}", ["macro.p.details_text"]
            ),
            "model.p.tokenized": model(
                "tokenized", "def model(dbt, s): ...", language="python", config={"tokenizer": "x"}
            ),
            "model.p.sampled": model("sampled", 'rank <= {{ var("slot_cap") }}'),
            "model.p.knobs": model("knobs", "{% for n in names %}{{ var(n) }}{% endfor %}"),
            "test.p.t": {"name": "t", "resource_type": "test", "raw_code": "{{ var('x') }}"},
        },
        "macros": {
            "macro.p.details_text": {
                "name": "details_text",
                "macro_sql": "{{ adapter.dispatch('details_text')() }}",
                "depends_on": {"macros": []},
            },
            "macro.p.default__details_text": {
                "name": "default__details_text",
                "macro_sql": "{% for r in var('details_removals') %}{% endfor %}",
                "depends_on": {"macros": []},
            },
        },
    }


KNOWN = ["min_price", "details_removals", "tokenizer", "slot_cap", "raw_dir"]


def _inputs(**vars_: Any) -> dict[str, Any]:
    base = {
        "min_price": 0.5,
        "details_removals": ["a"],
        "tokenizer": "t",
        "slot_cap": 1200,
        "raw_dir": "/raw",
    }
    return {
        "vars": {**base, **vars_},
        "seeds": {"categories": "h1"},
        "raw_files": {"meta_A.jsonl": "10:1"},
        "code": "c1",
    }


def test_vars_are_found_in_code_macros_dispatch_and_python_config() -> None:
    found = vars_by_node(_manifest(), KNOWN)
    assert found["stg"] == {"min_price"}
    assert found["described"] == {"details_removals"}
    assert found["tokenized"] == {"tokenizer"}
    assert found["sampled"] == {"slot_cap"}
    assert found["knobs"] == {"*"}
    assert "t" not in found


def test_plans() -> None:
    manifest = vars_by_node(_manifest(), KNOWN)
    same = _inputs()
    assert plan(None, same, manifest).full
    assert plan(same, same, manifest).nothing
    assert plan(same, _inputs(slot_cap=600), manifest).select == ["knobs", "sampled"]
    # a sampling knob neither tokenizes nor loads the tokenizer; an item rule does
    assert not plan(same, _inputs(slot_cap=600), manifest).tokenizes
    assert plan(same, _inputs(tokenizer="u"), manifest).tokenizes
    assert plan(same, _inputs(tokenizer="u"), manifest).select == ["knobs", "tokenized"]
    assert plan(same, _inputs(min_price=1.0), manifest).select == ["knobs", "stg"]
    assert plan(same, _inputs(raw_dir="/other"), manifest).full
    seeds = {**same, "seeds": {"categories": "h2"}}
    assert plan(same, seeds, manifest).select == ["categories"]
    files = {**same, "raw_files": {"meta_A.jsonl": "10:2"}}
    changed = plan(same, files, manifest)
    assert not changed.full and "changed meta_A.jsonl" in changed.reasons[0]
    assert changed.select == ["stg_meta__rows"] and changed.read_files == ["meta_A.jsonl"]
    assert changed.tokenizes
    added = plan(
        same, {**same, "raw_files": {**same["raw_files"], "meta_B.jsonl": "1:1"}}, manifest
    )
    assert "new meta_B.jsonl" in added.reasons[0] and added.read_files == ["meta_B.jsonl"]
    removed = plan(same, {**same, "raw_files": {}}, manifest)
    assert "removed meta_A.jsonl" in removed.reasons[0] and removed.read_files == []
    assert plan(same, {**same, "code": "c2"}, manifest).full


def test_a_file_change_with_a_staging_knob_change_reads_every_file() -> None:
    """The hint that spares the unchanged files holds only while their rows' keys hold."""
    manifest = vars_by_node(_manifest(), KNOWN)
    rules = {"min_price": {"stage": "rows"}, "slot_cap": {}}
    same = _inputs()
    files = {"meta_A.jsonl": "10:2"}
    with_stage = {**_inputs(min_price=1.0), "raw_files": files}
    both = plan(same, with_stage, manifest, rules)
    assert both.read_files is None and both.select == ["knobs", "stg", "stg_meta__rows"]
    sampling = {**_inputs(slot_cap=10), "raw_files": files}
    assert plan(same, sampling, manifest, rules).read_files == ["meta_A.jsonl"]


def test_the_project_marks_the_staging_knobs() -> None:
    """What build.py passes as `rules`: the stages live in knob_rules, which default_vars
    leaves out (so a plan must not look for them among the recorded vars)."""
    rules = knobs.knob_rules()
    assert rules["min_price"]["stage"] == "rows" and rules["min_chars"]["stage"] == "items"
    assert "stage" not in rules["slot_cap"] and "knob_rules" not in knobs.default_vars()


def test_the_key_macro_is_not_a_var_reader() -> None:
    manifest = _manifest()
    manifest["nodes"]["model.p.rows"] = {
        "name": "rows",
        "resource_type": "model",
        "raw_code": "{{ pricer.raw_file_keys(['rows']) }}",
        "depends_on": {"macros": ["macro.p.knobs_key"]},
    }
    manifest["macros"]["macro.p.knobs_key"] = {
        "name": "knobs_key",
        "macro_sql": "{% for n in var('knob_rules') %}{{ var(n) }}{% endfor %}",
        "depends_on": {"macros": []},
    }
    assert vars_by_node(manifest, KNOWN)["rows"] == set()


def test_every_knob_read_up_to_the_tokenized_items_has_a_stage(tmp_path: Path) -> None:
    """The incremental models key their rows on the knobs with a `stage` (knob_rules): a knob
    that a model up to int_items_tokenized reads without one would leave stale rows behind
    when it changes. Parsed from the project itself."""
    from dbt.cli.main import dbtRunner

    from pricer.build import _release_duckdb

    project = knobs.project_dir()
    os.environ["PRICER_DB"] = str(tmp_path / "parse.duckdb")
    try:
        result = dbtRunner().invoke(
            [
                "parse",
                "--quiet",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                "--target-path",
                str(tmp_path / "target"),
            ]
        )
    finally:
        os.environ.pop("PRICER_DB", None)
        _release_duckdb()
    assert result.success, result.exception
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    by_id = {uid: node for uid, node in manifest["nodes"].items()}
    tokenized = next(
        uid
        for uid, node in by_id.items()
        if node["name"] == "int_items_tokenized" and node["config"].get("enabled", True)
    )
    upstream: set[str] = set()
    todo = [tokenized]
    while todo:
        uid = todo.pop()
        if uid in upstream or uid not in by_id:
            continue
        upstream.add(uid)
        todo.extend(by_id[uid]["depends_on"]["nodes"])
    names = {by_id[uid]["name"] for uid in upstream}
    assert {"stg_meta__rows", "int_items_described", "int_items_scrubbed"} <= names
    rules = knobs.knob_rules()
    readers = vars_by_node(manifest, knobs.default_vars())
    unstaged = {
        (name, var)
        for name in names
        for var in readers.get(name, set())
        if var != "raw_dir" and not rules.get(var, {}).get("stage")
    }
    assert not unstaged, f"read up to int_items_tokenized without a stage: {sorted(unstaged)}"
