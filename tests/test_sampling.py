"""Rules 4: the weighted per-slot draw matches numpy's choice(replace=False, p=...).

The project's own compiled SQL (int_items_weighted + int_items_sampled) runs on one synthetic
slot of 3,000 items in two weight classes, for many seeds; the per-class inclusion rates are
compared with numpy's weighted draw without replacement over as many seeds.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from dbt_inline import compile_model

SENTINEL_SEED = 987654321
SEEDS = 300
LIGHT, HEAVY = 1_000, 2_000  # items of weight 1 (Automotive) and weight 5 (Electronics)
CAP = 1_200


@pytest.fixture(scope="module")
def slot_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, str, str]:
    db_path = tmp_path_factory.mktemp("sampling") / "slot.duckdb"
    con = duckdb.connect(str(db_path))
    con.execute(
        f"""
        create table int_items_prompted as
        select
            case when i <= {LIGHT} then 'Automotive' else 'Electronics' end as category,
            category || ':' || i as item_key,
            'x' as parent_asin, 'f' as source_file, i as line_number, 12.0 as price,
            12 as slot, 't' as title, 'p' as prompt, 'tp' as test_prompt, 170 as token_count
        from range(1, {LIGHT + HEAVY + 1}) as r(i)
        """
    )
    con.execute(
        "create table int_items_deduplicated as select item_key, "
        "null::varchar as dropped_by, null::varchar as duplicate_of from int_items_prompted"
    )
    con.execute(
        "create table categories as select * from (values ('Automotive', 1.0::double), "
        "('Electronics', 5.0::double)) as t(category, weight)"
    )
    con.close()
    dbt_vars = {"sample_seed": SENTINEL_SEED, "slot_cap": CAP, "slot_cutoff": 240}
    weighted = compile_model("int_items_weighted", db_path, dbt_vars)
    sampled = compile_model("int_items_sampled", db_path, dbt_vars)
    assert f"'{SENTINEL_SEED}:'" in weighted, "the seed must reach the md5 input as '<seed>:'"
    return duckdb.connect(str(db_path)), weighted, sampled


def project_inclusion(
    slot_db: tuple[duckdb.DuckDBPyConnection, str, str], seeds: int = SEEDS
) -> np.ndarray:
    """Per seed, the share of light and of heavy items the project's SQL samples."""
    con, weighted, sampled = slot_db
    rates = []
    for seed in range(1, seeds + 1):
        con.execute(
            "create or replace table int_items_weighted as "
            + weighted.replace(f"'{SENTINEL_SEED}:'", f"'{seed}:'")
        )
        rows = dict(
            con.sql(f"select category, count(*) from ({sampled}) group by category").fetchall()
        )
        assert rows["Automotive"] + rows["Electronics"] == CAP
        rates.append((rows["Automotive"] / LIGHT, rows["Electronics"] / HEAVY))
    return np.array(rates)


def numpy_inclusion() -> np.ndarray:
    weights = np.array([1.0] * LIGHT + [5.0] * HEAVY)
    rng = np.random.default_rng(2024)
    rates = []
    for _ in range(SEEDS):
        chosen = rng.choice(LIGHT + HEAVY, size=CAP, replace=False, p=weights / weights.sum())
        light = int((chosen < LIGHT).sum())
        rates.append((light / LIGHT, (CAP - light) / HEAVY))
    return np.array(rates)


def tolerance_misses(ours: np.ndarray, theirs: np.ndarray) -> list[str]:
    """The weight classes whose mean inclusion rate differs from numpy's by more than the
    tolerance: 4 standard errors of the difference of the two means, from the runs' own
    spread (a correct sampler misses with probability ~6e-5)."""
    misses = []
    for column, label in ((0, "weight 1"), (1, "weight 5")):
        diff = ours[:, column].mean() - theirs[:, column].mean()
        stderr = np.sqrt(
            ours[:, column].var(ddof=1) / len(ours) + theirs[:, column].var(ddof=1) / len(theirs)
        )
        print(
            f"{label}: project {ours[:, column].mean():.4f}, numpy {theirs[:, column].mean():.4f}, "
            f"diff {diff:+.4f}, tolerance {4 * stderr:.4f}"
        )
        if abs(diff) > 4 * stderr:
            misses.append(label)
    return misses


def test_inclusion_rates_match_numpy_weighted_choice(slot_db) -> None:
    assert tolerance_misses(project_inclusion(slot_db), numpy_inclusion()) == []


def test_unweighted_draw_would_be_caught(slot_db) -> None:
    """The comparison has power: the project's own SQL, given equal weights (a sampler that
    ignores them), samples the light items at ~0.40 instead of ~0.12, and both weight
    classes miss numpy's weighted draw by far more than the tolerance."""
    con, _, _ = slot_db
    weights = con.sql("select * from categories").fetchall()
    con.execute("update categories set weight = 1.0")
    try:
        unweighted = project_inclusion(slot_db, seeds=40)
    finally:
        con.execute("delete from categories")
        con.executemany("insert into categories values (?, ?)", weights)
    assert abs(unweighted[:, 0].mean() - CAP / (LIGHT + HEAVY)) < 0.02  # the uniform rate
    assert tolerance_misses(unweighted, numpy_inclusion()) == ["weight 1", "weight 5"]


def test_seeded_uniform_matches_spec_formula(slot_db) -> None:
    """Rules 4: u = (int(md5('<seed>:<key>')[:13], 16) + 0.5) / 2**52, recomputed in Python."""
    import hashlib
    import math

    con, weighted, _ = slot_db
    rows = con.sql(
        weighted.replace(f"'{SENTINEL_SEED}:'", "'42:'") + " order by item_key limit 50"
    ).fetchall()
    cols = [d[0] for d in con.sql(weighted + " limit 0").description]
    for row in rows:
        record = dict(zip(cols, row, strict=True))
        digest = hashlib.md5(f"42:{record['item_key']}".encode()).hexdigest()
        u = (int(digest[:13], 16) + 0.5) / 2**52
        assert record["sampling_key"] == pytest.approx(-math.log(u) / record["weight"], rel=1e-12)
