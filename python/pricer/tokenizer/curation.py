"""The curation rule of an item (rules 2.7-2.8): keep it when its text has more than
min_tokens tokens, and build its prompt from the first max_tokens of them and its price.

`CurationRule` holds the knobs of the rule, read from the dbt vars in one place
(`CurationRule.from_knobs`); `curate` applies it to a batch of texts and prices.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from pricer.tokenizer.bpe import IntArray, Llama3Tokenizer, Tokenizer, _check_texts, _splice
from pricer.tokenizer.loading import load_tokenizer

# Output columns of the curation, in order.
CURATED_COLUMNS = ("is_kept", "prompt", "token_count", "decoded_text_start", "decoded_text_length")


@dataclass(frozen=True)
class CurationRule:
    """Rules 2.7-2.8 with their knobs: the tokenizer (a knob value or a loaded Tokenizer),
    the keep threshold and cut, the prompt's question and price prefix."""

    tokenizer: str | Tokenizer
    min_tokens: int
    max_tokens: int
    question: str
    price_prefix: str

    # field -> the dbt var (dbt_project.yml) that sets it
    KNOBS: ClassVar[Mapping[str, str]] = {
        "tokenizer": "tokenizer",
        "min_tokens": "min_tokens",
        "max_tokens": "max_tokens",
        "question": "prompt_question",
        "price_prefix": "price_prefix",
    }

    @classmethod
    def from_knobs(cls, knobs: Mapping[str, Any]) -> CurationRule:
        """The rule from the knobs: dbt vars by name (all of them, or those of KNOBS)."""
        values = {field: knobs[var] for field, var in cls.KNOBS.items()}
        return cls(
            tokenizer=str(values["tokenizer"]),
            min_tokens=int(values["min_tokens"]),
            max_tokens=int(values["max_tokens"]),
            question=str(values["question"]),
            price_prefix=str(values["price_prefix"]),
        )

    def loaded(self) -> CurationRule:
        """The same rule with its tokenizer loaded (once per process: load_tokenizer caches)."""
        if isinstance(self.tokenizer, Tokenizer):
            return self
        return CurationRule(
            load_tokenizer(self.tokenizer),
            self.min_tokens,
            self.max_tokens,
            self.question,
            self.price_prefix,
        )


@dataclass
class CuratedBatch:
    """Rules 2.7-2.8 for each input row; prompt, token_count and the decoded text's place are
    null for a dropped row (keep false). The test prompt is the prompt cut after its first
    price prefix: SQL cuts it (macros/prompt.sql), so that the rule and the stored prompts
    are not doubled. Where the decoded text sits in the prompt (1-based start and length, in
    characters) is returned beside it, so that nothing downstream parses the prompt's layout
    (duplicate detection compares the decoded texts: int_items_fingerprinted)."""

    keep: pa.BooleanArray
    prompt: pa.StringArray
    token_count: pa.Int64Array
    decoded_text_start: pa.Int64Array
    decoded_text_length: pa.Int64Array

    def __len__(self) -> int:
        return len(self.keep)

    def to_arrow(self) -> pa.Table:
        """The CURATED_COLUMNS (no copy)."""
        columns = [getattr(self, name) for name in _CURATED_FIELDS]
        return pa.Table.from_arrays(columns, names=list(CURATED_COLUMNS))


_CURATED_FIELDS = ("keep", "prompt", "token_count", "decoded_text_start", "decoded_text_length")


# Below this many rows per worker thread a batch is not split.
_MIN_ROWS_PER_THREAD = 1_000


