"""Tests of the seeded raw-data generator (`pricer generate`, rules sections 1 and 2).

The generated files are the test data of the whole project, so these tests re-scan them
independently of the generator: bad lines are classified here from the bytes, and every edge
case the contract names is looked for in the parsed rows.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pricer import cli, knobs
from pricer.errors import UsageError
from pricer.generate import (
    BAD_KINDS,
    MANIFEST_NAME,
    REAL_ROWS,
    _fast_draws,
    _fast_lognormal,
    _RowMaker,
    _serialize,
    allocate,
    generate,
)

# Rules section 1, written here on purpose (an independent check of generate.REAL_ROWS).
SPEC_ROWS = {
    "Automotive": 2_003_129,
    "Electronics": 1_610_012,
    "Office_Products": 710_503,
    "Tools_and_Home_Improvement": 1_473_810,
    "Cell_Phones_and_Accessories": 1_288_490,
    "Toys_and_Games": 890_874,
    "Appliances": 94_327,
    "Musical_Instruments": 213_593,
}
ROWS = 3000
SEED = 1
BAD = 0.05
# The generator's image alphabet and count weights, written here on purpose.
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
IMAGE_COUNT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 10, 11, 11, 10, 8, 6, 4, 3, 2)
KEYS = (
    "main_category",
    "title",
    "average_rating",
    "rating_number",
    "features",
    "description",
    "price",
    "images",
    "videos",
    "store",
    "categories",
    "details",
    "parent_asin",
    "bought_together",
)


# ----------------------------------------------------------------------------- helpers


def categories() -> list[str]:
    return [c.name for c in knobs.categories()]


def read_lines(path: Path) -> list[bytes]:
    """Lines of a generated file: split on b"\\n", the final newline making no extra line."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    assert data == b"" or data.endswith(b"\n"), f"{path.name} does not end with a newline"
    return data.split(b"\n")[:-1]


