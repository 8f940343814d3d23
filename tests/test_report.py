"""`pricer report` (rules 8): every chart is on the page with data, and every number on the page
equals the marts of the build it was rendered from."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pricer.cli import main
from pricer.report import SCATTER_POINTS, write_report

CHARTS = (
    "token_counts",
    "prices_all_items",
    "items_per_category",
    "prices_sampled",
    "sampled_per_category",
    "sampled_category_shares",
    "prompt_length_vs_price",
)
# The mark that draws each chart's data: one SVG path per data row.
MARKS = {
    "token_counts": "rect",
    "prices_all_items": "rect",
    "items_per_category": "rect",
    "prices_sampled": "rect",
    "sampled_per_category": "rect",
    "sampled_category_shares": "arc",
    "prompt_length_vs_price": "symbol",
}


@dataclass
class Page:
    html: str
    by_id: dict[str, dict[str, str]] = field(default_factory=dict)
    by_class: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    scripts: dict[str, str] = field(default_factory=dict)


class _Collector(HTMLParser):
    """Attributes of every element with an id or a class, and the text of JSON scripts."""

    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self._script_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.page.by_id[values["id"]] = values
        for cls in values.get("class", "").split():
            self.page.by_class.setdefault(cls, []).append(values)
        if tag == "script" and values.get("type") == "application/json":
            self._script_id = values.get("id")
            self.page.scripts[self._script_id or ""] = ""

    def handle_data(self, data: str) -> None:
        if self._script_id is not None:
            self.page.scripts[self._script_id] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_id = None


def parse_page(path: Path) -> Page:
    page = Page(path.read_text(encoding="utf-8"))
    _Collector(page).feed(page.html)
    return page


def figure_svg(page: Page, name: str) -> str:
    match = re.search(
        rf'<figure id="chart-{name}"[^>]*>\s*<div class="svg">(<svg.*?</svg>)</div>',
        page.html,
        re.S,
    )
    assert match, f"no inline SVG for chart {name}"
    return match.group(1)


def mark_paths(svg: str, mark: str) -> int:
    """Paths drawn by the data marks of one kind (bars, arcs, points), not axes or legends."""
    groups = re.findall(rf'<g class="mark-{mark} role-mark[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    return sum(group.count("<path") for group in groups)


def spec_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The data behind a chart: the largest dataset of its Vega-Lite spec."""
    datasets = list(spec.get("datasets", {}).values())
    if "values" in spec.get("data", {}):
        datasets.append(spec["data"]["values"])
    return max(datasets, key=len, default=[])


@pytest.fixture(scope="module")
def rendered(built_project, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Page]:
    out = tmp_path_factory.mktemp("report") / "site" / "report.html"
    assert write_report(built_project.db_path, out) == out
    return out, parse_page(out)


@pytest.fixture(scope="module")
def con(built_project):
    with duckdb.connect(str(built_project.db_path), read_only=True) as connection:
        yield connection


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.sql(sql).fetchall()[0][0])


def test_every_chart_is_on_the_page_with_data(rendered, con) -> None:
    _, page = rendered
    items = scalar(con, "select count(*) from items")
    sampled = scalar(con, "select count(*) from sampled_items")
    assert items > 0 and sampled > 0
    # What each chart counts, from the marts; the scatter shows a capped subset of the sample.
    totals = {
        "token_counts": scalar(con, "select sum(items) from token_count_histogram"),
        "prices_all_items": scalar(con, "select sum(items) from price_histogram"),
        "items_per_category": scalar(con, "select sum(items) from category_counts"),
        "prices_sampled": scalar(con, "select sum(sampled) from price_histogram"),
        "sampled_per_category": scalar(con, "select sum(sampled) from category_counts"),
        "sampled_category_shares": scalar(con, "select sum(sampled) from category_counts"),
        "prompt_length_vs_price": min(SCATTER_POINTS, sampled),
    }
    assert totals["token_counts"] == totals["prices_all_items"] == items
    assert totals["prices_sampled"] == totals["sampled_category_shares"] == sampled
    for name in CHARTS:
        figure = page.by_id.get(f"chart-{name}")
        assert figure is not None, f"chart {name} is missing"
        points = int(figure["data-points"])
        assert points > 0, f"chart {name} has no data"
        assert float(figure["data-total"]) == totals[name], name
        rows = spec_rows(json.loads(page.scripts[f"spec-{name}"]))
        assert len(rows) == points, name
        drawn = mark_paths(figure_svg(page, name), MARKS[name])
        assert drawn == points, f"chart {name}: {drawn} marks drawn for {points} data rows"


