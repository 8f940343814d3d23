"""Issue 18: every rule of the SQL side is defined once and read where it is needed; these
tests fail when a copy comes back.

* The prompt's layout: pricer.tokenizer lays the prompt out and returns where the decoded
  text sits (decoded_text_start, decoded_text_length); no model takes the prompt apart by the
  knobs (the behaviour: tests/test_dedup.py, and the unit test
  test_decoded_text_is_read_where_the_tokenizer_put_it).
* The two texts have two names: scrubbed_text before the token cut, decoded_text after it.
* The slot rule: var first_sampled_slot, read through the macro is_sampled_slot; the branch
  of rules 4 that applied to a slot is decided once, in int_items_sampled.
* The knob list: vars.knob_rules of dbt_project.yml; curation_knobs derives its rows from it.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import yaml

from pricer import knobs
from pricer.build import build
from pricer.generate import generate

PROJECT = knobs.project_dir()
SQL_FILES = sorted(
    [
        *PROJECT.glob("models/**/*.sql"),
        *PROJECT.glob("tests/dbt/**/*.sql"),
        *PROJECT.glob("macros/**/*.sql"),
    ]
)
YML_FILES = sorted(PROJECT.glob("models/**/*.yml"))
RULE_MACRO = PROJECT / "macros" / "sampling.sql"


def _code(path: Path) -> str:
    """The file without its Jinja comments (where the rules are explained in words)."""
    return re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)


def _relative(path: Path) -> str:
    return str(path.relative_to(PROJECT))


# ------------------------------------------------------------------------ the prompt layout


def test_no_model_takes_the_prompt_apart_by_its_layout() -> None:
    """Only the tokenizer's config (yml) and the test prompt's cut (the spec's rule: right
    after the first price prefix, macros/prompt.sql) read the prompt knobs in the project."""
    readers = {
        _relative(path)
        for path in [*SQL_FILES, *YML_FILES]
        if re.search(r"var\(\s*['\"](prompt_question|price_prefix)['\"]", _code(path))
    }
    assert readers == {"macros/prompt.sql", "models/intermediate/_intermediate__models.yml"}
    fingerprinted = _code(PROJECT / "models/intermediate/int_items_fingerprinted.sql")
    assert "var(" not in fingerprinted and "'.00'" not in fingerprinted
    assert "substring(prompt, decoded_text_start, decoded_text_length)" in fingerprinted


def test_the_text_before_and_after_the_token_cut_have_their_own_names() -> None:
    columns: dict[str, set[str]] = {}
    for path in YML_FILES:
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            columns[model["name"]] = {column["name"] for column in model.get("columns", [])}
    assert "scrubbed_text" in columns["int_items_scrubbed"]
    assert "decoded_text" in columns["int_items_fingerprinted"]
    assert not [name for name, cols in columns.items() if "item_text" in cols]
    for path in SQL_FILES:
        assert not re.search(r"\bitem_text\b", _code(path)), _relative(path)


# ---------------------------------------------------------------------------- the slot rule


def test_the_slot_rule_is_written_once() -> None:
    """No model, test or yml compares a slot with a number: they call is_sampled_slot."""
    literal = re.compile(r"\bslot\s*(=|<>|!=|>=|<=|>|<|between)\s*\d")
    copies = [
        _relative(path)
        for path in [*SQL_FILES, *YML_FILES]
        if path != RULE_MACRO and literal.search(_code(path))
    ]
    assert copies == []
    assert "var('first_sampled_slot')" in _code(RULE_MACRO)
    for model in ("intermediate/int_items_weighted.sql", "marts/_marts__models.yml"):
        assert "pricer.is_sampled_slot(" in _code(PROJECT / "models" / model), model
    test = PROJECT / "tests/dbt/assert_slot_sample_sizes_follow_rule.sql"
    assert "pricer.is_sampled_slot(" in _code(test)


def test_slot_counts_reads_the_branch_that_sampling_took() -> None:
    slot_counts = _code(PROJECT / "models/marts/slot_counts.sql")
    assert "ref('int_items_sampled')" in slot_counts
    assert not re.search(r"var\(\s*['\"](slot_cutoff|slot_cap)['\"]", slot_counts)


# ---------------------------------------------------------------------------- the knob list


def test_curation_knobs_derives_its_rows_from_the_knob_rules() -> None:
    code = _code(PROJECT / "models/marts/curation_knobs.sql")
    assert "var('knob_rules')" in code
    named = [name for name in knobs.knob_rules() if re.search(rf"['\"]{name}['\"]", code)]
    assert named == [], "curation_knobs restates knob names"


# ------------------------------------------------------------------------------- behaviour


@pytest.fixture(scope="module")
def first_slot_two(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """A build in which slot 1 is not sampled either (first_sampled_slot 2)."""
    root = tmp_path_factory.mktemp("rules")
    generate(root / "raw", rows=3000, seed=5, bad_fraction=0.0)
    overrides = {"first_sampled_slot": 2, "slot_cap": 20, "train_size": 100, "test_size": 20}
    result = build(root / "raw", root / "rules.duckdb", 2, overrides)
    return duckdb.connect(str(result.db_path), read_only=True)


def test_first_sampled_slot_is_read_by_every_model_and_test(first_slot_two) -> None:
    """The build passed its dbt tests (assert_slot_sample_sizes_follow_rule, the slot test of
    sampled_items) with slot 1 left out; slot_counts reports it as never sampled."""
    con = first_slot_two
    low = dict(con.sql("select slot, count(*) from items where slot < 3 group by 1").fetchall())
    assert low.get(1, 0) > 0 and low.get(2, 0) > 0, low
    sampled = dict(con.sql("select slot, count(*) from sampled_items group by 1").fetchall())
    assert 0 not in sampled and 1 not in sampled and sampled[2] > 0
    rules = dict(con.sql("select slot, sampling_rule from slot_counts").fetchall())
    assert rules[1] == "never sampled" and rules[2] != "never sampled"
    knob = con.sql("select value_json from curation_knobs where knob = 'first_sampled_slot'")
    assert knob.fetchall() == [("2",)]


def test_slot_counts_says_what_sampling_did(first_slot_two) -> None:
    con = first_slot_two
    rows = con.sql("""
        select slot_counts.slot, slot_counts.sampling_rule, slot_counts.sampled,
               count(int_items_sampled.item_key) as sampled_items,
               min(int_items_sampled.sampling_rule) as rule_of_items
        from slot_counts
        left join int_items_sampled on slot_counts.slot = int_items_sampled.slot
        group by all""").fetchall()
    assert any(rule == "cut to cap" for _, rule, *_ in rows), "the cap should bind"
    for slot, rule, sampled, sampled_items, rule_of_items in rows:
        assert sampled == sampled_items, slot
        assert rule == (rule_of_items or "never sampled"), slot