def classify(line: bytes) -> str | None:
    """The bad-line kind of one line, decided from its bytes alone (None: a good line)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8"
    if text.strip() == "":
        return "empty_line"
    try:
        value = json.loads(text, parse_constant=lambda name: 1 / 0)
    except (ValueError, ZeroDivisionError):
        return "json"  # truncated_json or not_json: both are invalid JSON
    if not isinstance(value, dict):
        return "not_object"
    if value.get("title") is None:
        return "title_null"
    if isinstance(value.get("description"), str):
        return "description_not_list"
    if isinstance(value.get("features"), str):
        return "features_not_list"
    price = value.get("price")
    if isinstance(price, bool):
        return "price_boolean"
    if isinstance(price, str) and price != "None":
        try:
            float(price)
        except ValueError:
            return "price_unparseable"
    return None


def good_rows(raw_dir: Path) -> list[tuple[str, int, dict[str, Any], bytes]]:
    """(file, line number, row, raw line) of every good line."""
    out = []
    for path in sorted(raw_dir.glob("meta_*.jsonl*")):
        for number, line in enumerate(read_lines(path), start=1):
            if classify(line) is None:
                out.append((path.name, number, json.loads(line), line))
    return out


def texts(row: dict[str, Any]) -> list[str]:
    return [row["title"], *row["description"], *row["features"]]


def file_bytes(raw_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(raw_dir.iterdir())}


def contents_length(row: dict[str, Any]) -> int | None:
    """len(contents) of rules 2.3 for a row whose details is missing, {} or null."""
    if "details" in row and row["details"] not in ({}, None):
        return None
    description = "\n".join(row["description"])
    length = len(description) + (1 if description else 0)
    if row["features"]:
        length += len("\n".join(row["features"])) + 1
    if "details" in row:
        length += len(json.dumps(row["details"])) + 1
    return length


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("raw")
    generate(out, rows=ROWS, seed=SEED, bad_fraction=BAD)
    return out


@pytest.fixture(scope="module")
def manifest(raw_dir: Path) -> dict[str, Any]:
    return json.loads((raw_dir / MANIFEST_NAME).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows(raw_dir: Path) -> list[tuple[str, int, dict[str, Any], bytes]]:
    return good_rows(raw_dir)


# --------------------------------------------------------------------- files and counts


def test_one_file_per_category_and_rows_add_up(raw_dir: Path, manifest: dict[str, Any]) -> None:
    expected = {f"meta_{c}.jsonl" for c in categories()}
    assert {p.name for p in raw_dir.iterdir()} == expected | {MANIFEST_NAME}
    counts = {name: len(read_lines(raw_dir / name)) for name in expected}
    assert sum(counts.values()) == ROWS
    assert counts == {name: entry["rows"] for name, entry in manifest["files"].items()}
    assert manifest["rows"] == manifest["totals"]["rows"] == ROWS
    assert manifest["totals"]["files"] == len(expected)
    for name, entry in manifest["files"].items():
        assert entry["bytes"] == (raw_dir / name).stat().st_size


def test_rows_split_in_the_real_proportions(manifest: dict[str, Any]) -> None:
    assert REAL_ROWS == SPEC_ROWS
    total = sum(SPEC_ROWS.values())
    for category in categories():
        got = manifest["files"][f"meta_{category}.jsonl"]["rows"]
        assert abs(got - ROWS * SPEC_ROWS[category] / total) <= 1, category


@pytest.mark.parametrize("total", [1, 5, 8, 10, 24, 25, 100, 1_000_003])
def test_allocate_sums_exactly_and_gives_every_file_a_few_rows(total: int) -> None:
    weights = [float(SPEC_ROWS[c]) for c in SPEC_ROWS]
    parts = allocate(total, weights, floor=3)
    assert sum(parts) == total
    assert min(parts) >= min(3, total // len(weights))
    assert parts.index(max(parts)) == 0  # Automotive is the largest
    if total >= 1000:
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - total * weight / sum(weights)) <= 4


def test_tiny_run_still_writes_every_file(tmp_path: Path) -> None:
    summary = generate(tmp_path, rows=20, seed=3)
    assert [f.rows for f in summary.files] and sum(f.rows for f in summary.files) == 20
    assert min(f.rows for f in summary.files) >= 2
    assert len(list(tmp_path.glob("meta_*.jsonl"))) == len(categories())


def test_categories_come_from_the_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_csv = tmp_path / "categories.csv"
    seed_csv.write_text("category,weight\nAppliances,5\nGarden_and_Outdoor,5\n")
    real = knobs.categories
    monkeypatch.setattr(knobs, "categories", lambda path=None: real(path or seed_csv))
    summary = generate(tmp_path / "out", rows=100, seed=1)
    assert [f.file for f in summary.files] == [
        "meta_Appliances.jsonl",
        "meta_Garden_and_Outdoor.jsonl",
    ]
    # a category the real counts do not know weighs as an average one
    assert summary.files[1].rows > summary.files[0].rows >= 3


# ------------------------------------------------------------------------- determinism


def test_same_arguments_give_identical_bytes_another_seed_differs(tmp_path: Path) -> None:
    generate(tmp_path / "a", rows=400, seed=7, bad_fraction=0.05)
    generate(tmp_path / "b", rows=400, seed=7, bad_fraction=0.05)
    generate(tmp_path / "c", rows=400, seed=8, bad_fraction=0.05)
    a, b, c = (file_bytes(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() == c.keys()
    for name in a:
        if name != MANIFEST_NAME:
            assert a[name] != c[name], name


def test_fast_draws_draw_what_random_draws() -> None:
    """The generator's own randrange/choice/randint/lognormvariate make the same draws from the
    same stream as random.Random's, so its bytes do not depend on which of the two it calls."""
    ours, theirs = random.Random("fast"), random.Random("fast")
    below, choice, randint = _fast_draws(ours)
    for i in range(20_000):
        n = 1 + i % 700
        seq = "abcdefghijklmnopqrstuvwxyz"[: 1 + i % 26]
        assert below(n) == theirs.randrange(n)
        assert choice(seq) == theirs.choice(seq)
        assert randint(i % 5, i % 5 + n) == theirs.randint(i % 5, i % 5 + n)
        assert ours.random() == theirs.random()
    with pytest.raises(IndexError):
        choice("")
    with pytest.raises(ValueError):
        below(0)
    lognormal = _fast_lognormal(ours)
    for i in range(20_000):
        mu, sigma = i % 7 - 1.5, 0.1 + i % 5
        assert lognormal(mu, sigma) == theirs.lognormvariate(mu, sigma)
    assert ours.random() == theirs.random()