def test_chart_data_equals_the_marts(rendered, con) -> None:
    _, page = rendered

    def rows(name: str, *columns: str) -> list[tuple]:
        spec = json.loads(page.scripts[f"spec-{name}"])
        return sorted(tuple(row[c] for c in columns) for row in spec_rows(spec))

    assert rows("token_counts", "token_count", "items") == sorted(
        con.sql("select token_count, items from token_count_histogram where items > 0").fetchall()
    )
    assert rows("prices_all_items", "bin_start", "bin_end", "items") == sorted(
        con.sql("select bin_start, bin_end, items from price_histogram where items > 0").fetchall()
    )
    assert rows("prices_sampled", "bin_start", "sampled") == sorted(
        con.sql("select bin_start, sampled from price_histogram where sampled > 0").fetchall()
    )
    assert rows("items_per_category", "category", "items") == sorted(
        con.sql("select category, items from category_counts").fetchall()
    )
    assert rows("sampled_per_category", "category", "sampled") == sorted(
        con.sql("select category, sampled from category_counts").fetchall()
    )
    # The scatter: a deterministic subset of the sample with its real prompt lengths and prices.
    scatter = rows("prompt_length_vs_price", "item_key", "chars", "price")
    keys = [key for key, _, _ in scatter]
    assert len(set(keys)) == len(keys)
    expected = con.sql(
        f"""
        select s.item_key, length(i.prompt), s.price
        from sampled_items s join items i using (item_key)
        order by md5(s.item_key), s.item_key limit {SCATTER_POINTS}
        """
    ).fetchall()
    assert scatter == sorted(expected)


def test_key_numbers_equal_the_marts(rendered, con) -> None:
    _, page = rendered

    def number(key: str) -> int:
        element = page.by_id[f"num-{key}"]
        return int(element["data-value"])

    assert number("raw_rows") == scalar(con, "select count(*) from stg_meta__rows")
    assert number("rejects") == scalar(con, "select count(*) from rejects")
    assert number("items") == scalar(con, "select count(*) from items")
    assert number("sampled") == scalar(con, "select count(*) from sampled_items")
    for split in ("train", "test"):
        expected = scalar(con, f"select count(*) from sampled_items where split = '{split}'")
        assert number(split) == expected, split
    for kind in ("title", "text"):
        assert number(f"duplicate_{kind}_groups") == scalar(
            con, f"select count(*) from duplicate_groups where match_kind = '{kind}'"
        )
    assert number("dedup_dropped") == scalar(con, "select count(*) from dropped_duplicates")
    assert number("leaked_test_items") == scalar(con, "select count(*) from leakage")
    assert number("train") > 0 and number("test") > 0
    # The shown text is the same number, formatted.
    shown = re.search(r'id="num-items" data-value="\d+">([\d,]+)<', page.html)
    assert shown and int(shown.group(1).replace(",", "")) == number("items")


def test_rejects_by_reason_equal_the_marts(rendered, con) -> None:
    _, page = rendered
    on_page = {row["data-reason"]: int(row["data-rows"]) for row in page.by_class["reject"]}
    expected = dict(con.sql("select reason, count(*) from rejects group by reason").fetchall())
    assert expected, "the fixture build has bad lines, so rejects"
    assert on_page == expected


def test_category_shares_before_and_after_equal_the_marts(rendered, con) -> None:
    _, page = rendered
    on_page = {
        row["data-category"]: (
            float(row["data-weight"]),
            int(row["data-items"]),
            int(row["data-sampled"]),
            int(row["data-train"]),
            int(row["data-test"]),
            float(row["data-items-share"]),
            float(row["data-sampled-share"]),
        )
        for row in page.by_class["category"]
    }
    expected = {
        row[0]: (row[1], int(row[2]), int(row[3]), int(row[4]), int(row[5]), row[6], row[7])
        for row in con.sql(
            "select category, weight, items, sampled, train, test, items_share, sampled_share "
            "from category_counts"
        ).fetchall()
    }
    assert on_page == expected
    assert len(on_page) == scalar(con, "select count(*) from categories")


def test_knobs_equal_the_marts(rendered, con) -> None:
    _, page = rendered
    on_page = {row["data-knob"]: row["data-value-json"] for row in page.by_class["knob"]}
    assert on_page == dict(con.sql("select knob, value_json from curation_knobs").fetchall())
    assert "slot_cap" in on_page and "sample_seed" in on_page


def test_page_is_self_contained_and_charts_are_written_beside_it(rendered) -> None:
    out, page = rendered
    html = page.html
    # Nothing is fetched: no external scripts, styles, images, fonts or links.
    assert not re.search(r"<(script|img|link|iframe|object|embed)\b[^>]*\b(src|href)=", html, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html, re.I)
    assert not re.search(r"@import", html, re.I)
    assert not re.search(r'\b(src|href)="(https?:)?//', html, re.I)
    for name in CHARTS:
        svg_file = out.parent / "charts" / f"{name}.svg"
        assert svg_file.is_file(), svg_file
        svg = svg_file.read_text(encoding="utf-8")
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert svg == figure_svg(page, name)


def test_missing_db_is_one_line_and_exit_1(tmp_path: Path, capsys) -> None:
    out = tmp_path / "report.html"
    code = main(["report", "--db", str(tmp_path / "missing.duckdb"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("pricer report: error: ")
    assert "missing.duckdb" in err
    assert not out.exists()


def test_db_without_the_marts_is_one_line_and_exit_1(tmp_path: Path, capsys) -> None:
    db = tmp_path / "partial.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table stg_meta__rows (line_number bigint)")
        con.execute("create table items (item_key varchar)")
    out = tmp_path / "report.html"
    code = main(["report", "--db", str(db), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "sampled_items" in err and "category_counts" in err and "pricer build" in err
    assert not out.exists()


def test_a_file_that_is_not_duckdb_is_one_line_and_exit_1(tmp_path: Path, capsys) -> None:
    db = tmp_path / "not.duckdb"
    db.write_text("this is not a database\n", encoding="utf-8")
    code = main(["report", "--db", str(db), "--out", str(tmp_path / "report.html")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "not.duckdb" in err
