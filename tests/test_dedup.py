"""Duplicates and leakage (issue 9): planted duplicates are found exactly, dedup=text leaves
no leakage, dedup=none changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pricer import knobs
from pricer.build import build, dbt_env, run_dbt
from pricer.generate import generate

ROWS = 4000
# Letters only: the scrub drops long words that hold a digit.
FRESH_TEXT = " ".join(f"fresh{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(120))


@dataclass
class Planted:
    raw: Path
    title_groups: set[frozenset[str]]
    text_groups: set[frozenset[str]]
    natural: dict[str, set[frozenset[str]]]  # groups the generator made by itself


def _read_lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def _append(path: Path, record: dict) -> str:
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    lines = data.count(b"\n")
    path.write_bytes(data + json.dumps(record).encode() + b"\n")
    return f"{path.name[5:].split('.')[0]}:{lines + 1}"


# Another question and price prefix: both hold what the course's prompt holds (a blank line,
# "Price is $"), so a reader that took the prompt apart by its layout would cut wrongly.
OTHER_PROMPT = {
    "prompt_question": "Price is $ what?\n\nAnswer in dollars, to the nearest dollar.",
    "price_prefix": "\n\nIt sells for USD ",
}


def build_half_split(
    raw: Path, db: Path, dedup: str, extra: dict | None = None
) -> duckdb.DuckDBPyConnection:
    """Build with slot_cap 50 and the sample split half train, half test."""
    knobs = {"slot_cap": 50, "dedup": dedup, **(extra or {})}
    build(raw, db, 2, knobs, exclude="sampled_items+", check_split=False)
    with duckdb.connect(str(db), read_only=True) as con:
        sampled = con.sql("select count(*) from int_items_sampled").fetchall()[0][0]
    knobs |= {"train_size": sampled // 2, "test_size": sampled - sampled // 2, "raw_dir": str(raw)}
    run_dbt(["build", "--select", "sampled_items+", "--vars", json.dumps(knobs)], dbt_env(db, 2))
    return duckdb.connect(str(db), read_only=True)


def groups(con: duckdb.DuckDBPyConnection, kind: str) -> set[frozenset[str]]:
    rows = con.sql(f"select item_keys from duplicate_groups where match_kind = '{kind}'").fetchall()
    return {frozenset(keys) for (keys,) in rows}


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    root = tmp_path_factory.mktemp("dedup")
    raw = root / "raw"
    generate(raw, rows=ROWS, seed=21, bad_fraction=0.0)
    build(raw, root / "base.duckdb", 2, {}, exclude="sampled_items+", check_split=False)
    with duckdb.connect(str(root / "base.duckdb"), read_only=True) as con:
        natural = {kind: groups(con, kind) for kind in ("title", "text")}
        # Items in no natural duplicate group, priced away from the range limits.
        candidates = con.sql("""
            select items.category, items.source_file, items.line_number, items.item_key
            from items
            where items.price between 5 and 900
              and items.item_key not in (
                  select unnest(item_keys) from (
                      select item_keys from (
                          select list(item_key) as item_keys, count(*) as n
                          from int_items_fingerprinted group by normalised_title
                          union all
                          select list(item_key), count(*)
                          from int_items_fingerprinted group by decoded_text
                      ) where n > 1))
            order by items.item_key
        """).fetchall()
    by_category: dict[str, list[tuple[str, int, str]]] = {}
    for category, file, line, key in candidates:
        by_category.setdefault(category, []).append((file, line, key))
    cats = sorted(by_category, key=lambda c: -len(by_category[c]))
    title_groups: set[frozenset[str]] = set()
    text_groups: set[frozenset[str]] = set()

    def original(category: str, index: int) -> tuple[Path, dict, str]:
        file, line, key = by_category[category][index]
        return raw / file, json.loads(_read_lines(raw / file)[line - 1]), key

    for index in range(4):  # exact duplicates in the same file
        path, record, key = original(cats[0], index)
        copy = _append(path, record)
        title_groups.add(frozenset({key, copy}))
        text_groups.add(frozenset({key, copy}))
    for index in range(4, 7):  # same title, different text
        path, record, key = original(cats[0], index)
        copy = _append(
            path,
            {
                **record,
                "description": [f"{FRESH_TEXT} variant{'x' * index}"],
                "features": [],
                "details": {},
            },
        )
        title_groups.add(frozenset({key, copy}))
    for index in range(7, 11):  # same text, different price (and slot)
        path, record, key = original(cats[0], index)
        price = float(record["price"]) if not isinstance(record["price"], str) else 10.0
        copy = _append(path, {**record, "price": round(price + 3.0, 2)})
        title_groups.add(frozenset({key, copy}))
        text_groups.add(frozenset({key, copy}))
    for index in range(4):  # across categories
        path, record, key = original(cats[1], index)
        copy = _append(raw / f"meta_{cats[2]}.jsonl", record)
        title_groups.add(frozenset({key, copy}))
        text_groups.add(frozenset({key, copy}))
    return Planted(raw, title_groups, text_groups, natural)


@pytest.fixture(scope="module")
def builds(planted: Planted, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("dedup_builds")
    built = {
        dedup: build_half_split(planted.raw, root / f"{dedup}.duckdb", dedup)
        for dedup in ("none", "text", "title_text")
    }
    built["other_prompt"] = build_half_split(
        planted.raw, root / "other_prompt.duckdb", "none", OTHER_PROMPT
    )
    return built


def test_the_prompt_knobs_do_not_change_what_dedup_and_leakage_find(builds: dict) -> None:
    """Point 1 of issue 18: the prompt's layout is defined once (pricer.tokenizer lays it out
    and says where the decoded text sits). Another question and price prefix change every
    prompt but no decoded text, so the same duplicate groups and the same leaked items."""
    default, other = builds["none"], builds["other_prompt"]
    question = other.sql("select value_json from curation_knobs where knob = 'prompt_question'")
    assert json.loads(question.fetchall()[0][0]) == OTHER_PROMPT["prompt_question"]
    prompts = "select item_key, prompt from items order by item_key"
    pairs = zip(default.sql(prompts).fetchall(), other.sql(prompts).fetchall(), strict=True)
    assert all(one[1] != two[1] for one, two in pairs)
    texts = "select item_key, decoded_text from int_items_fingerprinted order by item_key"
    assert default.sql(texts).fetchall() == other.sql(texts).fetchall()
    for kind in ("title", "text"):
        assert groups(other, kind) == groups(default, kind)
    leaked = "select * from leakage order by item_key"
    assert other.sql(leaked).fetchall() == default.sql(leaked).fetchall()
    assert default.sql(leaked).fetchall(), "the planted duplicates should leak into test"


def test_duplicate_groups_are_exactly_the_planted_ones(planted: Planted, builds: dict) -> None:
    con = builds["none"]
    for kind, planted_groups in (("title", planted.title_groups), ("text", planted.text_groups)):
        found = groups(con, kind)
        assert planted.natural[kind] <= found, f"the generator's own {kind} groups changed"
        new = found - planted.natural[kind]
        assert not new - planted_groups, f"unplanted {kind} groups: {new - planted_groups}"
        assert not planted_groups - new, f"planted {kind} groups missed: {planted_groups - new}"
    rows = con.sql(
        "select match_kind, item_keys, price_spread, categories from duplicate_groups"
    ).fetchall()
    ours = [
        (kind, spread, cats)
        for kind, keys, spread, cats in rows
        if frozenset(keys) in planted.title_groups | planted.text_groups
    ]
    assert sum(1 for kind, spread, _ in ours if kind == "text" and spread > 0) == 4
    assert sum(1 for _, _, cats in ours if cats > 1) == 8  # 4 groups x 2 kinds
    print(
        f"found {len(planted.title_groups)} planted title and {len(planted.text_groups)} "
        f"planted text groups beside {len(planted.natural['title'])} and "
        f"{len(planted.natural['text'])} of the generator's own"
    )


def test_leakage_lists_exactly_the_test_items_with_train_twins(
    planted: Planted, builds: dict
) -> None:
    con = builds["none"]
    split = dict(con.sql("select item_key, split from sampled_items").fetchall())
    expected = set()
    for group in planted.text_groups | planted.natural["text"]:
        splits = {key: split.get(key) for key in group}
        if "train" in splits.values():
            expected |= {key for key, value in splits.items() if value == "test"}
    leaked = {key for (key,) in con.sql("select item_key from leakage").fetchall()}
    assert leaked == expected
    print(f"leakage with dedup=none: {len(leaked)} test items")


def test_dedup_text_leaves_no_leakage_and_keeps_the_smallest_key(
    planted: Planted, builds: dict
) -> None:
    con = builds["text"]
    assert con.sql("select count(*) from leakage").fetchall()[0][0] == 0
    dropped = dict(con.sql("select item_key, duplicate_of from dropped_duplicates").fetchall())
    expected = {
        key: min(g)
        for g in planted.text_groups | planted.natural["text"]
        for key in g
        if key != min(g)
    }
    assert dropped == expected
    sampled = {key for (key,) in con.sql("select item_key from sampled_items").fetchall()}
    assert not sampled & set(dropped)


def test_dedup_title_text_drops_title_twins_first(planted: Planted, builds: dict) -> None:
    con = builds["title_text"]
    rows = con.sql("select item_key, dropped_by, duplicate_of from dropped_duplicates").fetchall()
    got = {key: (by, of) for key, by, of in rows}
    for group in planted.title_groups:  # planted pairs: all but the smallest key go, by title
        for key in group - {min(group)}:
            assert got[key] == ("title", min(group))
    title_dropped = {key for key, (by, _) in got.items() if by == "title"}
    expected_title = {
        key for g in planted.title_groups | planted.natural["title"] for key in g if key != min(g)
    }
    assert title_dropped == expected_title


def test_dedup_none_samples_every_item(builds: dict) -> None:
    con = builds["none"]
    assert con.sql("select count(*) from dropped_duplicates").fetchall()[0][0] == 0
    first = knobs.default_vars()["first_sampled_slot"]
    eligible = con.sql(f"select count(*) from items where slot >= {first}").fetchall()[0][0]
    weighted = con.sql("select count(*) from int_items_weighted").fetchall()[0][0]
    assert weighted == eligible
