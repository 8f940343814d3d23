"""Issue 15: a rebuild after a sampling knob changed reuses dbt's parse of the project
(pricer.parse_cache). That is right only because no parse reads a knob without a `stage`:
these tests parse the project with every such knob changed and compare the manifests, and
check each condition under which a saved parse must not be reused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pricer import incremental, knobs, parse_cache
from pricer.build import dbt_env, run_dbt

# Parts of a manifest that describe the parse; created_at differs from one parse to the next.
_SECTIONS = (
    "nodes",
    "sources",
    "macros",
    "exposures",
    "metrics",
    "groups",
    "semantic_models",
    "saved_queries",
    "unit_tests",
    "disabled",
    "docs",
    "selectors",
    "parent_map",
    "child_map",
)


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if k != "created_at"}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tag: str, dbt_vars: dict) -> dict:
    target = tmp_path / f"target-{tag}"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    run_dbt(
        ["parse", "--no-partial-parse", "--vars", json.dumps(dbt_vars)],
        dbt_env(tmp_path / "parse.duckdb", 2),
    )
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return {name: _without_times(manifest.get(name)) for name in _SECTIONS}


def _other_value(rule: dict[str, Any], value: Any, variant: int) -> Any:
    """A value of the knob's type other than `value` (variant 0 or 1: two different ones)."""
    kind = rule.get("type")
    if "one_of" in rule:
        others = [v for v in rule["one_of"] if v != value]
        return others[variant % len(others)]
    if kind == "integer":
        return value + 3 if variant == 0 else 0 if value else 1000
    if kind == "number":
        return value * 1.5 + 0.25 if variant == 0 else value / 7
    if kind == "string":
        return f"{value} changed" if variant == 0 else ""
    if kind == "list":
        return [*value, "changed"] if variant == 0 else []
    if kind == "boolean":
        return not value
    raise AssertionError(f"no other value for a knob of type {kind!r}: extend the test")


def _unstaged(rules: dict[str, dict[str, Any]]) -> list[str]:
    return sorted(name for name, rule in rules.items() if not rule.get("stage"))


def test_no_parse_reads_a_knob_without_a_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = knobs.knob_rules()
    defaults = knobs.default_vars()
    unstaged = _unstaged(rules)
    assert {"slot_cap", "slot_cutoff", "sample_seed", "split_seed", "dedup"} <= set(unstaged)
    base = {"raw_dir": str(tmp_path / "raw")}
    before = _parse(tmp_path, monkeypatch, "defaults", base)
    for variant in (0, 1):
        changed = {n: _other_value(rules[n], defaults[n], variant) for n in unstaged}
        after = _parse(tmp_path, monkeypatch, f"changed{variant}", {**base, **changed})
        differing = [name for name in _SECTIONS if before[name] != after[name]]
        assert not differing, (
            f"a parse with other values of the knobs without a stage ({changed}) differs in "
            f"{differing}: pricer.parse_cache would reuse a wrong parse. Give the knob that "
            "the parse reads a stage in vars.knob_rules, or read it only in model bodies"
        )
    # The comparison sees a knob that the parse does read (the Python model's yml config).
    staged = _parse(tmp_path, monkeypatch, "staged", {**base, "min_tokens": 140})
    assert staged["nodes"] != before["nodes"]


def _inputs(project: Path, **changed: Any) -> dict[str, Any]:
    dbt_vars = {**knobs.default_vars(), "raw_dir": "/data/raw", **changed}
    return incremental.inputs_of(dbt_vars, project, [])


def test_a_saved_parse_holds_only_for_knobs_without_a_stage_in_its_project() -> None:
    rules = knobs.knob_rules()
    project = knobs.project_dir()
    saved = {"vars": _inputs(project)["vars"], "sha256": "0" * 64, "project": str(project)}

    def holds(inputs: dict[str, Any], record: dict[str, Any] | None = saved) -> bool:
        return parse_cache.holds(record, inputs, rules, project)

    assert holds(_inputs(project))
    assert holds(_inputs(project, slot_cap=600, dedup="title", train_size=10))
    assert not holds(_inputs(project, min_tokens=140))
    assert not holds(_inputs(project, tokenizer="other.json"))
    assert not holds(_inputs(project, raw_dir="/elsewhere"))
    assert not holds(_inputs(project, unknown_knob=1))
    assert not holds(_inputs(project), {**saved, "project": str(project / "copy")})
    assert not holds(_inputs(project), None)


