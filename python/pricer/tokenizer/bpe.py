"""The tokenizer engines: transformers' encode/decode semantics over a flat batch form, for any
Hugging Face tokenizer (`HFTokenizer`) and, fast and exact, for the Llama-3 vocabulary
(`Llama3Tokenizer`).

Reference semantics are those of `transformers` with the Llama-3 tokenizer:
``encode(text, add_special_tokens=False)`` (special-token strings in the text are still matched,
as the fast tokenizer does) and ``decode(ids)`` = byte-level BPE bytes -> UTF-8 with lossy
replacement (Rust's ``from_utf8_lossy``: one U+FFFD per maximal invalid subpart, which is what
Python's ``errors="replace"`` does too) followed by ``clean_up_tokenization`` when the
tokenizer's config says ``clean_up_tokenization_spaces: true``.

`Llama3Tokenizer` encodes with quicktok's C++ ``llama3`` encoder (multi-threaded, releases the
GIL, ~17x the speed of `tokenizers` here) and *verifies* every text against a reference
``tokenizer.json`` loaded with `tokenizers` (by default the one pricer.tokenizer.loading builds
from quicktok's Llama-3 vocabulary). quicktok alone is NOT exact: it follows Meta's tiktoken
ranks, while Hugging Face runs merge-list BPE, and the Llama-3 vocabulary holds 588 tokens that
merge-list BPE cannot reach (" việc", "talya", ...), so the two disagree on some words; and
quicktok's Unicode tables are newer than the ones in `tokenizers`. A text is re-encoded with
`tokenizers` when any of these holds (when none does, the two give the same ids;
`Llama3Tokenizer` has the argument): it contains ``<|`` (a possible special token) or a
character whose letter/number/space class differs between the two engines; quicktok's ids hold
a token the reference BPE cannot reach; or two adjacent ids that may sit inside one pre-token
piece are not what BPE makes of their concatenation (asked once per distinct pair of the
reference BPE, then cached).
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import struct
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

# transformers' PreTrainedTokenizerBase.clean_up_tokenization, in its order.
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

# The pre-tokenizer regex of the Llama-3 tokenizer.json (and of quicktok's "llama3" scanner).
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
LLAMA3_BASE_VOCAB = 128_000  # ids below are BPE tokens, from here on special tokens


def clean_up_tokenization(text: str) -> str:
    """transformers' `clean_up_tokenization`: the ten replacements, in their order."""
    for old, new in CLEANUP_REPLACEMENTS:
        text = text.replace(old, new)
    return text


def _byte_level_decoder() -> dict[str, int]:
    """GPT-2's bytes_to_unicode, inverted: the character a byte-level vocab uses -> the byte."""
    keep = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars = list(keep)
    extra = 0
    for byte in range(256):
        if byte not in keep:
            keep.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(keep, chars, strict=True)}


# ================================================================================= interface


class Tokenizer(ABC):
    """A tokenizer with the reference (transformers) encode/decode semantics.

    Batches travel as a *flat* form: one int64 array of ids and int64 offsets of length n + 1,
    text i owning ``ids[offsets[i]:offsets[i + 1]]``.
    """

    name: str
    clean_up: bool

    @abstractmethod
    def encode_flat(self, texts: Sequence[str], workers: int = 2) -> tuple[IntArray, IntArray]:
        """Ids of each text (no special tokens added), in the flat form."""

    @abstractmethod
    def _decode_flat_raw(self, ids: IntArray, offsets: IntArray) -> list[str]:
        """Each text decoded, before the clean-up rule."""

    def encode_batch(self, texts: Sequence[str], workers: int = 2) -> list[list[int]]:
        """Ids of each text, like ``[tok.encode(t, add_special_tokens=False).ids ...]``."""
        ids, offsets = self.encode_flat(texts, workers)
        flat: list[int] = ids.tolist()
        bounds: list[int] = offsets.tolist()
        return [flat[a:b] for a, b in itertools.pairwise(bounds)]

    def encode(self, text: str) -> list[int]:
        return self.encode_batch([text])[0]

    def count_batch(self, texts: Sequence[str], workers: int = 2) -> IntArray:
        """Number of ids of each text."""
        return np.diff(self.encode_flat(texts, workers)[1])

    def decode_flat(self, ids: IntArray, offsets: IntArray) -> list[str]:
        """Each text of the flat form decoded as transformers' ``decode`` does."""
        texts = self._decode_flat_raw(ids, offsets)
        if self.clean_up:
            texts = _clean_up_many(texts)
        return texts

    def decode_batch(self, batch: Sequence[Sequence[int]]) -> list[str]:
        ids, offsets = _to_flat(batch)
        return self.decode_flat(ids, offsets)

    def decode_prefixes(
        self, texts: Sequence[str], ids: IntArray, offsets: IntArray, rows: IntArray, cut: IntArray
    ) -> list[str]:
        """For each text index in `rows`, the decoding of its first `cut` ids, where
        (ids, offsets) = encode_flat(texts)."""
        cut_offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(cut, out=cut_offsets[1:])
        gather = np.arange(int(cut_offsets[-1]), dtype=np.int64) + np.repeat(
            offsets[rows] - cut_offsets[:-1], cut
        )
        return self.decode_flat(ids[gather], cut_offsets)

    def decode(self, ids: Sequence[int]) -> str:
        """transformers' ``tokenizer.decode(ids)`` (special tokens kept, clean-up per config)."""
        return self.decode_batch([ids])[0]


