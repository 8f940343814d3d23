"""Hand-made checks that the oracle itself follows the spec (sections 1-2) on tiny cases.

Every expected string here is derived by hand from shared/spec/curation.md, not by running
the oracle, so a wrong oracle fails these before it can bless a wrong build.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from oracle import (
    QUESTION,
    Reject,
    Row,
    contents_of,
    decode,
    details_text,
    encode,
    item_of,
    item_text,
    make_prompts,
    parse_line,
    run_oracle,
    scrub,
    split_lines,
)


def line(**fields: Any) -> bytes:
    return json.dumps(fields).encode("utf-8")


def row(
    title: str = "",
    description: list[str] | None = None,
    features: list[str] | None = None,
    details: str | None = None,
    price: str = "10.0",
) -> Row:
    return Row(
        title=title,
        description=description or [],
        features=features or [],
        details=details,
        price=price,
        parent_asin="B000TEST",
    )


def x_row(count: int, price: str = "10.0", padding: int = 0) -> Row:
    """A row whose text is "\\n" + "x x ... x" (count x's): count + 1 tokens, title empty."""
    return row(description=["x " * count + " " * padding], price=price)


# ------------------------------------------------------------------------ rules 1: lines


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"a", [b"a"]),
        (b"a\n", [b"a"]),
        (b"a\nb", [b"a", b"b"]),
        (b"a\n\nb\n", [b"a", b"", b"b"]),
        (b"\n", [b""]),
        (b"\n\n", [b"", b""]),
        (b"a\r\nb\r\n", [b"a\r", b"b\r"]),
    ],
)
def test_split_lines(data: bytes, expected: list[bytes]) -> None:
    assert split_lines(data) == expected


# ---------------------------------------------------------------------- rules 1: rejects


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b'{"title": "a\xff"}', "invalid_utf8"),
        (b'{"title": "\xed\xa0\x80"}', "invalid_utf8"),  # an encoded surrogate
        (b"\xc3", "invalid_utf8"),  # a multi-byte character cut short
        (b"", "blank"),
        (b"  \t\r", "blank"),
        (b'{"title": "a", "price": 1', "bad_json"),  # truncated
        (b"not json", "bad_json"),
        (b'{"title": "a"} {"title": "b"}', "bad_json"),
        (b"{'title': 'a'}", "bad_json"),
        (b'{"title": "a",}', "bad_json"),
        (b'{"title": "a", "price": NaN}', "bad_json"),
        (b'{"title": "a", "price": -Infinity}', "bad_json"),
        (b'\xef\xbb\xbf{"title": "a"}', "bad_json"),  # BOM
        (b'{"title": "tab\there"}', "bad_json"),  # raw control character in a string
        (b"[1, 2]", "not_object"),
        (b'"text"', "not_object"),
        (b"null", "not_object"),
        (b"12.5", "not_object"),
        (b'{"price": 1}', "title"),  # missing title
        (b'{"title": null}', "title"),
        (b'{"title": 5}', "title"),
        (b'{"title": ["a"]}', "title"),
        (b'{"title": "a", "description": "bare"}', "description"),
        (b'{"title": "a", "description": null}', "description"),
        (b'{"title": "a", "description": ["a", 1]}', "description"),
        (b'{"title": "a", "description": [["a"]]}', "description"),
        (b'{"title": "a", "features": "bare"}', "features"),
        (b'{"title": "a", "features": null}', "features"),
        (b'{"title": "a", "features": ["a", null]}', "features"),
        (b'{"title": "a", "price": true}', "price_type"),
        (b'{"title": "a", "price": false}', "price_type"),
        (b'{"title": "a", "price": {"v": 1}}', "price_type"),
        (b'{"title": "a", "price": [1]}', "price_type"),
        (b'{"title": "a", "price": ""}', "price_unparseable"),
        (b'{"title": "a", "price": "  "}', "price_unparseable"),
        (b'{"title": "a", "price": "$1,299.00"}', "price_unparseable"),
        (b'{"title": "a", "price": "None "}', "price_unparseable"),
        (b'{"title": "a", "price": "none"}', "price_unparseable"),
        (b'{"title": "a", "price": "null"}', "price_unparseable"),
    ],
)
def test_reject_kinds(raw: bytes, kind: str) -> None:
    with pytest.raises(Reject) as caught:
        parse_line(raw)
    assert caught.value.kind == kind


