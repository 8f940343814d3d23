"""`pricer report`: the lecture's charts and the key numbers of a build on one HTML page (rules 8).

Every chart is computed by SQL from the DuckDB marts, described as a Vega-Lite spec (altair) and
rendered to static SVG in-process by vl-convert (no browser, no network). The page inlines the
SVGs, its CSS and each chart's spec (as inert JSON), so it opens offline; each chart is also
written on its own to `<out dir>/charts/<name>.svg` for the dataset card of `pricer upload`.

Numbers on the page carry their exact values in `data-*` attributes under stable ids, so tests
(and scripts) can read them back and compare them with the marts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pricer import __version__, database
from pricer.constants import SPLITS
from pricer.errors import PricerError

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "report.html.j2"
CHARTS_DIR = "charts"

# Tables and marts the page reads; a build that stopped before them is reported by name.
REQUIRED_TABLES = (
    *database.COUNTED_TABLES,
    "slot_counts",
    "category_counts",
    "price_histogram",
    "token_count_histogram",
    "curation_knobs",
)
SCATTER_POINTS = 3000  # at most this many sampled items in the scatter, by md5(item_key)

# Vega's tableau10, fixed per category so bars, pie and scatter share one colour per category.
PALETTE = (
    "#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b",
    "#eeca3b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac",
)  # fmt: skip
BAR = "#4c78a8"
SAMPLED_BAR = "#f58518"
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
WIDTH = 470
HEIGHT = 230
LOG_FLOOR = 0.5  # where the bars of the log-scale price histogram start


@dataclass
class Chart:
    """One chart: its Vega-Lite spec (data inlined), rendered SVG and a summary for the page."""

    name: str  # file stem and element id: charts/<name>.svg, #chart-<name>
    title: str
    caption: str
    spec: dict[str, Any]
    points: int  # rows of data behind the chart
    total: float  # sum of its measure (items counted), checked against the marts by the tests
    svg: str = ""


@dataclass
class ReportData:
    db_path: Path
    numbers: dict[str, int]
    rejects: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    knobs: list[dict[str, Any]]
    slot_rules: list[dict[str, Any]]
    charts: list[Chart] = field(default_factory=list)


# --------------------------------------------------------------------------- reading the build


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """Rows as dicts with JSON-ready values (HUGEINT sums arrive as int, DOUBLE as float)."""
    relation = con.sql(sql)
    names = relation.columns
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def read_numbers(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The build's key numbers (pricer.database.key_numbers) and the sampled items no split
    takes."""
    numbers = database.key_numbers(database.read_counts(con))
    numbers["unused"] = numbers["sampled"] - sum(numbers[s] for s in SPLITS)
    return numbers


def read_data(con: duckdb.DuckDBPyConnection, db_path: Path) -> ReportData:
    rejects = _rows(
        con,
        "select reason, count(*) as rows from rejects group by reason order by rows desc, reason",
    )
    categories = _rows(
        con,
        """
        select category, weight, items::bigint as items, sampled::bigint as sampled,
               train::bigint as train, test::bigint as test,
               validation::bigint as validation, items_share, sampled_share
        from category_counts
        order by items desc, category
        """,
    )
    knob_rows = _rows(con, "select knob, value_json from curation_knobs order by knob")
    for row in knob_rows:
        row["value"] = _knob_text(row["value_json"])
    slot_rules = _rows(
        con,
        """
        select sampling_rule as rule, count(*) as slots, sum(items)::bigint as items,
               sum(sampled)::bigint as sampled
        from slot_counts group by sampling_rule order by min(slot)
        """,
    )
    return ReportData(db_path, read_numbers(con), rejects, categories, knob_rows, slot_rules)


def _knob_text(value_json: str) -> str:
    """A knob's value as a reader wants it: strings bare, lists and numbers as JSON."""
    try:
        value = json.loads(value_json)
    except (TypeError, ValueError):
        return str(value_json)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _knob(data: ReportData, name: str) -> Any:
    for row in data.knobs:
        if row["knob"] == name:
            try:
                return json.loads(row["value_json"])
            except (TypeError, ValueError):
                return None
    return None


# --------------------------------------------------------------------------- charts


def _category_scale(categories: list[str]) -> Any:
    import altair as alt

    if len(categories) <= len(PALETTE):
        return alt.Scale(domain=categories, range=list(PALETTE[: len(categories)]))
    return alt.Scale(domain=categories, scheme="tableau20")