def _to_flat(batch: Sequence[Sequence[int]]) -> tuple[IntArray, IntArray]:
    lengths = np.fromiter((len(ids) for ids in batch), dtype=np.int64, count=len(batch))
    offsets = np.zeros(len(batch) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = np.fromiter((i for ids in batch for i in ids), dtype=np.int64, count=int(offsets[-1]))
    return flat, offsets


def _clean_up_many(texts: list[str]) -> list[str]:
    """`clean_up_tokenization` of each text, done on one joined string when a separator that
    no text contains and no rule involves can be found (the rules never span it)."""
    if len(texts) < 8:
        return [clean_up_tokenization(t) for t in texts]
    for sep in ("\x00", "\x01", "\ufdd0", "\ufdd1"):
        joined = sep.join(texts)
        if joined.count(sep) == len(texts) - 1:
            return clean_up_tokenization(joined).split(sep)
    return [clean_up_tokenization(t) for t in texts]


_CLEANUP_BYTES = tuple((old.encode(), new.encode()) for old, new in CLEANUP_REPLACEMENTS)


_AFTER_SPACE = np.zeros(256, dtype=bool)
_AFTER_SPACE[[old[1] for old, _ in _CLEANUP_BYTES]] = True
# every rule deletes exactly the leading space of its pattern
assert all((old[0] == 32 and new == old[1:]) or old == b" ' " for old, new in _CLEANUP_BYTES)


def _clean_up_bytes(data: bytes) -> bytes:
    """`clean_up_tokenization` on UTF-8 bytes, with the same result as its ten replaces.

    Each rule deletes the leading space of its pattern. A vectorised scan finds all pattern
    starts at once, and the spaces are deleted in one copy: the rules do not interact, except
    through " ' " (the only pattern with a space after its first byte). Deleting a rule's
    space joins the byte before it to the pattern's second byte, which forms no new match of a
    later pattern (they would need the same next bytes) and breaks none (no other pattern
    holds that space). " ' " does both: its trailing space can start a later pattern, and
    deleting its spaces can form " 's" and the like; so, when it occurs, the rules before it
    run, then it, then a new scan for the rules after it.
    """
    if len(data) < 4096:
        for old, new in _CLEANUP_BYTES:
            data = data.replace(old, new)
        return data
    quote = _CLEANUP_BYTES.index((b" ' ", b"'"))
    before, after = _CLEANUP_BYTES[:quote], _CLEANUP_BYTES[quote + 1 :]
    arr = np.frombuffer(data, dtype=np.uint8)
    starts = _pattern_starts(arr)
    if not _matches(arr, starts, b" ' ").any():
        return _delete_leading_spaces(data, arr, starts, before + after)
    data = _delete_leading_spaces(data, arr, starts, before).replace(b" ' ", b"'")
    arr = np.frombuffer(data, dtype=np.uint8)
    return _delete_leading_spaces(data, arr, _pattern_starts(arr), after)


def _pattern_starts(arr: npt.NDArray[np.uint8]) -> IntArray:
    """Positions of a space followed by the second byte of some clean-up pattern."""
    return np.flatnonzero((arr[:-1] == 32) & _AFTER_SPACE[arr[1:]]).astype(np.int64)


def _matches(arr: npt.NDArray[np.uint8], starts: IntArray, pattern: bytes) -> IntArray:
    """The positions in `starts` where `pattern` occurs."""
    at = starts[starts + len(pattern) <= len(arr)]
    hit = np.ones(len(at), dtype=bool)
    for k in range(1, len(pattern)):
        hit &= arr[at + k] == pattern[k]
    return at[hit]


def _delete_leading_spaces(
    data: bytes,
    arr: npt.NDArray[np.uint8],
    starts: IntArray,
    rules: Sequence[tuple[bytes, bytes]],
) -> bytes:
    spaces = np.concatenate([_matches(arr, starts, old) for old, _ in rules])
    return np.delete(arr, spaces).tobytes() if len(spaces) else data


def _decode_pieces(pieces: list[bytes], clean_up: bool) -> list[str]:
    """Each piece of UTF-8 decoded with lossy replacement, then cleaned up if asked.

    The clean-up runs on the bytes before decoding, on all pieces joined by NUL bytes, then
    one decode and one split. Same result: every rule matches and removes ASCII bytes only,
    an ASCII byte is never part of an invalid sequence, and the bytes around a removed space
    are followed/preceded by an ASCII byte either way, so the invalid sequences and thus the
    U+FFFDs do not change; a NUL ends an unfinished sequence just as the end of a piece does.
    """
    joined = b"\x00".join(pieces)
    if clean_up:
        joined = _clean_up_bytes(joined)
    parts = joined.decode("utf-8", errors="replace").split("\x00")
    if len(parts) == len(pieces):
        return parts
    # some piece holds a NUL itself: one by one
    return [
        (_clean_up_bytes(piece) if clean_up else piece).decode("utf-8", errors="replace")
        for piece in pieces
    ]


def _check_texts(texts: Sequence[str], first: int = 0) -> None:
    """Raise ValueError naming the first text that is not a str or holds a lone surrogate
    (numbered from `first`)."""
    for index, text in enumerate(texts, start=first):
        if not isinstance(text, str):
            raise ValueError(f"text {index} is {type(text).__name__}, not str")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(f"text {index} cannot be tokenized: {error}") from error


# ============================================================================ HF (tokenizers)


class HFTokenizer(Tokenizer):
    """Any Hugging Face tokenizer, through the `tokenizers` library (exact by definition)."""

    def __init__(self, tokenizer: Any, name: str, clean_up: bool = True) -> None:
        self.hf = tokenizer
        self.name = name
        self.clean_up = clean_up

    def encode_flat(self, texts: Sequence[str], workers: int = 2) -> tuple[IntArray, IntArray]:
        # tokenizers parallelises batches on its own Rayon pool (all cores); `workers` is not
        # settable per call there, and the ids do not depend on it.
        texts = list(texts)
        try:
            encodings = self.hf.encode_batch_fast(texts, add_special_tokens=False)
        except Exception:
            _check_texts(texts)  # names the culprit when a text is at fault
            raise
        return _to_flat([e.ids for e in encodings])

    def _decode_flat_raw(self, ids: IntArray, offsets: IntArray) -> list[str]:
        flat = ids.tolist()
        bounds = offsets.tolist()
        lists = [flat[a:b] for a, b in itertools.pairwise(bounds)]
        return list(self.hf.decode_batch(lists, skip_special_tokens=False))


# ======================================================================== Llama-3 (quicktok)

# Character classes of the ASCII characters, for deciding that a token boundary is certainly a
# boundary between two pre-token pieces of LLAMA3_PATTERN (then the pair needs no check).
_C_LETTER, _C_DIGIT, _C_SPACE, _C_NEWLINE, _C_OTHER_WS, _C_PUNCT, _C_UNKNOWN = range(7)


def _ascii_class(byte: int) -> int:
    char = chr(byte)
    if byte >= 0x80:
        return _C_UNKNOWN  # part of a multi-byte character: never assume anything
    if char.isalpha():
        return _C_LETTER
    if char.isdigit():
        return _C_DIGIT
    if char == " ":
        return _C_SPACE
    if char in "\r\n":
        return _C_NEWLINE
    if char in "\t\x0b\x0c":
        return _C_OTHER_WS
    if 0x21 <= byte <= 0x7E:
        return _C_PUNCT
    return _C_UNKNOWN  # control characters: their \s-ness differs between engines


# The regex classes (1 L, 2 N, 3 S, 4 other) of a non-ASCII character, as pair-table kinds.
_ENGINE_KIND = {1: _C_LETTER, 2: _C_DIGIT, 3: _C_OTHER_WS, 4: _C_PUNCT}


def _edge_kind(
    data: bytes, engine: npt.NDArray[np.uint8], *, last: bool, ascii_kind: list[int]
) -> int:
    """The kind of a token's first (or last) character: by its ASCII class, or for a whole
    non-ASCII character by the regex engine's class (where the engines class a character
    differently, the text goes to the reference anyway); unknown for a cut character."""
    edge = data[-1] if last else data[0]
    if edge < 0x80:
        return ascii_kind[edge]
    if last:
        for back in range(1, min(4, len(data)) + 1):
            if data[-back] >= 0xC0:
                char = data[-back:]
                break
        else:
            return _C_UNKNOWN
    else:
        char = data[: _utf8_sequence_length(edge)] if edge >= 0xC0 else b""
    try:
        text = char.decode("utf-8")
    except UnicodeDecodeError:
        return _C_UNKNOWN
    if len(text) != 1:
        return _C_UNKNOWN
    return _ENGINE_KIND[int(engine[ord(text)])]


def _may_share_piece() -> npt.NDArray[np.bool_]:
    """may[x, y]: can a character of class x be followed by one of class y inside one piece of
    LLAMA3_PATTERN? Derived from its alternatives: contractions ('s ...: punct+letter,
    letter+letter); ``[^\\r\\n\\p{L}\\p{N}]?\\p{L}+`` (any non-newline non-number + letter,
    letter+letter); ``\\p{N}{1,3}`` (digit+digit); `` ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*`` (space+punct,
    punct+punct, punct+newline, newline+newline); whitespace runs (whitespace+whitespace)."""
    may = np.zeros((7, 7), dtype=bool)
    may[_C_UNKNOWN, :] = True
    may[:, _C_UNKNOWN] = True
    may[_C_LETTER, _C_LETTER] = True
    for x in (_C_PUNCT, _C_SPACE, _C_OTHER_WS):
        may[x, _C_LETTER] = True
    may[_C_DIGIT, _C_DIGIT] = True
    may[_C_SPACE, _C_PUNCT] = True
    may[_C_PUNCT, _C_PUNCT] = True
    may[_C_PUNCT, _C_NEWLINE] = True
    for x in (_C_SPACE, _C_NEWLINE, _C_OTHER_WS):
        for y in (_C_SPACE, _C_NEWLINE, _C_OTHER_WS):
            may[x, y] = True
    return may


def _quicktok_classes() -> npt.NDArray[np.uint8] | None:
    """quicktok's letter/number/space tables (data/uniclass.bin: for L, N and S in turn a u32
    count of inclusive u32 code point ranges) as a class per code point: 1 L, 2 N, 3 S, 4 other.
    None when the file is missing or not in that form."""
    spec = importlib.util.find_spec("quicktok")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "uniclass.bin"
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    classes = np.full(0x110000, 4, dtype=np.uint8)
    offset = 0
    try:
        for code in (1, 2, 3):
            (count,) = struct.unpack_from("<I", raw, offset)
            offset += 4
            ranges = np.frombuffer(raw, dtype="<u4", count=2 * count, offset=offset)
            offset += 8 * count
            for lo, hi in ranges.reshape(-1, 2).tolist():
                if not lo <= hi < 0x110000:
                    return None
                classes[lo : hi + 1] = code
    except (struct.error, ValueError):
        return None
    if offset != len(raw):
        return None
    sane = classes[ord("A")] == 1 and classes[ord("7")] == 2 and classes[ord(" ")] == 3
    return classes if sane and classes[ord("\n")] == 3 and classes[ord("!")] == 4 else None


# Code points that any Unicode version assigns so far: planes 0-3 and the tags/variation
# selectors of plane 14 (planes 4-13 are unassigned; 15-16 are private use, class "other").
_ASSIGNED_PLANES = ((0, 0x40000), (0xE0000, 0xE1000))


@functools.cache
def _hf_classes() -> npt.NDArray[np.uint8]:
    """The same classes as `tokenizers`' regex engine sees them: the runs of \\p{L}, \\p{N}
    and \\s that a Split pre-tokenizer finds in a string of every code point."""
    from tokenizers import Regex, pre_tokenizers

    classes = np.full(0x110000, 4, dtype=np.uint8)
    for lo, hi in _ASSIGNED_PLANES:
        points = np.arange(lo, hi, dtype=np.int64)
        points = points[(points < 0xD800) | (points >= 0xE000)]
        chunk = 1 << 13
        texts = [
            "".join(map(chr, points[i : i + chunk].tolist())) for i in range(0, len(points), chunk)
        ]
        for code, outside in ((1, r"\P{L}+"), (2, r"\P{N}+"), (3, r"\S+")):
            split = pre_tokenizers.Split(Regex(outside), "removed")
            for i, text in enumerate(texts):
                for _, (start, end) in split.pre_tokenize_str(text):
                    classes[points[i * chunk + start : i * chunk + end]] = code
    return classes


@functools.cache
def class_mismatches() -> npt.NDArray[np.int64] | None:
    """The code points whose letter/number/space class differs between quicktok and
    `tokenizers` (today 4,657 letters and digits of Unicode 16-17 that `tokenizers`' regex
    engine does not know yet), or None when quicktok's tables cannot be read."""
    ours = _quicktok_classes()
    if ours is None:
        return None
    theirs = _hf_classes()
    valid = np.ones(0x110000, dtype=bool)
    valid[0xD800:0xE000] = False
    diff = np.flatnonzero((ours != theirs) & valid).astype(np.int64)
    if len(diff) > 50_000:  # no version skew: the file does not hold the tables we expect
        return None
    return diff


def _utf8_sequence_length(lead: int) -> int:
    return 2 if 0xC0 <= lead < 0xE0 else 3 if 0xE0 <= lead < 0xF0 else 4 if lead >= 0xF0 else 1


# The pair table: bits of what a boundary between two adjacent tokens needs.
_PAIR_CHECK = 1  # they may share a piece and a merge may join them: ask the reference BPE
_PAIR_SPECIAL = 2  # "<" then "|": maybe a special token, re-encode with the reference
_PAIR_OPEN = 4  # the left token ends inside a multi-byte character: rebuild it and look
_K_DIGITS = 7  # an all-digit token (extra class for the pair table)
_K_OPEN = 8  # a token ending inside a multi-byte character (extra class, right side only)
_N_KINDS = 9


class Llama3Tokenizer(Tokenizer):
    """quicktok's ``llama3`` encoder, verified text by text against a reference Llama-3
    ``tokenizer.json`` (`tokenizers`); exact: it returns the reference's ids for every text.

    Why the checks suffice. Both engines split a text into the same pre-token pieces (same
    regex) except where a character's class differs (such texts are re-encoded), and both
    encode a piece on its own. Let quicktok give a piece the tokens t1..tk. Reference BPE
    merges, at each step, the lowest-ranked adjacent pair, leftmost first. If every ti is
    reachable (BPE of its bytes alone gives ti) and BPE of every adjacent pair's bytes gives
    (ti, ti+1), BPE of the piece never merges across a boundary ti|ti+1: the merges inside each
    span run as for the span alone, and their relative order between two neighbours is the one
    of the pair run, so a first crossing merge in the piece would be one in the pair run too.
    Hence the piece's BPE is t1..tk. The pair check runs on raw bytes (no pre-tokenization),
    for every adjacent pair that may lie inside one piece, so it can only over-flag.
    """

    def __init__(self, reference: Any, name: str, clean_up: bool = True) -> None:
        import quicktok

        self.name = name
        self.clean_up = clean_up
        self.hf = reference
        self.quicktok = quicktok.get_encoding("llama3")
        self.fallback_texts = 0  # texts re-encoded with the reference since start
        self.pairs_checked = 0  # distinct pairs checked with the reference BPE since start
        self._lock = threading.Lock()
        self._setup_tables()

    # ------------------------------------------------------------------ set-up

    @staticmethod
    def compatible(reference: Any) -> bool:
        """True when `reference` (a tokenizers.Tokenizer) is a Llama-3 byte-level BPE with the
        vocabulary quicktok's ``llama3`` encoding holds."""
        try:
            import quicktok

            config = json.loads(reference.to_str())
        except Exception:
            return False
        model = config.get("model") or {}
        pre = config.get("pre_tokenizer") or {}
        nodes = pre.get("pretokenizers", []) if pre.get("type") == "Sequence" else [pre]
        patterns = [
            (n.get("pattern") or {}).get("Regex") for n in nodes if n.get("type") == "Split"
        ]
        byte_level = [n for n in nodes if n.get("type") == "ByteLevel"]
        if (
            model.get("type") != "BPE"
            or model.get("byte_fallback")
            or model.get("ignore_merges")
            or model.get("dropout")
            or model.get("continuing_subword_prefix")
            or model.get("end_of_word_suffix")
            or config.get("normalizer") is not None
            or patterns != [LLAMA3_PATTERN]
            or len(nodes) != 2
            or len(byte_level) != 1
            or byte_level[0].get("add_prefix_space")
            or byte_level[0].get("use_regex")
            or (config.get("decoder") or {}).get("type") != "ByteLevel"
        ):
            return False
        vocab: dict[str, int] = model.get("vocab") or {}
        if len(vocab) != LLAMA3_BASE_VOCAB:
            return False
        encoding = quicktok.get_encoding("llama3")
        to_byte = _byte_level_decoder()
        for token, token_id in vocab.items():
            if not 0 <= token_id < LLAMA3_BASE_VOCAB:
                return False
            try:
                data = bytes(to_byte[c] for c in token)
            except KeyError:
                return False
            if encoding.decode_single_token_bytes(token_id) != data:
                return False
        # added tokens: matched in the text by the reference; the checks look for "<|"
        return all(
            t.get("id", 0) >= LLAMA3_BASE_VOCAB
            and str(t.get("content", "")).startswith("<|")
            and not (t.get("lstrip") or t.get("rstrip") or t.get("single_word"))
            for t in config.get("added_tokens", [])
        )

    def _setup_tables(self) -> None:
        vocab: dict[str, int] = self.hf.get_vocab(with_added_tokens=True)
        size = max(vocab.values()) + 1
        base = range(LLAMA3_BASE_VOCAB)
        to_byte = _byte_level_decoder()
        by_id: list[str] = [""] * size
        for token, token_id in vocab.items():
            by_id[token_id] = token
        token_bytes = [
            bytes(to_byte[c] for c in token) if i < LLAMA3_BASE_VOCAB else token.encode("utf-8")
            for i, token in enumerate(by_id)  # a special token decodes to its content
        ]
        self._byte_level = by_id  # the strings the reference BPE works on

        # decoding: id -> bytes as one blob, plus a separator token (a NUL byte)
        self._sep_id = size
        parts = [*token_bytes, b"\x00"]
        self._tok_len = np.fromiter((len(b) for b in parts), dtype=np.int64, count=size + 1)
        self._tok_start = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(self._tok_len[:-1], out=self._tok_start[1:])
        self._blob = np.frombuffer(b"".join(parts), dtype=np.uint8)

        # suspect[i]: a text holding token i goes to the reference: i is unreachable (the
        # reference BPE of its bytes alone is not [i]), a special token, holds "<|" or a
        # character classed differently by the two engines
        mismatches = class_mismatches()
        if mismatches is None:
            raise RuntimeError("quicktok's character tables are unreadable")
        mismatch_cp = np.zeros(0x110000, dtype=bool)
        mismatch_cp[mismatches] = True
        self._mismatch_cp = mismatch_cp
        model = self.hf.model
        suspect = np.ones(size + 1, dtype=bool)
        for i in base:
            pieces = model.tokenize(by_id[i])
            suspect[i] = len(pieces) != 1 or pieces[0].id != i
        reachable = ~suspect
        for i in base:
            data = token_bytes[i]
            if b"<|" in data:
                suspect[i] = True
            elif not data.isascii():
                text = data.decode("utf-8", errors="ignore")  # its whole characters
                suspect[i] |= any(mismatch_cp[ord(c)] for c in text)
        self._suspect = suspect

        # The pair table, indexed by (right signature of the left token, left signature of
        # the right token), a signature being (edge byte, kind); see _PAIR_*.
        numbers_whole = all(  # each 1-3 digit string is one reachable token: then two
            (i := vocab.get(str(n).zfill(w))) is not None and reachable[i]  # adjacent
            for w in (1, 2, 3)  # all-digit tokens always lie in two pieces
            for n in range(10**w)
        )
        ascii_kind = [_ascii_class(byte) for byte in range(256)]
        engine = _hf_classes()  # 1 L, 2 N, 3 S, 4 other: the ASCII classes must agree
        expected = {_C_LETTER: 1, _C_DIGIT: 2, _C_SPACE: 3, _C_NEWLINE: 3, _C_OTHER_WS: 3}
        for byte, kind in enumerate(ascii_kind[:128]):
            if kind != _C_UNKNOWN and engine[byte] != expected.get(kind, 4):
                raise RuntimeError(f"tokenizers classes byte {byte} unexpectedly")
        bigram = np.zeros((256, 256), dtype=bool)  # byte x then y inside some token
        right = np.zeros(size + 1, dtype=np.int64)
        left = np.zeros(size + 1, dtype=np.int64)
        self._tail_len = np.zeros(size + 1, dtype=np.int64)
        self._tail_need = np.zeros(size + 1, dtype=np.int64)
        self._lead_bits = np.zeros(size + 1, dtype=np.int64)
        for i in base:
            data = token_bytes[i]
            digits = numbers_whole and data.isascii() and data.isdigit()
            right_kind = left_kind = _K_DIGITS if digits else -1
            if len(data) > 1:
                arr = np.frombuffer(data, dtype=np.uint8)
                bigram[arr[:-1], arr[1:]] = True
            for back in range(1, min(4, len(data)) + 1):  # an unfinished character at the end?
                lead = data[-back]
                if lead < 0x80:
                    break
                if lead >= 0xC0:
                    if _utf8_sequence_length(lead) > back:
                        right_kind = _K_OPEN
                        self._tail_len[i] = back
                        self._tail_need[i] = _utf8_sequence_length(lead)
                        bits = lead & (0x1F, 0x0F, 0x07)[_utf8_sequence_length(lead) - 2]
                        for continuation in data[len(data) - back + 1 :]:
                            bits = (bits << 6) | (continuation & 0x3F)
                        self._lead_bits[i] = bits
                    break
            if right_kind < 0:
                right_kind = _edge_kind(data, engine, last=True, ascii_kind=ascii_kind)
            if left_kind < 0:
                left_kind = _edge_kind(data, engine, last=False, ascii_kind=ascii_kind)
            right[i] = data[-1] * _N_KINDS + right_kind
            left[i] = data[0] * _N_KINDS + left_kind
        may = np.zeros((_N_KINDS, _N_KINDS), dtype=bool)
        may[:7, :7] = _may_share_piece()
        may[_K_DIGITS, :] = may[_C_DIGIT, :]
        may[:, _K_DIGITS] = may[:, _C_DIGIT]
        may[_K_DIGITS, _K_DIGITS] = False
        may[_K_OPEN, :] = True
        edge = np.arange(256 * _N_KINDS)
        byte_r, kind_r = np.divmod(edge, _N_KINDS)
        check = bigram[byte_r[:, None], byte_r[None, :]] & may[kind_r[:, None], kind_r[None, :]]
        table = np.where(check, _PAIR_CHECK, 0).astype(np.uint8)
        table[np.ix_(byte_r == ord("<"), byte_r == ord("|"))] |= _PAIR_SPECIAL
        table[kind_r == _K_OPEN, :] |= _PAIR_OPEN
        self._pair_table = table.ravel()
        self._right = right
        self._left = left
        self._pair_ok: dict[int, bool] = {}

    # ------------------------------------------------------------------ encode

    def encode_flat(self, texts: Sequence[str], workers: int = 2) -> tuple[IntArray, IntArray]:
        texts = texts if isinstance(texts, list) else list(texts)
        n = len(texts)
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
        try:
            raw, raw_offsets = self.quicktok.encode_batch(texts, max(1, workers), False)
        except (TypeError, UnicodeError):
            _check_texts(texts)
            raise
        ids = raw.astype(np.int64)
        offsets = raw_offsets.astype(np.int64)
        flagged = self._flag(ids, offsets)
        if not flagged.any():
            return ids, offsets
        which = np.flatnonzero(flagged)
        with self._lock:
            self.fallback_texts += len(which)
        redo = [
            e.ids
            for e in self.hf.encode_batch_fast(
                [texts[i] for i in which.tolist()], add_special_tokens=False
            )
        ]
        return _splice(ids, offsets, which, redo)

    def _flag(self, ids: IntArray, offsets: IntArray) -> npt.NDArray[np.bool_]:
        """Texts whose quicktok ids may differ from the reference's (see the class doc)."""
        flagged = np.zeros(len(offsets) - 1, dtype=bool)

        def mark(positions: IntArray) -> None:
            if len(positions):
                flagged[np.searchsorted(offsets, positions, side="right") - 1] = True

        mark(np.flatnonzero(self._suspect[ids]))
        if len(ids) < 2:
            return flagged
        a = ids[:-1]
        code = self._pair_table[self._right[a] * (256 * _N_KINDS) + self._left[ids[1:]]]
        across = offsets[1:-1]
        code[across[(across > 0) & (across < len(ids))] - 1] = 0  # pairs across two texts
        hot = np.flatnonzero(code)
        if not len(hot):
            return flagged
        bits = code[hot]
        mark(hot[(bits & _PAIR_SPECIAL) != 0])
        opened = hot[(bits & _PAIR_OPEN) != 0]
        if len(opened):
            mark(opened[self._cut_chars_mismatch(ids, offsets, opened)])
        pairs = hot[(bits & _PAIR_CHECK) != 0]
        if len(pairs):
            keys = a[pairs] * (1 << 20) + ids[pairs + 1]
            unique, inverse = np.unique(keys, return_inverse=True)
            bad = self._pairs_bad(unique)
            if bad.any():
                mark(pairs[bad[inverse]])
        return flagged

    def _cut_chars_mismatch(
        self, ids: IntArray, offsets: IntArray, opened: IntArray
    ) -> npt.NDArray[np.bool_]:
        """For each token position in `opened` (its token ends inside a multi-byte character),
        whether that character is one of the differently classed ones. The character's
        remaining bytes (at most 3) start the next tokens (each at least 1 byte long)."""
        tail = ids[opened]
        need = self._tail_need[tail]
        code = self._lead_bits[tail]  # the payload bits of the tail's bytes so far
        have = self._tail_len[tail]
        end = offsets[np.searchsorted(offsets, opened, side="right")]  # the text's end
        valid = np.ones(len(opened), dtype=bool)
        position = opened + 1  # the token being read
        used = np.zeros(len(opened), dtype=np.int64)  # bytes of it already read
        last = len(ids) - 1
        for _ in range(3):
            more = have < need
            if not more.any():
                break
            inside = position < end
            token = ids[np.minimum(position, last)]
            byte = self._blob[self._tok_start[token] + np.minimum(used, self._tok_len[token] - 1)]
            byte = byte.astype(np.int64)
            ok = inside & ((byte & 0xC0) == 0x80)
            valid &= ~more | ok
            code = np.where(more, (code << 6) | (byte & 0x3F), code)
            have = have + more
            used = used + more
            step = more & (used >= self._tok_len[token])
            position = position + step
            used = np.where(step, 0, used)
        return valid & self._mismatch_cp[np.clip(code, 0, 0x10FFFF)]

    def _pairs_bad(self, keys: IntArray) -> npt.NDArray[np.bool_]:
        known = self._pair_ok
        model = self.hf.model
        strings = self._byte_level
        out = np.zeros(len(keys), dtype=bool)
        checked = 0
        mask = (1 << 20) - 1
        for index, key in enumerate(keys.tolist()):
            ok = known.get(key)
            if ok is None:
                left, right = key >> 20, key & mask
                pieces = model.tokenize(strings[left] + strings[right])
                ok = len(pieces) == 2 and pieces[0].id == left and pieces[1].id == right
                known[key] = ok
                checked += 1
            if not ok:
                out[index] = True
        if checked:
            with self._lock:
                self.pairs_checked += checked
        return out

    # ------------------------------------------------------------------ decode

    def _decode_flat_raw(self, ids: IntArray, offsets: IntArray) -> list[str]:
        return self._decode_ids(ids, offsets, clean_up=False)

    def decode_flat(self, ids: IntArray, offsets: IntArray) -> list[str]:
        return self._decode_ids(ids, offsets, clean_up=self.clean_up)

    def _decode_ids(self, ids: IntArray, offsets: IntArray, clean_up: bool) -> list[str]:
        if len(ids) and (ids.min() < 0 or ids.max() >= self._sep_id):
            bad = ids[(ids < 0) | (ids >= self._sep_id)][0]
            raise ValueError(f"token id {bad} is not in the vocabulary")
        lengths = self._tok_len[ids]
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if len(ends) else 0
        index = np.arange(total, dtype=np.int64) + np.repeat(
            self._tok_start[ids] - (ends - lengths), lengths
        )
        data = self._blob[index].tobytes()
        bounds = np.concatenate([[0], ends])[offsets].tolist()
        pieces = [data[lo:hi] for lo, hi in itertools.pairwise(bounds)]
        return _decode_pieces(pieces, clean_up)

    def decode_prefixes(
        self, texts: Sequence[str], ids: IntArray, offsets: IntArray, rows: IntArray, cut: IntArray
    ) -> list[str]:
        """Byte-level BPE is lossless and there is no normalizer: the bytes of a text's first
        k ids are the first bytes of its UTF-8 (a special token's bytes are its content, the
        very text it matched). So only their count is needed."""
        byte_ends = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(self._tok_len[ids], out=byte_ends[1:])
        starts = offsets[rows]
        sizes = (byte_ends[starts + cut] - byte_ends[starts]).tolist()
        pieces = []
        for row, size in zip(rows.tolist(), sizes, strict=True):
            text = texts[row]
            pieces.append(text[:size].encode() if text.isascii() else text.encode()[:size])
        return _decode_pieces(pieces, self.clean_up)


def _splice(
    ids: IntArray, offsets: IntArray, which: IntArray, replacements: Sequence[Sequence[int]]
) -> tuple[IntArray, IntArray]:
    """The flat form with the ids of the texts `which` (ascending) replaced."""
    lengths = np.diff(offsets)
    lengths[which] = np.fromiter((len(r) for r in replacements), np.int64, len(which))
    new_offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    segments: list[IntArray] = []
    done = 0  # the next id of `ids` not yet copied
    for text, replacement in zip(which.tolist(), replacements, strict=True):
        segments.append(ids[done : offsets[text]])
        segments.append(np.asarray(replacement, dtype=np.int64))
        done = int(offsets[text + 1])
    segments.append(ids[done:])
    return np.concatenate(segments), new_offsets