@pytest.mark.parametrize(
    ("price_json", "loader_price"),
    [
        ("null", "None"),
        (None, "None"),  # no price key
        ('"None"', "None"),
        ("12.99", "12.99"),
        ('"12.99"', "12.99"),
        ('" 12.99 "', " 12.99 "),
        ("1E3", "1000.0"),
        ("7", "7"),
        ("1.50", "1.5"),
        ('"nan"', "nan"),
        ('"inf"', "inf"),
        ("1e400", "inf"),
        ('"1_000"', "1_000"),  # float() accepts underscores
    ],
)
def test_staged_price_as_the_loader_shows_it(price_json: str | None, loader_price: str) -> None:
    text = '{"title": "t"' + ("" if price_json is None else f', "price": {price_json}') + "}"
    assert parse_line(text.encode()).price == loader_price


def test_staged_row_defaults() -> None:
    staged = parse_line(b'{"title": "", "parent_asin": "B01"}')
    assert staged == Row(
        title="", description=[], features=[], details=None, price="None", parent_asin="B01"
    )
    assert parse_line(b'{"title": "t"}').parent_asin is None
    assert parse_line(b'{"title": "t", "parent_asin": 12}').parent_asin == "12"
    assert parse_line(b' {"title": "t"} \r').title == "t"  # JSON whitespace around the object


# ---------------------------------------------------------------------- rules 2.2 details


def test_details_rendered_as_json_dumps() -> None:
    raw = (
        '{"title": "t", "details": {"Price": 1.50, "Big": 1E3, "Count": 7, '
        '"Nested": {"Inner": "é", "List": [1, 2.0, true, null]}, "Ünï": "日本"}}'
    ).encode()
    assert parse_line(raw).details == (
        '{"Price": 1.5, "Big": 1000.0, "Count": 7, '
        '"Nested": {"Inner": "\\u00e9", "List": [1, 2.0, true, null]}, '
        '"\\u00dcn\\u00ef": "\\u65e5\\u672c"}'
    )


def test_details_empty_null_missing_and_compact_input() -> None:
    assert parse_line(b'{"title": "t", "details": {}}').details == "{}"
    assert parse_line(b'{"title": "t", "details": null}').details == "null"
    assert parse_line(b'{"title": "t"}').details is None
    assert parse_line(b'{"title":"t","details":{"a":"b","c":{"d":-0.0}}}').details == (
        '{"a": "b", "c": {"d": -0.0}}'
    )


def test_details_removals_in_order() -> None:
    dumped = (
        '{"Batteries Included?": "No", "Item Weight": "2 pounds", '
        '"Package Dimensions": "1 x 2", "Best Sellers Rank": "x", "Number of Items": 3, '
        '"Product Dimensions": "a", "Manufacturer": "By Manufacturer", '
        '"Number of Pieces": 4, "Model Number": "Z", "Date First Available": "May"}'
    )
    # Batteries before ":"; "Item" before "Number of" ("Number of Items" -> "Number of s");
    # "Number of" before "Number"; "Product " keeps its trailing space.
    assert details_text(dumped) == (
        '{, " Weight" "2 pounds", " Dimensions" "1 x 2", " Rank" "x", " s" 3, '
        '"Dimensions" "a", "Manufacturer" "", " Pieces" 4, "Model " "Z", " Available" "May"}'
    )


