"""The floor of the benchmark: tokenize only the final kept texts, nothing else.

Reads the item texts of the items a pricer build kept (``int_items_scrubbed.scrubbed_text`` of the
rows in ``items``) into memory, untimed, then times loading the fastest exact tokenizer
(pricer.tokenizer's default backend for the Llama-3 knob, ``load_tokenizer``) and one
``encode_flat`` of all texts on `--workers` native threads. When ``pricer.tokenizer`` has no
``load_tokenizer`` (it is being rewritten), quicktok's ``llama3`` encoder is used directly
(``encode_batch``), which is the fast part of that backend without its exactness checks.

    .venv/bin/python bench/floor.py --db data/bench/100000/pricer.duckdb \
        --raw data/bench/100000/raw
        [--workers 2] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

TEXTS_SQL = """
select scrubbed.scrubbed_text
from int_items_scrubbed as scrubbed
semi join items on scrubbed.item_key = items.item_key
"""


def load_texts(db: Path, raw_dir: Path) -> list[str]:
    """The scrubbed texts of the kept items. int_items_scrubbed is a view over the raw files
    (nothing of it is stored), so the raw source is attached first."""
    from pricer.duckdb_plugin import attach_raw

    with duckdb.connect(str(db), read_only=True) as con:
        attach_raw(con, raw_dir)
        return [row[0] for row in con.sql(TEXTS_SQL).fetchall()]


def tokenize(texts: list[str], workers: int, tokenizer: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        from pricer.tokenizer import load_tokenizer
    except ImportError as error:
        load_tokenizer = None
        reason = str(error)
    if load_tokenizer is not None:
        tok = load_tokenizer(tokenizer)
        loaded = time.perf_counter()
        ids, _offsets = tok.encode_flat(texts, workers)
        done = time.perf_counter()
        backend = f"pricer.tokenizer.load_tokenizer -> {type(tok).__name__}"
        tokens = len(ids)
        extra = {"fallback_texts": getattr(tok, "fallback_texts", None)}
    else:
        import quicktok

        enc = quicktok.get_encoding("llama3")
        loaded = time.perf_counter()
        result = enc.encode_batch(texts, workers, False)
        done = time.perf_counter()
        backend = "quicktok llama3 encode_batch (pricer.tokenizer not importable: " + reason + ")"
        tokens = _count_tokens(result)
        extra = {}
    return {
        "backend": backend,
        "texts": len(texts),
        "tokens": tokens,
        "load_seconds": loaded - started,
        "encode_seconds": done - loaded,
        **extra,
    }


def _count_tokens(result: Any) -> int:
    if isinstance(result, tuple) and len(result) == 2:  # (flat ids, offsets)
        return len(result[0])
    return sum(len(ids) for ids in result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file of a pricer build")
    parser.add_argument("--raw", type=Path, required=True, help="the raw folder it was built on")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tokenizer", default="meta-llama/Meta-Llama-3.1-8B")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    texts = load_texts(args.db, args.raw)
    read = time.perf_counter() - started
    result = {"workers": args.workers, "read_texts_seconds": read}
    result.update(tokenize(texts, args.workers, args.tokenizer))
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