def _chart(values: list[dict[str, Any]], width: int = WIDTH, height: int = HEIGHT) -> Any:
    import altair as alt

    return alt.Chart(alt.InlineData(values=values), width=width, height=height)


def _cutoff_rule(cutoff: Any) -> list[Any]:
    """A dashed rule at slot_cutoff: above it every item is kept (rules 4)."""
    import altair as alt

    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float):
        return []
    base = alt.Chart(alt.InlineData(values=[{"cutoff": cutoff}]))
    rule = base.mark_rule(color="#555", strokeDash=[4, 3]).encode(x="cutoff:Q")
    label = base.mark_text(
        align="left", baseline="top", dx=4, dy=4, color="#555", fontSize=10
    ).encode(x="cutoff:Q", y=alt.value(0), text=alt.value(f"slot_cutoff ${cutoff:g}"))
    return [rule, label]


def _finish(chart: Any, title: str) -> dict[str, Any]:
    import altair as alt

    chart = chart.properties(title=alt.TitleParams(title, anchor="start"))
    spec = chart.configure(font=FONT, background="white").configure_view(stroke=None)
    # Labels are measured by vl-convert and drawn by a browser: keep a margin between them.
    spec = spec.configure_axis(
        labelFontSize=11, titleFontSize=11, gridColor="#eee", labelSeparation=4
    )
    spec = spec.configure_title(fontSize=14, offset=10)
    spec = spec.configure_legend(labelFontSize=11, titleFontSize=11, symbolType="square")
    return spec.to_dict()