def test_details_removals_all_batteries_variants() -> None:
    dumped = (
        '{"Batteries Included?": "Yes", "Batteries Required?": "No", '
        '"Batteries Required?": "Yes", "Batteries Included?": "Maybe"}'
    )
    assert details_text(dumped) == '{, , , "Batteries Included?" "Maybe"}'


# --------------------------------------------------------------------- rules 2.3 contents


@pytest.mark.parametrize(
    ("description", "features", "details", "expected"),
    [
        (["a", "b"], ["f"], "{}", "a\nb\nf\n{}\n"),
        ([], [], None, ""),
        ([""], [], None, ""),  # the join is empty: no "\n"
        (["", ""], [], None, "\n\n"),
        ([], ["f", "g"], None, "f\ng\n"),
        ([], [""], None, "\n"),  # there is a feature line, so "\n" (the spec's "if any")
        ([], [], "null", "null\n"),
        (["d"], [], '{"Item": "x"}', 'd\n{"" "x"}\n'),
    ],
)
def test_contents(
    description: list[str], features: list[str], details: str | None, expected: str
) -> None:
    assert contents_of(row(description=description, features=features, details=details)) == (
        expected
    )


# ------------------------------------------------------------ rules 2.4 the 300/1120 gates


def test_300_characters_dropped_301_kept() -> None:
    title = "word " * 200  # enough tokens whatever the contents
    assert item_text(row(title=title, description=["a" * 299])) is None  # 299 + "\n" = 300
    assert item_text(row(title=title, description=["a" * 300])) == (
        "word" + " word" * 199 + "\n" + "a" * 300
    )
    # code points, not bytes
    assert item_text(row(title=title, description=["é" * 299])) is None
    assert item_text(row(title=title, description=["é" * 300])) is not None
    # the details "{}\n" counts toward the 300
    assert item_text(row(title=title, description=["a" * 296], details="{}")) is None
    assert item_text(row(title=title, description=["a" * 297], details="{}")) is not None
    assert item_of(row(title=title, description=["a" * 299]), "Automotive") is None
    assert item_of(row(title=title, description=["a" * 300]), "Automotive") is not None


def test_contents_cut_to_1120_before_scrubbing() -> None:
    assert item_text(row(title="T", description=["b" * 1119 + "cdef"])) == (
        "T\n" + "b" * 1119 + "c"
    )
    assert item_text(row(title="T", description=["é" * 1200])) == "T\n" + "é" * 1120
    # cut inside a run of spaces: the scrub then strips it
    assert item_text(row(title="T", description=["z" * 1117 + "      tail"])) == (
        "T\n" + "z" * 1117
    )
    # a digit word shortened by the cut to 6 characters survives the scrub
    assert item_text(row(title="T", description=["q " * 556 + "k 123456789"])) == (
        "T\n" + "q " * 556 + "k 123456"
    )
    # the title is not cut
    assert item_text(row(title="t" * 2000, description=["b" * 400])) == (
        "t" * 2000 + "\n" + "b" * 400
    )


# ------------------------------------------------------------------------ rules 2.5 scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '【Brand】\u00a0Foo : "Bar" , , , baz\u3000qux\u001cquux [x2] abcde²f abcd²e  end ',
            "Brand Foo Bar, baz qux quux x2 abcd²e end",
        ),
        ("a , , b", "a, b"),
        ("a,,,b", "a,b"),
        ("a,,,,b", "a,b"),
        ("a,,,,,b", "a,,b"),  # ",,," -> "," leaves "a,,,b", then ",," -> "," gives "a,,b"
        ("a{,}b", "a, b"),  # "{" and "}" are runs of their own: "a , b", then " ," -> ","
        (
            "1234567 123456 B07XYZ1 abc①def ab٣cdef x²yzabc ０１２３４５６ abcdefg 1.5 abc½def",
            "123456 abcdefg 1.5 abc½def",
        ),
        ("a\u0085b\u2009c\u001fd\u001de\u200bf", "a b c d e\u200bf"),
        ("  : x :  ", "x"),
        ("a\n\tb\r\nc\x0bd\x0ce", "a b c d e"),
        ("", ""),
        (":::", ""),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_scrub_digit_word_is_judged_after_the_run_rule() -> None:
    # "ab:12345" is one 8-char word before the run rule, two short words after it
    assert scrub("ab:12345 abc:1234567") == "ab 12345 abc"


