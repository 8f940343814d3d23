"""pricer.incremental.plan: which models a rebuild runs, from dbt's manifest."""

from __future__ import annotations

from typing import Any

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
    assert plan(same, _inputs(tokenizer="u"), manifest).select == ["knobs", "tokenized"]
    assert plan(same, _inputs(min_price=1.0), manifest).select == ["knobs", "stg"]
    assert plan(same, _inputs(raw_dir="/other"), manifest).full
    seeds = {**same, "seeds": {"categories": "h2"}}
    assert plan(same, seeds, manifest).select == ["categories"]
    files = {**same, "raw_files": {"meta_A.jsonl": "10:2"}}
    changed = plan(same, files, manifest)
    assert changed.full and "changed meta_A.jsonl" in changed.reasons[0]
    added = plan(
        same, {**same, "raw_files": {**same["raw_files"], "meta_B.jsonl": "1:1"}}, manifest
    )
    assert added.full and "new meta_B.jsonl" in added.reasons[0]
    assert plan(same, {**same, "code": "c2"}, manifest).full