def build_charts(con: duckdb.DuckDBPyConnection, data: ReportData) -> list[Chart]:
    """The lecture's seven charts (rules 8), each from one SQL query on the marts."""
    import altair as alt

    numbers = data.numbers
    cutoff = _knob(data, "slot_cutoff")
    categories = [row["category"] for row in data.categories]
    colors = _category_scale(categories)
    charts: list[Chart] = []

    def add(name: str, title: str, caption: str, chart: Any, rows: list[dict], measure: str):
        total = sum(row[measure] for row in rows) if measure else len(rows)
        charts.append(Chart(name, title, caption, _finish(chart, title), len(rows), total))

    # 1. Token counts of all items.
    tokens = _rows(
        con,
        "select token_count, token_count + 1 as token_end, items::bigint as items "
        "from token_count_histogram where items > 0 order by token_count",
    )
    chart = (
        _chart(tokens)
        .mark_bar(color=BAR, stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("token_count:Q", bin="binned", title="tokens in the prompt"),
            x2="token_end:Q",
            y=alt.Y("items:Q", title="items"),
        )
    )
    caption = f"Llama-3 tokens of the full prompt of each of the {numbers['items']:,} items."
    add("token_counts", "Token counts of all items", caption, chart, tokens, "items")

    # 2. Prices of all items, log-scale counts so the long tail to 999 stays visible.
    prices = _rows(
        con,
        "select bin_start, bin_end, items::bigint as items, sampled::bigint as sampled "
        "from price_histogram order by bin_start",
    )
    bin_width = (prices[0]["bin_end"] - prices[0]["bin_start"]) if prices else 10
    top_price = max([1000, *(row["bin_end"] for row in prices)])
    price_x = alt.X(
        "bin_start:Q",
        bin=alt.Bin(binned=True, step=bin_width),
        title="price ($)",
        scale=alt.Scale(domain=[0, top_price], nice=False),
        axis=alt.Axis(values=list(range(0, top_price + 1, 100)), format="d"),
    )
    all_prices = [row for row in prices if row["items"] > 0]
    top_items = max((row["items"] for row in all_prices), default=1)
    decades = [10**k for k in range(len(str(top_items)) + 1) if 10**k <= top_items * 10]
    bars = (
        _chart(all_prices)
        .mark_bar(color=BAR, stroke="white", strokeWidth=0.3)
        .encode(
            x=price_x,
            x2="bin_end:Q",
            y=alt.Y(
                "items:Q",
                title="items (log scale)",
                scale=alt.Scale(type="log", domain=[LOG_FLOOR, decades[-1]], nice=False),
                axis=alt.Axis(values=decades, format=",d"),
            ),
            # Bars start below 1 so that a bin of a single item still shows.
            y2=alt.datum(LOG_FLOOR),
        )
    )
    caption = (
        f"${bin_width:g} bins of the {numbers['items']:,} items; the log scale keeps the long "
        "tail to $999 visible (a bin of one item still shows)."
    )
    add(
        "prices_all_items",
        "Prices of all items",
        caption,
        alt.layer(bars, *_cutoff_rule(cutoff)),
        all_prices,
        "items",
    )

    # 3. Items per category.
    per_category = [
        {"category": row["category"], "items": row["items"], "share": row["items_share"] or 0.0}
        for row in data.categories
    ]
    add(
        "items_per_category",
        "Items per category",
        "Curated items before sampling, per source category, with their shares.",
        _category_bars(per_category, "items", colors),
        per_category,
        "items",
    )

    # 4. Prices after sampling.
    sampled_prices = [row for row in prices if row["sampled"] > 0]
    bars = (
        _chart(sampled_prices)
        .mark_bar(color=SAMPLED_BAR, stroke="white", strokeWidth=0.3)
        .encode(x=price_x, x2="bin_end:Q", y=alt.Y("sampled:Q", title="sampled items"))
    )
    caption = (
        f"The sample of {numbers['sampled']:,} items in ${bin_width:g} bins: slots below the "
        "cutoff are capped at slot_cap, slots at or above it are kept whole."
    )
    add(
        "prices_sampled",
        "Prices after sampling",
        caption,
        alt.layer(bars, *_cutoff_rule(cutoff)),
        sampled_prices,
        "sampled",
    )

    # 5. Sampled items per category.
    sampled_per_category = [
        {
            "category": row["category"],
            "sampled": row["sampled"],
            "share": row["sampled_share"] or 0.0,
        }
        for row in data.categories
    ]
    caption = (
        "Slots below the cutoff are drawn with probability proportional to the category "
        f"weight ({_weights_text(data.categories)})."
    )
    add(
        "sampled_per_category",
        "Sampled items per category",
        caption,
        _category_bars(sampled_per_category, "sampled", colors),
        sampled_per_category,
        "sampled",
    )

    # 6. Category shares of the sample: a pie whose labels are in the legend, so never overlap.
    pie_rows = [
        {
            "category": row["category"],
            "sampled": row["sampled"],
            "label": f"{row['category'].replace('_', ' ')}  {100 * row['share']:.1f}%",
        }
        for row in sorted(sampled_per_category, key=lambda r: -r["sampled"])
        if row["sampled"] > 0
    ]
    label_colors = alt.Scale(
        domain=[row["label"] for row in pie_rows],
        range=[_color(categories, row["category"]) for row in pie_rows],
    )
    chart = (
        _chart(pie_rows, width=240, height=240)
        .mark_arc(outerRadius=118, stroke="white", strokeWidth=1)
        .encode(
            theta=alt.Theta("sampled:Q", stack=True),
            color=alt.Color(
                "label:N",
                scale=label_colors,
                sort=None,
                legend=alt.Legend(title="share of the sample", orient="right", labelLimit=300),
            ),
            order=alt.Order("sampled:Q", sort="descending"),
        )
    )
    add(
        "sampled_category_shares",
        "Category shares of the sample",
        "Each category's share of the sample, largest first (labels in the legend).",
        chart,
        pie_rows,
        "sampled",
    )

    # 7. Prompt length (characters) against price, a deterministic subset of the sample.
    scatter = _rows(
        con,
        f"""
        select sampled_items.item_key, sampled_items.category, sampled_items.price,
               length(items.prompt) as chars
        from sampled_items
        inner join items on items.item_key = sampled_items.item_key
        order by md5(sampled_items.item_key), sampled_items.item_key
        limit {SCATTER_POINTS}
        """,
    )
    chart = (
        _chart(scatter)
        .mark_circle(size=14, opacity=0.55)
        .encode(
            x=alt.X("chars:Q", title="prompt length (characters)", scale=alt.Scale(zero=False)),
            y=alt.Y("price:Q", title="price ($)"),
            color=alt.Color(
                "category:N",
                scale=colors,
                # one column on the right: long category names in a grid below collided
                legend=alt.Legend(orient="right", title=None, labelLimit=220),
            ),
        )
    )
    shown = (
        f"all {len(scatter):,} sampled items"
        if len(scatter) == numbers["sampled"]
        else f"{len(scatter):,} of the {numbers['sampled']:,} sampled items, picked by the md5 "
        "of their item key"
    )
    caption = f"Characters of the training prompt against the price: {shown}."
    add("prompt_length_vs_price", "Prompt length against price", caption, chart, scatter, "")
    return charts


