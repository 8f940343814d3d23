"""Rules 2: the SQL macros agree with Python's definitions, checked exhaustively or on
thousands of random values (Python's re \\s, str.isdigit, float(), json.dumps, the scrub)."""

from __future__ import annotations

import json
import random
import re
import struct
import sys

import duckdb
import pyarrow as pa
import pytest

from dbt_inline import compile_inline

SURROGATES = range(0xD800, 0xE000)


MACROS = {
    "ws": "'[{{ pricer.py_whitespace_class() }}]'",
    "ws_but_space": "'[{{ pricer.py_whitespace_class_but_space() }}]'",
    "dg": "'[{{ pricer.py_digit_class() }}]'",
    "f": "{{ pricer.py_float('s') }}",
    "j": "{{ pricer.py_json_dumps('s') }}",
    "scrubbed": "{{ pricer.scrub('s') }}",
}


@pytest.fixture(scope="module")
def macros_sql(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each macro compiled by dbt on its own: alias -> SQL expression over column `s`."""
    db = tmp_path_factory.mktemp("compat") / "compat.duckdb"
    duckdb.connect(str(db)).close()
    compiled = {}
    for alias, jinja in MACROS.items():
        sql = compile_inline(f"select {jinja} as x", db).strip()
        compiled[alias] = sql.removeprefix("select ").removesuffix(" as x")
    con = duckdb.connect()
    for alias in ("ws", "ws_but_space", "dg"):  # the classes are string literals: evaluate them
        compiled[alias] = con.sql(f"select {compiled[alias]}").fetchall()[0][0]
    return compiled


def run_macro(macros_sql: dict[str, str], alias: str, values: list[str]) -> list:
    con = duckdb.connect()
    con.register("input_strings", pa.table({"s": pa.array(values, pa.string())}))
    expr = macros_sql[alias]
    return [
        row[0]
        for row in con.sql(
            f"select {expr} from (select row_number() over () as n, s from input_strings) "
            "input_strings order by n"
        ).fetchall()
    ]


def all_code_points() -> list[int]:
    return [cp for cp in range(1, sys.maxunicode + 1) if cp not in SURROGATES]


def test_whitespace_class_is_python_isspace_for_every_code_point(macros_sql) -> None:
    con = duckdb.connect()
    matched = {
        cp
        for (cp,) in con.sql(
            f"select cp from range(1, {sys.maxunicode + 1}) t(cp) "
            "where cp not between 55296 and 57343 "
            f"and regexp_matches(chr(cp::integer), '{macros_sql['ws']}')"
        ).fetchall()
    }
    expected = {cp for cp in all_code_points() if chr(cp).isspace()}
    assert matched == expected
    print(f"whitespace: {len(expected)} code points agree")


def test_whitespace_class_but_space_is_isspace_without_the_space(macros_sql) -> None:
    con = duckdb.connect()
    matched = {
        cp
        for (cp,) in con.sql(
            f"select cp from range(1, {sys.maxunicode + 1}) t(cp) "
            "where cp not between 55296 and 57343 "
            f"and regexp_matches(chr(cp::integer), '{macros_sql['ws_but_space']}')"
        ).fetchall()
    }
    assert matched == {cp for cp in all_code_points() if chr(cp).isspace() and cp != 0x20}


def test_digit_class_is_python_isdigit_for_every_code_point(macros_sql) -> None:
    con = duckdb.connect()
    matched = {
        cp
        for (cp,) in con.sql(
            f"select cp from range(1, {sys.maxunicode + 1}) t(cp) "
            "where cp not between 55296 and 57343 "
            f"and regexp_matches(chr(cp::integer), '{macros_sql['dg']}')"
        ).fetchall()
    }
    expected = {cp for cp in all_code_points() if chr(cp).isdigit()}
    assert matched == expected
    print(f"digits: {len(expected)} code points agree")


def _py_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def test_py_float_matches_python_float(macros_sql) -> None:
    rnd = random.Random(11)
    alphabet = "0123456789__..eE+-  \u00a0\u3000infINFnaNAty$,x١٢٫３４．𝟕²"
    values = [
        "12.99",
        " 12.99 ",
        "1_000",
        "1__0",
        "_1",
        "1_",
        ".5",
        "5.",
        ".",
        "e5",
        "1e",
        "1e+5",
        "inf",
        "-Infinity",
        "nan",
        "+NaN",
        "infinit",
        "0x10",
        "1,299",
        "$1",
        "",
        " ",
        "None",
        "1_0.0_1e1_0",
        "1e1_0",
        "\u00a012\u2009",
        "\x1c3\x1f",
        "1.5e-3",
        "-0",
        "+.5e-2",
    ]
    values += [
        "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 8))) for _ in range(20000)
    ]
    got = run_macro(macros_sql, "f", values)
    mismatches = []
    for text, value in zip(values, got, strict=True):
        want = _py_float(text)
        same = (want is None and value is None) or (
            want is not None
            and value is not None
            and (want == value or (want != want and value != value))
        )
        if not same:
            mismatches.append((text, want, value))
    assert not mismatches, mismatches[:10]
    print(f"float(): {len(values)} strings agree")


def _random_json(rnd: random.Random, depth: int = 0) -> object:
    kind = rnd.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rnd.randint(-(10**25), 10**25)
    if kind == 1:
        return struct.unpack("d", struct.pack("Q", rnd.getrandbits(64)))[0]
    if kind == 2:
        return round(rnd.uniform(-1000, 1000), rnd.randint(0, 6))
    if kind in (3, 4):
        pool = 'abc XYZ"\\/\n\t\r\b\f\x00\x1f\x7f\x85é中😀\u2028\u00a0:{}[],'
        return "".join(rnd.choice(pool) for _ in range(rnd.randint(0, 12)))
    if kind == 5:
        return rnd.choice([True, False, None, 0, -0.0, 1e-7, 1e22, 1e16, 123456789.0])
    if kind in (6, 7):
        return {_random_key(rnd): _random_json(rnd, depth + 1) for _ in range(rnd.randint(0, 5))}
    return [_random_json(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]


def _random_key(rnd: random.Random) -> str:
    return "".join(rnd.choice('Kéy 中😀"\\\t:') for _ in range(rnd.randint(1, 6))) + str(
        rnd.random()
    )


def test_py_json_dumps_matches_python(macros_sql) -> None:
    rnd = random.Random(5)
    objects = [
        {_random_key(rnd): _random_json(rnd) for _ in range(rnd.randint(0, 6))} for _ in range(4000)
    ]
    objects = [o for o in objects if "NaN" not in json.dumps(o) and "Infinity" not in json.dumps(o)]
    texts = []
    for i, obj in enumerate(objects):  # vary the raw formatting the way real files do
        texts.append(
            json.dumps(obj, ensure_ascii=bool(i % 2), separators=(",", ":") if i % 3 == 0 else None)
        )
    texts += ['{"a": 1.50, "b": 1E3, "c": -0, "d": 7}', "{}", "null", '{"x": {"y": []}}']
    got = run_macro(macros_sql, "j", texts)
    mismatches = [
        (t, json.dumps(json.loads(t)), g)
        for t, g in zip(texts, got, strict=True)
        if json.dumps(json.loads(t)) != g
    ]
    assert not mismatches, mismatches[:3]
    print(f"json.dumps: {len(texts)} documents agree")


def spec_scrub(text: str) -> str:
    """Rules 2.5, written from the spec."""
    text = re.sub(r'[:\[\]"{}【】\s]+', " ", text).strip()
    text = text.replace(" ,", ",").replace(",,,", ",").replace(",,", ",")
    return " ".join(w for w in text.split(" ") if not (len(w) >= 7 and any(c.isdigit() for c in w)))


def test_scrub_matches_spec(macros_sql) -> None:
    rnd = random.Random(3)
    pool = [
        *'ab12 ,,:[]"{}【】\t\n\x0b\x0c\r\x1c\x1f\x85\u00a0\u2009\u3000\u200b²①٣x',
        "abcdefg",
        "1234567",
    ]
    values = ["".join(rnd.choice(pool) for _ in range(rnd.randint(0, 40))) for _ in range(20000)]
    got = run_macro(macros_sql, "scrubbed", values)
    mismatches = [
        (v, spec_scrub(v), g) for v, g in zip(values, got, strict=True) if spec_scrub(v) != g
    ]
    assert not mismatches, mismatches[:5]
    print(f"scrub: {len(values)} strings agree")