def _parse_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_vars: dict, given: Path | None = None
) -> tuple[Path, bool]:
    target = tmp_path / "target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "logs"))
    env = dbt_env(tmp_path / "parse.duckdb", 2)
    if given is not None:
        env[parse_cache.PARSE_FILE_ENV] = str(given)
    run = run_dbt(["parse", "--vars", json.dumps(cli_vars)], env)
    return target, run.full_parse


def test_dbt_parses_only_what_changed_on_a_prepared_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state check written for the new vars is the one dbt computes: dbt takes the
    prepared parse (no full parse), and its manifest is that of a fresh parse."""
    rules = knobs.knob_rules()
    project = knobs.project_dir()
    first = {"raw_dir": "/data/raw"}
    target, full = _parse_with(tmp_path, monkeypatch, first)
    assert full  # nothing saved yet
    before = None
    saved = parse_cache.save(target, _inputs(project), project, json.dumps(first), before, None)
    assert saved is not None and parse_cache.kept_path(target, saved["sha256"]).is_file()
    second = {"raw_dir": "/data/raw", "slot_cap": 600, "dedup": "title"}
    inputs = _inputs(project, slot_cap=600, dedup="title")
    given = parse_cache.prepare(target, saved, inputs, rules, project, json.dumps(second))
    assert given is not None
    _, full = _parse_with(tmp_path, monkeypatch, second, given)
    assert not full, "dbt parsed everything: its state check is not the one prepare wrote"
    reused = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    fresh = _parse(tmp_path, monkeypatch, "fresh", second)
    assert {name: _without_times(reused.get(name)) for name in _SECTIONS} == fresh
    # Without the prepared parse dbt parses everything again (the vars changed).
    _, full = _parse_with(tmp_path, monkeypatch, {**second, "slot_cap": 700})
    assert full


def test_a_parse_is_prepared_only_from_the_recorded_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = knobs.knob_rules()
    project = knobs.project_dir()
    first = {"raw_dir": "/data/raw"}
    target, _ = _parse_with(tmp_path, monkeypatch, first)
    saved = parse_cache.save(target, _inputs(project), project, json.dumps(first), None, None)
    assert saved is not None
    # a parse of other vars is not kept as one of these
    assert (
        parse_cache.save(target, _inputs(project), project, '{"slot_cap": 5}', None, None) is None
    )

    def prepare(record: dict[str, Any], **changed: Any) -> Path | None:
        cli = json.dumps({**first, **changed})
        return parse_cache.prepare(target, record, _inputs(project, **changed), rules, project, cli)

    assert prepare(saved, slot_cap=600) is not None
    assert prepare(saved, min_chars=400) is None  # a staged knob: dbt decides
    assert prepare({**saved, "sha256": "0" * 64}, slot_cap=600) is None
    parse_cache.kept_path(target, saved["sha256"]).write_bytes(b"not a parse")
    assert prepare(saved, slot_cap=600) is None
    garbage = {**saved, "sha256": parse_cache._sha256(b"not a parse")}
    parse_cache.kept_path(target, garbage["sha256"]).write_bytes(b"not a parse")
    assert prepare(garbage, slot_cap=600) is None


def test_the_parses_of_two_databases_are_kept_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two databases built from one checkout share dbt's target folder: a build of one must
    not take away the kept parse of the other."""
    project = knobs.project_dir()
    kept = []
    for raw_dir in ("/data/one", "/data/two"):
        cli = {"raw_dir": raw_dir}
        target, _ = _parse_with(tmp_path, monkeypatch, cli)
        inputs = _inputs(project, raw_dir=raw_dir)
        kept.append((parse_cache.save(target, inputs, project, json.dumps(cli), None, None), cli))
    for saved, cli in kept:
        assert saved is not None
        changed = {**cli, "slot_cap": 600}
        inputs = _inputs(project, **changed)
        rules = knobs.knob_rules()
        assert parse_cache.prepare(target, saved, inputs, rules, project, json.dumps(changed))