def _weights_text(categories: list[dict[str, Any]]) -> str:
    """e.g. "Automotive 1, the other 7 categories 5"."""
    groups: dict[Any, list[str]] = {}
    for row in categories:
        groups.setdefault(row["weight"], []).append(row["category"])
    parts = []
    for weight, names in sorted(groups.items(), key=lambda kv: len(kv[1])):
        value = "-" if weight is None else f"{weight:g}"
        if len(names) <= 2 or len(groups) == 1:
            parts.append(f"{', '.join(names) if len(groups) > 1 else 'every category'} {value}")
        else:
            parts.append(f"the other {len(names)} categories {value}")
    return ", ".join(parts)


def _color(categories: list[str], category: str) -> str:
    return PALETTE[categories.index(category) % len(PALETTE)]


def _category_bars(rows: list[dict[str, Any]], measure: str, colors: Any) -> Any:
    """Horizontal bars per category, largest first, each labelled with its count and share."""
    import altair as alt

    for row in rows:
        row["label"] = f"{row[measure]:,} ({100 * row['share']:.1f}%)"
    top = max((row[measure] for row in rows), default=0) or 1
    base = _chart(rows, width=WIDTH - 170, height=max(120, 26 * len(rows))).encode(
        y=alt.Y(
            "category:N",
            sort=[row["category"] for row in sorted(rows, key=lambda r: -r[measure])],
            title=None,
            axis=alt.Axis(labelLimit=220),
        ),
        x=alt.X(
            f"{measure}:Q",
            title="items" if measure == "items" else "sampled items",
            # Room on the right of the longest bar for its label.
            scale=alt.Scale(domain=[0, top * 1.35], nice=False),
            axis=alt.Axis(format=",d", tickCount=5),
        ),
    )
    bars = base.mark_bar().encode(color=alt.Color("category:N", scale=colors, legend=None))
    text = base.mark_text(align="left", dx=4, fontSize=10, color="#333").encode(text="label:N")
    return alt.layer(bars, text)


# --------------------------------------------------------------------------- rendering

_SVG_ID_REF = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _scope_ids(svg: str, prefix: str) -> str:
    """Prefix the SVG's own ids (clip paths, gradients) so inlined charts cannot collide."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    return _SVG_ID_REF.sub(
        lambda m: f"{m.group(1)}{prefix}-{m.group(2)}" if m.group(2) in ids else m.group(0), svg
    )


def render_svgs(charts: list[Chart]) -> None:
    import vl_convert as vlc

    for chart in charts:
        try:
            svg = vlc.vegalite_to_svg(chart.spec)
        except Exception as err:  # vl-convert raises ValueError for spec errors
            raise PricerError(f"cannot render the {chart.name} chart: {err}") from err
        chart.svg = _scope_ids(svg, chart.name)


def _json_script(value: Any) -> str:
    """JSON safe to put inside <script type="application/json">."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(data: ReportData) -> str:
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["pct"] = lambda x: "–" if x is None else f"{100 * x:.1f}%"
    template = env.get_template(TEMPLATE_NAME)
    charts = {
        c.name: {
            "name": c.name,
            "title": c.title,
            "caption": c.caption,
            "points": c.points,
            "total": c.total,
            "svg": Markup(c.svg),
            "spec_json": Markup(_json_script(c.spec)),
        }
        for c in data.charts
    }
    # Category names break after their underscores in the narrow table.
    categories = [
        {**row, "display": Markup("_<wbr>").join(row["category"].split("_"))}
        for row in data.categories
    ]
    return template.render(
        version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        db_path=str(data.db_path),
        numbers=data.numbers,
        rejects=data.rejects,
        categories=categories,
        knobs=data.knobs,
        slot_rules=data.slot_rules,
        charts_by_name=charts,
        splits=SPLITS,
    )


def write_report(db_path: Path, out_file: Path) -> Path:
    """Render the report of the build in db_path to out_file (and its charts beside it)."""
    db_path = Path(db_path)
    out_file = Path(out_file)
    if out_file.is_dir():
        raise PricerError(f"{out_file} is a folder: --out takes the HTML file to write")
    con = database.open_build(db_path, REQUIRED_TABLES)
    try:
        data = read_data(con, db_path)
        data.charts = build_charts(con, data)
    finally:
        con.close()
    render_svgs(data.charts)
    page = render_html(data)
    charts_dir = out_file.parent / CHARTS_DIR
    try:
        charts_dir.mkdir(parents=True, exist_ok=True)
        for chart in data.charts:
            (charts_dir / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")
        out_file.write_text(page, encoding="utf-8")
    except OSError as err:
        raise PricerError(f"cannot write the report to {out_file}: {err.strerror or err}") from err
    return out_file