# ------------------------------------------------------------------------ rules 2.6 text


def test_text_is_scrubbed_title_newline_scrubbed_contents() -> None:
    assert item_text(row(title=' "Big"  Box ', description=["x " * 160])) == (
        "Big Box\n" + "x" + " x" * 159
    )


# ------------------------------------------------------------------- rules 2.7 tokenizer


def test_tokenizer_assumptions_used_below() -> None:
    # the tokens the hand-made x rows rely on: "\n", "x" and " x" are one token each
    assert len(encode("\n")) == 1
    assert len(encode("x")) == 1
    assert len(encode(" x")) == 1
    assert len(encode("\nx x x")) == 4


def test_token_gate_150_dropped_151_kept() -> None:
    # text "\n" + "x" + " x" * (n - 1): n + 1 tokens; padding keeps contents above 300 chars
    assert item_of(x_row(149, padding=20), "Automotive") is None  # 150 tokens
    item = item_of(x_row(150, padding=20), "Automotive")  # 151 tokens
    assert item is not None
    assert item.prompt == (QUESTION + "\n\n" + "\nx" + " x" * 149 + "\n\n" + "Price is $10.00")


def test_cut_to_160_tokens() -> None:
    item = item_of(x_row(400, price="12.5"), "Electronics")
    assert item is not None
    # 160 tokens: "\n", "x" and 158 times " x"; round(12.5) == 12
    decoded = "\nx" + " x" * 158
    assert item.prompt == QUESTION + "\n\n" + decoded + "\n\nPrice is $12.00"
    assert item.test_prompt == QUESTION + "\n\n" + decoded + "\n\nPrice is $"
    assert item.token_count == len(encode(item.prompt))
    assert item.slot == 12
    assert item.price == 12.5
    assert item.category == "Electronics"


def test_decode_cleans_up_like_transformers() -> None:
    text = "Hello , world . It is n't so ? Yes ! I 'm sure it 's , we 've , they 're ' ok"
    expected = "Hello, world. It isn't so? Yes! I'm sure it's, we've, they're'ok"
    assert decode(encode(text)) == expected


def test_decode_keeps_special_tokens_found_in_text() -> None:
    ids = encode("a <|eot_id|> b")
    assert 128009 in ids  # matched as the special token even without added special tokens
    assert decode(ids) == "a <|eot_id|> b"


def test_cut_inside_a_multibyte_character_leaves_replacement_character() -> None:
    ids = encode("𝕏")
    assert len(ids) > 1
    assert decode(ids) == "𝕏"
    assert decode(ids[:1]) == "\ufffd"


# --------------------------------------------------------------------- rules 2.1 and 2.8


@pytest.mark.parametrize(
    ("price", "expected_slot"),
    [
        ("0.49", None),
        ("0.5", 0),
        ("2.5", 2),
        ("3.5", 4),
        ("1.4999", 1),
        ("999.49", 999),
        ("999.5", None),
        ("1000", None),
        ("-5", None),
        ("nan", None),
        ("inf", None),
        (" 12.99 ", 13),
        ("1_0", 10),
        ("None", None),
    ],
)
def test_price_range_and_slot(price: str, expected_slot: int | None) -> None:
    item = item_of(x_row(200, price=price), "Automotive")
    if expected_slot is None:
        assert item is None
    else:
        assert item is not None
        assert item.slot == expected_slot
        assert item.prompt.endswith(f"Price is ${expected_slot}.00")