def test_images_are_written_as_json_dumps_writes_their_dicts() -> None:
    """A row's images are kept as random words and written straight to JSON: the text is what
    json.dumps writes for the dicts that one rng.randbytes(19) an image gives, in every line
    format, and the stream goes on the same."""
    table = bytes(ord(ALNUM[i % len(ALNUM)]) for i in range(256))
    base = "https://m.media-amazon.com/images/I/"
    ours, theirs = _RowMaker(3, "Electronics"), random.Random("3:Electronics")
    for _ in range(2000):
        images = ours.images()
        count = theirs.choices(range(16), weights=IMAGE_COUNT_WEIGHTS)[0]
        expected = []
        for i in range(count):
            draw = theirs.randbytes(19)
            small = ("31", "41", "51", "61")[draw[0] & 3] + draw[2:10].translate(table).decode()
            large = ("61", "71", "81", "91")[draw[1] & 3] + draw[10:18].translate(table).decode()
            expected.append(
                {
                    "thumb": f"{base}{small}L._SS40_.jpg",
                    "large": f"{base}{small}L.jpg",
                    "variant": "MAIN" if i == 0 else f"PT{i:02d}",
                    "hi_res": f"{base}{large}L._SL1500_.jpg" if draw[18] < 218 else None,
                }
            )
        for ensure_ascii in (False, True):
            for separators in ((", ", ": "), (",", ":"), (" , ", " : ")):
                row = {"images": images, "price": 1.5, "nested": [images]}
                assert _serialize(row, ensure_ascii, separators) == json.dumps(
                    {"images": expected, "price": 1.5, "nested": [expected]},
                    ensure_ascii=ensure_ascii,
                    separators=separators,
                )
        assert ours.rng.random() == theirs.random()


def test_parallel_workers_write_the_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "one", rows=300, seed=5, bad_fraction=0.1, workers=1)
    generate(tmp_path / "two", rows=300, seed=5, bad_fraction=0.1, workers=2)
    assert file_bytes(tmp_path / "one") == file_bytes(tmp_path / "two")


def test_bad_lines_replace_good_lines_and_leave_the_rest_alone(tmp_path: Path) -> None:
    clean = generate(tmp_path / "clean", rows=600, seed=9, bad_fraction=0.0)
    dirty = generate(tmp_path / "dirty", rows=600, seed=9, bad_fraction=0.1)
    assert clean.bad_lines == 0 and dirty.bad_lines == 60
    for c, d in zip(clean.files, dirty.files, strict=True):
        bad = {n for lines in d.bad.values() for n in lines}
        a = read_lines(tmp_path / "clean" / c.file)
        b = read_lines(tmp_path / "dirty" / d.file)
        assert len(a) == len(b)
        for number, (x, y) in enumerate(zip(a, b, strict=True), start=1):
            assert (x != y) == (number in bad), (c.file, number)


# --------------------------------------------------------------------------- bad lines


def test_bad_lines_agree_with_the_manifest(raw_dir: Path, manifest: dict[str, Any]) -> None:
    assert manifest["bad_kinds"] == list(BAD_KINDS)
    total = Counter()
    for name, entry in manifest["files"].items():
        found: dict[str, set[int]] = {}
        lines = read_lines(raw_dir / name)
        for number, line in enumerate(lines, start=1):
            kind = classify(line)
            if kind is not None:
                found.setdefault(kind, set()).add(number)
        planted = {k: set(v) for k, v in entry["bad"].items() if v}
        json_lines = planted.pop("truncated_json", set()) | planted.pop("not_json", set())
        if json_lines:
            planted["json"] = json_lines
        assert found == planted, name
        assert entry["bad_lines"] == sum(len(v) for v in entry["bad"].values())
        for kind, numbers in entry["bad"].items():
            assert numbers == sorted(numbers)
            total[kind] += len(numbers)
        assert len(lines) not in entry["bad"]["empty_line"]  # never the last line
        assert entry["bad_lines"] >= 1, f"{name}: bad lines are not spread over all files"
    assert total == manifest["totals"]["bad"]
    assert sum(total.values()) == manifest["totals"]["bad_lines"] == round(BAD * ROWS)
    assert all(total[kind] >= 5 for kind in BAD_KINDS), total


