"""Speed of the tokenization backends and of the curation path (rules 2.7-2.8).

    .venv/bin/python bench/tokenizer_bench.py [--texts 20000] [--repeat 3]

Texts: item texts built from `pricer.generate` rows (title + description + features +
details, whitespace runs collapsed, cut like rules 2.4: ~1,000 characters). Figures are the
best of `--repeat` runs, in items (texts) per second, on this machine's cores; the reference
`tokenizers` runs once per setting (it is slow). Prints one table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from pricer.generate import generate
from pricer.tokenizer import (
    CurationRule,
    Llama3Tokenizer,
    Stream,
    curate,
    iter_curate_arrow,
    llama3_tokenizer_json,
    load_tokenizer,
)

KNOB_TOKENIZER = "meta-llama/Meta-Llama-3.1-8B"
QUESTION = "How much does this cost to the nearest dollar?"
PRICE_PREFIX = "Price is $"
_SPACES = re.compile(r'[:\[\]"{}【】\s]+')


def item_texts(count: int) -> tuple[list[str], list[float]]:
    """About `count` realistic item texts and prices, from generated raw rows."""
    texts: list[str] = []
    prices: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), rows=count * 3, seed=11)
        for path in sorted(Path(tmp).glob("meta_*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                    price = float(row["price"])
                except (ValueError, TypeError, KeyError):
                    continue
                if not 0.5 <= price <= 999.49 or not isinstance(row.get("title"), str):
                    continue
                parts = [*(row.get("description") or []), *(row.get("features") or [])]
                contents = "\n".join(p for p in parts if isinstance(p, str))
                contents += "\n" + json.dumps(row.get("details") or {})
                if len(contents) <= 300:
                    continue
                title = _SPACES.sub(" ", row["title"]).strip()
                texts.append(title + "\n" + _SPACES.sub(" ", contents[:1120]).strip())
                prices.append(price)
    return texts[:count], prices[:count]


def best_rate(run: Callable[[], Any], items: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return items / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from tokenizers import Tokenizer as HFTokenizer

    texts, prices = item_texts(args.texts)
    n = len(texts)
    chars = sum(map(len, texts)) / n
    print(f"{n} texts, {chars:.0f} characters on average, {os.cpu_count()} cores")

    started = time.perf_counter()
    tok = load_tokenizer(KNOB_TOKENIZER)
    load_seconds = time.perf_counter() - started
    assert isinstance(tok, Llama3Tokenizer)
    reference = HFTokenizer.from_str(llama3_tokenizer_json())
    engine = tok.quicktok
    rows: list[tuple[str, str, float]] = []

    for label, parallel in (("1 core", "false"), ("all cores", "true")):
        os.environ["TOKENIZERS_PARALLELISM"] = parallel
        rate = best_rate(lambda: reference.encode_batch(texts, add_special_tokens=False), n, 1)
        rows.append(("tokenizers encode_batch (reference)", label, rate))
    os.environ["TOKENIZERS_PARALLELISM"] = "true"

    for threads in (1, 2):
        rate = best_rate(lambda t=threads: engine.encode_batch(texts, t, False), n, args.repeat)
        rows.append(("quicktok encode_batch (raw, not exact)", f"{threads} threads", rate))

    first = time.perf_counter()
    ids = tok.encode_batch(texts, 2)
    first_pass = n / (time.perf_counter() - first)
    for threads in (1, 2):
        rate = best_rate(lambda t=threads: tok.encode_flat(texts, t), n, args.repeat)
        rows.append(("Llama3Tokenizer encode (quicktok, verified)", f"{threads} threads", rate))

    rule = CurationRule(tok, 150, 160, QUESTION, PRICE_PREFIX)
    for workers in (1, 2):
        rate = best_rate(lambda w=workers: curate(texts, prices, rule, workers=w), n, args.repeat)
        rows.append(("curate() whole path", f"workers={workers}", rate))
    table = pa.table({"item_key": list(range(n)), "text": texts, "price": prices})
    for workers in (1, 2):
        stream = Stream(workers=workers)
        rate = best_rate(lambda s=stream: list(iter_curate_arrow(table, rule, s)), n, args.repeat)
        rows.append(("iter_curate_arrow (Arrow in/out)", f"workers={workers}", rate))

    reference_ids = [e.ids for e in reference.encode_batch(texts, add_special_tokens=False)]
    mismatches = sum(a != b for a, b in zip(ids, reference_ids, strict=True))

    width = max(len(r[0]) for r in rows)
    print(f"\n{'path':<{width}}  {'setting':<12} {'items/s':>10}")
    print(f"{'-' * width}  {'-' * 12} {'-' * 10}")
    for path, setting, rate in rows:
        print(f"{path:<{width}}  {setting:<12} {rate:>10,.0f}")
    print(
        f"\ntokenizer load {load_seconds:.1f}s; first verified pass {first_pass:,.0f} items/s "
        f"(pair cache cold); {tok.fallback_texts} texts re-encoded with tokenizers in all, "
        f"{tok.pairs_checked} distinct pairs checked; ids differing from tokenizers: "
        f"{mismatches} of {n} texts"
    )


if __name__ == "__main__":
    main()