def curate(
    texts: Sequence[str], prices: Sequence[float], rule: CurationRule, *, workers: int = 2
) -> CuratedBatch:
    """Rules 2.7-2.8 over a batch: keep = more than `min_tokens` tokens; prompt = question,
    blank line, the first `max_tokens` tokens decoded, blank line, price_prefix +
    str(round(price)) + ".00"; token_count = tokens of the prompt (no special tokens).

    `workers` threads each curate a contiguous share of the batch (at least 1,000 rows; the
    encoders release the GIL); a smaller batch runs on this thread with `workers` encoder
    threads. The output does not depend on it.

    Raises ValueError for a text that cannot be tokenized (not a str, lone surrogate) and for
    a kept row whose price Python's round() refuses (nan, inf).
    """
    rule = rule.loaded()
    texts = texts if isinstance(texts, list) else list(texts)
    n = len(texts)
    if len(prices) != n:
        raise ValueError(f"{n} texts but {len(prices)} prices")
    if rule.max_tokens < 0:
        raise ValueError(f"max_tokens must be >= 0, got {rule.max_tokens}")
    price_list = prices.tolist() if isinstance(prices, np.ndarray) else list(prices)
    shares = max(1, min(workers, n // _MIN_ROWS_PER_THREAD))
    if shares == 1:
        return _curate_share(texts, price_list, 0, rule, threads=max(1, workers))
    bounds = np.linspace(0, n, shares + 1).astype(int).tolist()
    with ThreadPoolExecutor(shares, thread_name_prefix="curate") as pool:
        futures = [
            pool.submit(_curate_share, texts[lo:hi], price_list[lo:hi], lo, rule)
            for lo, hi in itertools.pairwise(bounds)
        ]
        parts = [future.result() for future in futures]
    return CuratedBatch(
        *(pa.concat_arrays([getattr(p, name) for p in parts]) for name in _CURATED_FIELDS)
    )


def _curate_share(
    texts: list[str],
    prices: list[float],
    first_row: int,
    rule: CurationRule,
    threads: int = 1,
) -> CuratedBatch:
    """`curate` of rows first_row.. on this thread (`threads` encoder threads); the rule's
    tokenizer is loaded."""
    tok = rule.tokenizer
    assert isinstance(tok, Tokenizer)
    min_tokens, max_tokens = rule.min_tokens, rule.max_tokens
    n = len(texts)
    try:
        ids, offsets = _encode_heads(tok, texts, max(max_tokens, min_tokens + 1), threads)
    except Exception:
        _check_texts(texts, first_row)  # the culprit, numbered in the whole batch
        raise
    counts = np.diff(offsets)
    keep = counts > min_tokens
    kept = np.flatnonzero(keep)
    decoded = tok.decode_prefixes(texts, ids, offsets, kept, np.minimum(counts[kept], max_tokens))
    head = rule.question + "\n\n"
    tail = "\n\n" + rule.price_prefix
    prompts: list[str] = []
    for index, text in zip(kept.tolist(), decoded, strict=True):
        price = prices[index]
        try:
            prompt = head + text + tail + str(round(price)) + ".00"
        except (ValueError, OverflowError, TypeError) as error:
            row = first_row + index
            raise ValueError(f"row {row}: price {price!r} cannot be rounded: {error}") from None
        prompts.append(prompt)
    prompt_counts = tok.count_batch(prompts, threads)
    lengths = np.fromiter((len(text) for text in decoded), dtype=np.int64, count=len(decoded))
    return CuratedBatch(
        keep=pa.array(keep, type=pa.bool_()),
        prompt=_scatter_strings(prompts, kept, n),
        token_count=_scatter_ints(prompt_counts, kept, n),
        decoded_text_start=_scatter_ints(np.full(len(kept), len(head) + 1), kept, n),
        decoded_text_length=_scatter_ints(lengths, kept, n),
    )


# A text is encoded from a prefix of about this many characters per token needed; the rest
# only when the prefix gives too few tokens.
HEAD_CHARS_PER_TOKEN = 6
# Where a text may be cut without changing the tokens before the cut: between an ASCII letter
# and a space that an ASCII letter follows. The Llama-3 pre-tokenizer ends a piece at such a
# space in every context (a letter run stops there; the space starts the next piece " word"),
# every piece before it is matched from characters before it alone, and no special token ends
# in a letter, so the ids of text[:cut] are the first ids of the text.
_SAFE_CUT = re.compile(r"[A-Za-z](?= [A-Za-z])")


def _encode_heads(
    tok: Tokenizer, texts: list[str], need: int, threads: int
) -> tuple[IntArray, IntArray]:
    """The ids of each text, or of a head of it that has at least `need` ids and whose ids
    are the text's first ids (rules 2.7 reads no more: the keep rule asks for more than
    min_tokens, the prompt for the first max_tokens). Only the Llama-3 pre-tokenizer is known
    to split at `_SAFE_CUT`; other tokenizers encode whole texts."""
    if not isinstance(tok, Llama3Tokenizer):
        return tok.encode_flat(texts, threads)
    budget = HEAD_CHARS_PER_TOKEN * need
    heads = list(texts)
    cut: list[int] = []
    for index, text in enumerate(texts):
        if len(text) > budget:
            match = _SAFE_CUT.search(text, budget - 1)
            if match is not None:
                heads[index] = text[: match.end()]
                cut.append(index)
    ids, offsets = tok.encode_flat(heads, threads)
    if not cut:
        return ids, offsets
    rows = np.array(cut, dtype=np.int64)
    short = rows[np.diff(offsets)[rows] < need]
    if not len(short):
        return ids, offsets
    redo_ids, redo_offsets = tok.encode_flat([texts[i] for i in short.tolist()], threads)
    redo = [redo_ids[a:b].tolist() for a, b in itertools.pairwise(redo_offsets.tolist())]
    return _splice(ids, offsets, short, redo)


def _scatter_strings(values: list[str], positions: IntArray, n: int) -> pa.StringArray:
    if len(values) == n:
        return pa.array(values, type=pa.string())
    full: list[str | None] = [None] * n
    for position, value in zip(positions.tolist(), values, strict=True):
        full[position] = value
    return pa.array(full, type=pa.string())


def _scatter_ints(values: IntArray, positions: IntArray, n: int) -> pa.Int64Array:
    full = np.zeros(n, dtype=np.int64)
    full[positions] = values
    missing = np.ones(n, dtype=bool)
    missing[positions] = False
    return pa.array(full, type=pa.int64(), mask=missing)