def test_no_file_ends_with_an_empty_line(tmp_path: Path) -> None:
    """An empty bad line is never a file's last line, so `lines = newlines` stays true."""
    for seed in range(20):
        summary = generate(tmp_path / str(seed), rows=16, seed=seed, bad_fraction=0.5)
        assert summary.bad_lines == 8
        for f in summary.files:
            lines = read_lines(tmp_path / str(seed) / f.file)
            assert len(lines) == f.rows
            assert not lines or lines[-1].strip() != b"", (seed, f.file)


def test_truncated_lines_are_prefixes_of_a_row(raw_dir: Path, manifest: dict[str, Any]) -> None:
    seen = 0
    for name, entry in manifest["files"].items():
        lines = read_lines(raw_dir / name)
        for number in entry["bad"]["truncated_json"]:
            line = lines[number - 1]
            assert line.startswith(b"{"), line[:40]
            seen += 1
    assert seen >= 5


def test_price_none_string_is_planted_as_a_good_line(rows: list[Any]) -> None:
    assert sum(1 for _, _, row, _ in rows if row.get("price") == "None") >= 10


# ----------------------------------------------------------------------- good rows


def test_good_rows_have_the_real_schema(rows: list[Any]) -> None:
    assert len(rows) == ROWS - round(BAD * ROWS)
    for name, number, row, _ in rows:
        where = f"{name}:{number}"
        assert set(row) <= set(KEYS) and set(KEYS) - set(row) <= {"price", "details"}, where
        assert isinstance(row["title"], str) and 1 <= len(row["title"]) <= 200, where
        assert all(isinstance(s, str) for s in row["features"] + row["description"]), where
        assert re.fullmatch(r"B0[0-9A-Z]{8}", row["parent_asin"]), where
        assert row["bought_together"] is None, where
        assert row.get("details") is None or isinstance(row["details"], dict), where
        for image in row["images"]:
            assert set(image) == {"thumb", "large", "variant", "hi_res"}, where
        price = row.get("price")
        assert price is None or isinstance(price, int | float | str), where
        if isinstance(price, str) and price != "None":
            float(price)
    titles = [len(row["title"]) for _, _, row, _ in rows]
    assert sum(20 <= n <= 200 for n in titles) / len(titles) > 0.97
    sizes = [len(line) for *_, line in rows]
    assert 2000 < sum(sizes) / len(sizes) < 4000  # ~3 KB a row