def test_prompts_round_half_to_even() -> None:
    assert make_prompts("TEXT", 2.5) == (
        "How much does this cost to the nearest dollar?\n\nTEXT\n\nPrice is $2.00",
        "How much does this cost to the nearest dollar?\n\nTEXT\n\nPrice is $",
    )
    assert make_prompts("T", 0.5)[0].endswith("\n\nPrice is $0.00")
    assert make_prompts("T", 3.5)[0].endswith("\n\nPrice is $4.00")
    assert make_prompts("T", 999.49)[0].endswith("\n\nPrice is $999.00")


def test_test_prompt_cut_at_first_price_is() -> None:
    prompt, test_prompt = make_prompts("costs Price is $5 today", 12.0)
    assert prompt == (
        "How much does this cost to the nearest dollar?\n\ncosts Price is $5 today"
        "\n\nPrice is $12.00"
    )
    assert test_prompt == "How much does this cost to the nearest dollar?\n\ncosts Price is $"


# ------------------------------------------------------------------ end to end on a folder


def item_line(line_price: Any = 10.0, **extra: Any) -> bytes:
    return line(title="", description=["x " * 200], price=line_price, parent_asin="P1", **extra)


def test_run_oracle_on_a_folder(tmp_path: Path) -> None:
    automotive = b"\n".join(
        [
            item_line(),  # 1 item
            b"",  # 2 blank
            b"not json",  # 3 bad json
            item_line(None),  # 4 staged, null price
            item_line("None"),  # 5 staged, "None" price
            item_line("$1,299.00"),  # 6 reject
            line(title="short", description=["x"], price=5),  # 7 staged, too short
            b'{"title": "x", "price": 1',  # 8 truncated, no final newline
        ]
    )
    (tmp_path / "meta_Automotive.jsonl").write_bytes(automotive)
    electronics = item_line(2.5) + b"\n" + item_line("7") + b"\n"
    (tmp_path / "meta_Electronics.jsonl.gz").write_bytes(gzip.compress(electronics))
    (tmp_path / "meta_Appliances.jsonl").write_bytes(b"")
    (tmp_path / "meta_Unknown_Category.jsonl").write_bytes(item_line())
    (tmp_path / "README.md").write_text("not data")

    result = run_oracle(tmp_path)

    auto, elec = "meta_Automotive.jsonl", "meta_Electronics.jsonl.gz"
    assert result.line_counts == {auto: 8, elec: 2, "meta_Appliances.jsonl": 0}
    assert result.rejects == {
        (auto, 2): "blank",
        (auto, 3): "bad_json",
        (auto, 6): "price_unparseable",
        (auto, 8): "bad_json",
    }
    assert result.rejected == {(auto, 2), (auto, 3), (auto, 6), (auto, 8)}
    assert result.staged == {(auto, 1), (auto, 4), (auto, 5), (auto, 7), (elec, 1), (elec, 2)}
    assert set(result.items) == {(auto, 1), (elec, 1), (elec, 2)}
    assert result.items[(auto, 1)].category == "Automotive"
    assert result.items[(auto, 1)].parent_asin == "P1"
    assert result.items[(elec, 1)].category == "Electronics"
    assert result.items[(elec, 1)].slot == 2
    assert result.items[(elec, 2)].price == 7.0


def test_run_oracle_refuses_two_files_of_one_category(tmp_path: Path) -> None:
    (tmp_path / "meta_Automotive.jsonl").write_bytes(item_line())
    (tmp_path / "meta_Automotive.jsonl.gz").write_bytes(gzip.compress(item_line()))
    with pytest.raises(ValueError, match="two input files"):
        run_oracle(tmp_path)


def test_run_oracle_raises_on_lone_surrogate_in_text(tmp_path: Path) -> None:
    raw = b'{"title": "a\\ud800b", "description": ["' + b"x " * 200 + b'"], "price": 3}'
    (tmp_path / "meta_Automotive.jsonl").write_bytes(raw)
    with pytest.raises(ValueError, match=r"meta_Automotive\.jsonl:1 "):
        run_oracle(tmp_path)