def test_price_distribution_is_skewed_like_the_real_one(rows: list[Any]) -> None:
    prices = [row.get("price", "missing") for _, _, row, _ in rows]
    no_price = [p for p in prices if p in (None, "missing", "None")]
    # ~40%: what the calibration to the lecture's kept rates leaves (test_generate_calibration)
    assert 0.3 < len(no_price) / len(prices) < 0.5
    assert {"missing", None, "None"} <= set(no_price)
    numbers = sorted(p for p in prices if isinstance(p, int | float))
    in_range = [p for p in numbers if 0.5 <= p <= 999.49]
    assert 12 <= in_range[len(in_range) // 2] <= 35  # median ~$20
    assert sum(p < 0.5 for p in numbers) >= 3 and sum(p > 999.49 for p in numbers) >= 3
    assert sum(p >= 240 for p in in_range) / len(in_range) > 0.01  # a tail to 999
    strings = [p for p in prices if isinstance(p, str) and p not in ("None", "missing")]
    values = set(numbers) | {float(p) for p in strings}
    assert {0.5, 0.49, 999.49, 999.5, 999.0, 1.5, 2.5, 238.5, 239.5, 240.5} <= values
    two_decimals = [p for p in numbers if round(p, 2) == p]
    assert len(two_decimals) / len(numbers) > 0.98
    assert any(re.fullmatch(r"\d+\.\d\d", s) for s in strings)
    assert any(s != s.strip() for s in strings)  # " 12.99 "


def test_details_cover_every_form(rows: list[Any]) -> None:
    details = [row["details"] for _, _, row, _ in rows if "details" in row]
    assert len(details) < len(rows)  # the key missing on some rows
    assert None in details and {} in details
    keys = Counter(k for d in details if d for k in d)
    for key in (
        "Brand",
        "Manufacturer",
        "Item Weight",
        "Product Dimensions",
        "Item model number",
        "Date First Available",
        "Best Sellers Rank",
        "Batteries Required?",
        "Batteries Included?",
        "Number of Items",
        "Package Dimensions",
        "Is Discontinued By Manufacturer",
    ):
        assert keys[key] >= 5, key
    values = [v for d in details if d for v in d.values()]
    assert any(isinstance(v, dict) for v in values)
    assert any(isinstance(v, dict) and any(isinstance(x, dict) for x in v.values()) for v in values)
    assert any(isinstance(v, int) for v in values) and any(isinstance(v, float) for v in values)
    strings = [v for v in values if isinstance(v, str)]
    assert any(ord(ch) > 0xFFFF for s in strings for ch in s)  # astral: emoji
    assert any(re.search(r"[\u4e00-\u9fff]", s) for s in strings)
    assert any("\x1f" in s for s in strings) and any("\t" in s for s in strings)
    assert {"Yes", "No"} <= {d.get("Batteries Required?") for d in details if d}


def test_details_numbers_are_written_in_every_json_form(rows: list[Any]) -> None:
    raw = b"\n".join(line for *_, line in rows)
    for number in (b"1.50", b"1E3", b"2.0", b"-0", b"0.1", b"1e-7", b"12345678901234567890"):
        assert re.search(rb"[:\[] ?" + re.escape(number) + rb"[,}\]]", raw), number
    assert re.search(rb": ?1e22[,}]", raw) or re.search(rb": ?7[,}]", raw)


def test_lines_come_in_several_json_formats(rows: list[Any]) -> None:
    lines = [line for *_, line in rows]
    assert any(line.startswith(b'{"main_category": ') for line in lines)
    assert any(line.startswith(b'{"main_category":"') for line in lines)  # no spaces
    assert any(not line.lstrip().startswith(b'{"main_category"') for line in lines)  # key order
    assert any(b"\\/" in line for line in lines)  # escaped slashes
    assert any(re.search(rb"\\ud83[cdef]\\ud[c-f]", line) for line in lines)  # ensure_ascii
    assert any(re.search(rb"[\xf0-\xf4]", line) for line in lines)  # raw astral UTF-8
    assert any(b"\xe2\x80\xa8" in line for line in lines)  # raw U+2028 inside a string
    assert any(line != line.strip() for line in lines)  # whitespace around the object


# ------------------------------------------------------------------ rules 2 edge cases


def test_every_text_edge_case_of_spec_2_is_planted(rows: list[Any]) -> None:
    all_texts = [t for _, _, row, _ in rows for t in texts(row)]
    joined = "\n".join(all_texts)
    words = [w for t in all_texts for w in t.split(" ")]
    whitespace = [chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()]
    missing = [hex(ord(ch)) for ch in whitespace if ch not in joined]
    assert not missing, f"whitespace never planted: {missing}"
    for needle in ("【", "】", ":", "[", "]", '"', "{", "}", "\u200b", "Price is $"):
        assert needle in joined, needle
    for run in (" , , ,", ",,,"):
        assert run in joined, run
    for pattern in (" 's", " .", " n't", " ?", " !", " 've", " 're", " 'm"):
        assert pattern in joined, pattern

    def has_other_digit(w: str) -> bool:
        return any(ch.isdigit() and not ch.isascii() for ch in w)

    assert any(len(w) >= 7 and has_other_digit(w) for w in words)
    assert any(len(w) < 7 and has_other_digit(w) for w in words)
    assert any(len(w) >= 7 and any(c.isnumeric() and not c.isdigit() for c in w) for w in words)
    assert any(len(w) >= 7 and re.search(r"[A-Z].*\d|\d.*[A-Z]", w) for w in words)  # XR-2000B7
    assert re.search(r"[\u4e00-\u9fff]", joined) and re.search(r"[\U0001F300-\U0001FAFF]", joined)
    assert "\u200d" in joined and "e\u0301" in joined  # ZWJ sequences, combining marks
    assert re.search(r"[^\x00-\x7f ]{20}", joined)  # a multi-byte run (for the 160-token cut)


def test_empty_lists_and_blank_lines_are_planted(rows: list[Any]) -> None:
    parsed = [row for _, _, row, _ in rows]
    assert any(row["description"] == [] for row in parsed)
    assert any(row["features"] == [] for row in parsed)
    assert any(row["description"] == [] and row["features"] == [] for row in parsed)
    assert any("" in row["features"] or "" in row["description"] for row in parsed)
    assert any(row["features"] == [""] for row in parsed)


def test_contents_lengths_straddle_the_300_character_rule(rows: list[Any]) -> None:
    """Rules 2.4: priced rows whose contents is exactly 300 and 301 code points long."""
    lengths = Counter()
    for _, _, row, _ in rows:
        price = row.get("price")
        if isinstance(price, float) and 0.5 <= price <= 999.49:
            lengths[(contents_length(row), json.dumps(row.get("details", "missing")))] += 1
    for details in ('"missing"', "{}", "null"):
        assert lengths[(300, details)] + lengths[(301, details)] >= 1, details
    assert sum(n for (length, _), n in lengths.items() if length == 300) >= 2
    assert sum(n for (length, _), n in lengths.items() if length == 301) >= 2


def test_a_small_run_already_has_every_boundary_case(tmp_path: Path) -> None:
    """Boundary prices and 300/301-character rows are planted as one cycle over all files."""
    generate(tmp_path, rows=800, seed=12)
    found = good_rows(tmp_path)
    values = set()
    for _, _, row, _ in found:
        price = row.get("price")
        if isinstance(price, int | float) or (isinstance(price, str) and price != "None"):
            values.add(float(price))
    assert {0.5, 0.49, 0.51, 999.49, 999.5, 999.0, 1.5, 2.5, 238.5, 239.5, 240.5} <= values
    lengths = {
        (contents_length(row), json.dumps(row.get("details", "missing"))) for _, _, row, _ in found
    }
    for details in ('"missing"', "{}", "null"):
        assert {(300, details), (301, details)} <= lengths, details


def test_planted_rule_edges_follow_the_knobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows planted on the min_chars rule and their prices come from the knobs
    (dbt_project.yml), not from numbers the generator restates."""
    import pricer.generate as module

    moved = {**knobs.default_vars(), "min_chars": 250, "min_price": 2.0, "max_price": 500.0}
    monkeypatch.setattr(module, "_defaults", lambda: moved)
    module._price_mix.cache_clear()
    try:
        generate(tmp_path, rows=800, seed=12, workers=1)
    finally:
        module._price_mix.cache_clear()
    planted = [row for _, _, row, _ in good_rows(tmp_path) if contents_length(row) in (250, 251)]
    assert {contents_length(row) for row in planted} == {250, 251}
    assert all(2.0 <= row["price"] <= 500.0 for row in planted)


def test_planted_boundary_rows_are_capped_in_large_runs(tmp_path: Path) -> None:
    """A 1M-row run keeps ~2,000 boundary prices (not one row in 31): no price spikes in the
    slots that sampling keeps whole. Checked on the plan; generating 1M rows is too slow here."""
    from pricer.generate import _plan

    small = _plan(tmp_path, 3000, 1, 0.0, False, categories())
    large = _plan(tmp_path, 1_000_000, 1, 0.0, False, categories())
    assert {t.plant_every for t in small} == {(31, 97)}
    (price_every, char_every) = large[0].plant_every
    assert 1_000_000 // price_every <= 2000 and 1_000_000 // char_every <= 600


def test_multibyte_characters_sit_on_the_1120_character_cut(rows: list[Any]) -> None:
    """Rules 2.4: contents index 1119 is the last kept character; some rows put a multi-byte
    character or a ZWJ / combining sequence there."""
    hits = [
        row["description"][0][1118:1122]
        for _, _, row, _ in rows
        if row["description"]
        and len(row["description"][0]) > 1121
        and not row["description"][0][1119].isascii()
    ]
    assert len(hits) >= 5


def test_text_lengths_are_varied(rows: list[Any]) -> None:
    parsed = [row for _, _, row, _ in rows]
    feature_counts = Counter(len(row["features"]) for row in parsed)
    description_counts = Counter(len(row["description"]) for row in parsed)
    assert set(range(11)) <= set(feature_counts)
    assert set(range(7)) <= set(description_counts)
    lines = [len(s) for row in parsed for s in row["features"] + row["description"]]
    assert min(lines) < 20 and max(lines) > 1000


def test_duplicates_for_the_dedup_knob(rows: list[Any]) -> None:
    titles = Counter((name, row["title"]) for name, _, row, _ in rows)
    assert any(n > 1 for n in titles.values())  # within a file
    texts_ = Counter(
        (row["title"], tuple(row["description"]), tuple(row["features"])) for _, _, row, _ in rows
    )
    assert any(n > 1 for n in texts_.values())
    files_per_title = Counter()
    for title in {t for _, t in titles}:
        files_per_title[title] = sum(1 for name, t in titles if t == title)
    assert max(files_per_title.values()) > 1  # across files


# ------------------------------------------------------------------------ gzip, CLI


def test_gzip_round_trip_and_no_stale_plain_files(tmp_path: Path) -> None:
    generate(tmp_path / "plain", rows=300, seed=4, bad_fraction=0.1)
    out = tmp_path / "gz"
    generate(out, rows=300, seed=4, bad_fraction=0.1)  # plain first: must be replaced
    summary = generate(out, rows=300, seed=4, bad_fraction=0.1, gzip=True)
    assert {p.name for p in out.iterdir()} == {f"meta_{c}.jsonl.gz" for c in categories()} | {
        MANIFEST_NAME
    }
    assert summary.gzip and json.loads((out / MANIFEST_NAME).read_text())["gzip"] is True
    for c in categories():
        plain = (tmp_path / "plain" / f"meta_{c}.jsonl").read_bytes()
        assert gzip.decompress((out / f"meta_{c}.jsonl.gz").read_bytes()) == plain
    for path in out.glob("*.gz"):
        header = path.read_bytes()[:10]
        assert header[3] == 0 and header[4:8] == bytes(4), "gzip header has a name or a time"
    again = generate(tmp_path / "gz2", rows=300, seed=4, bad_fraction=0.1, gzip=True)
    assert [f.bytes for f in again.files] == [f.bytes for f in summary.files]
    assert file_bytes(out) == file_bytes(tmp_path / "gz2")


def test_foreign_file_of_the_other_format_is_refused(tmp_path: Path) -> None:
    (tmp_path / "meta_Automotive.jsonl.gz").write_bytes(b"not ours")
    with pytest.raises(UsageError, match="not written by pricer generate"):
        generate(tmp_path, rows=10, seed=1)


@pytest.mark.parametrize(
    "args",
    [
        ["--rows", "0", "--seed", "1"],
        ["--rows", "-5", "--seed", "1"],
        ["--rows", "10", "--seed", "1", "--bad", "0.6"],
        ["--rows", "10", "--seed", "1", "--bad", "-0.1"],
        ["--rows", "10", "--seed", "1", "--bad", "nan"],
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert cli.main(["generate", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pricer generate: error: "), err
    assert not (tmp_path / "out").exists()


def test_cli_entry_point_writes_files_and_a_summary_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pricer", "generate", str(tmp_path), "--rows", "50", "--seed", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    assert re.fullmatch(
        r"generated 8 files in .+: 50 rows, 0 bad lines, [\d.,]+ MB in [\d.]+ s\n", done.stdout
    )
    assert sum(len(read_lines(p)) for p in tmp_path.glob("meta_*.jsonl")) == 50
    failed = subprocess.run(
        [sys.executable, "-m", "pricer", "generate", str(tmp_path), "--rows", "0", "--seed", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 2
    assert failed.stderr.splitlines() == [
        "pricer generate: error: --rows must be a whole number >= 1, got 0"
    ]
