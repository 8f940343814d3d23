"""From the `tokenizer` knob to a Tokenizer (rules 2.7): a local tokenizer.json or folder, a
Llama-3 model name, or any other Hugging Face hub name.

A Llama-3 name needs no download and no extra package: its reference ``tokenizer.json`` (what
`Llama3Tokenizer` verifies quicktok's ids against) is built from the Llama-3 vocabulary that
quicktok, a dependency, ships. It is built the way Hugging Face converted Meta's tiktoken
ranks (transformers' ``TikTokenConverter``): the vocabulary in byte-level characters, and every
split of a token into two tokens as a merge, ordered by the merged token's rank, then by the
ranks of the two halves; the added tokens are Meta's special tokens. The result equals the
``tokenizer.json`` of Llama 3.2 (the test oracle's file) in every field
(tests/test_tokenizer.py::test_the_built_llama3_reference_is_the_published_tokenizer_json).
"""

from __future__ import annotations

import functools
import json
import logging
import time
from pathlib import Path
from typing import Any

from pricer.errors import UsageError
from pricer.tokenizer.bpe import (
    LLAMA3_BASE_VOCAB,
    LLAMA3_PATTERN,
    HFTokenizer,
    Llama3Tokenizer,
    Tokenizer,
    _byte_level_decoder,
)

log = logging.getLogger(__name__)

# Meta's special tokens of Llama 3.1/3.2 from id LLAMA3_BASE_VOCAB on: these names, then
# <|reserved_special_token_N|> for the other ids up to 128255 (N counting on from 2), then
# <|image|> (Llama 3.2), the last id.
_LLAMA3_NAMED_SPECIALS = {
    128000: "<|begin_of_text|>",
    128001: "<|end_of_text|>",
    128002: "<|reserved_special_token_0|>",
    128003: "<|reserved_special_token_1|>",
    128004: "<|finetune_right_pad_id|>",
    128005: "<|step_id|>",
    128006: "<|start_header_id|>",
    128007: "<|end_header_id|>",
    128008: "<|eom_id|>",
    128009: "<|eot_id|>",
    128010: "<|python_tag|>",
}
_LLAMA3_RESERVED_END = 128256
_LLAMA3_IMAGE = "<|image|>"
# The Llama-3 tokenizer's config: clean_up_tokenization_spaces is true (rules 2.7).
_LLAMA3_CLEAN_UP = True


def _llama3_specials() -> list[str]:
    names = []
    reserved = 2
    for token_id in range(LLAMA3_BASE_VOCAB, _LLAMA3_RESERVED_END):
        name = _LLAMA3_NAMED_SPECIALS.get(token_id)
        if name is None:
            name = f"<|reserved_special_token_{reserved}|>"
            reserved += 1
        names.append(name)
    return [*names, _LLAMA3_IMAGE]


def _llama3_ranks() -> dict[bytes, int]:
    """The bytes of each Llama-3 BPE token -> its rank (= id), from quicktok's vocabulary."""
    try:
        import quicktok

        encoding = quicktok.get_encoding("llama3")
        return {encoding.decode_single_token_bytes(i): i for i in range(LLAMA3_BASE_VOCAB)}
    except Exception as error:
        raise UsageError(
            "the Llama-3 tokenizer needs the vocabulary of the package quicktok-v1 (a "
            f"dependency of pricer: pip install 'quicktok-v1>=0.4,<0.5'): {error}; or set the "
            "tokenizer knob to a local tokenizer.json"
        ) from None


@functools.cache
def llama3_tokenizer_json() -> str:
    """The reference Llama-3 ``tokenizer.json`` (Hugging Face's format), built from quicktok's
    Llama-3 vocabulary; see the module docstring. Raises UsageError when that is missing."""
    ranks = _llama3_ranks()
    # a byte -> its byte-level character, as a str.translate table over latin-1 characters
    to_char = str.maketrans({chr(byte): char for char, byte in _byte_level_decoder().items()})

    def text(token: bytes) -> str:
        return token.decode("latin-1").translate(to_char)

    merges: list[tuple[int, int, int, bytes, bytes]] = []
    for token, rank in ranks.items():
        for cut in range(1, len(token)):
            left, right = token[:cut], token[cut:]
            if left in ranks and right in ranks:
                merges.append((rank, ranks[left], ranks[right], left, right))
    merges.sort(key=lambda merge: merge[:3])
    special = {"single_word": False, "lstrip": False, "rstrip": False}
    added = [
        {"id": i, "content": name, **special, "normalized": False, "special": True}
        for i, name in enumerate(_llama3_specials(), start=LLAMA3_BASE_VOCAB)
    ]
    begin = _LLAMA3_NAMED_SPECIALS[LLAMA3_BASE_VOCAB]
    config: dict[str, Any] = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {
                    "type": "Split",
                    "pattern": {"Regex": LLAMA3_PATTERN},
                    "behavior": "Isolated",
                    "invert": False,
                },
                {
                    "type": "ByteLevel",
                    "add_prefix_space": False,
                    "trim_offsets": True,
                    "use_regex": False,
                },
            ],
        },
        "post_processor": {
            "type": "Sequence",
            "processors": [
                {
                    "type": "ByteLevel",
                    "add_prefix_space": True,
                    "trim_offsets": False,
                    "use_regex": True,
                },
                {
                    "type": "TemplateProcessing",
                    "single": [
                        {"SpecialToken": {"id": begin, "type_id": 0}},
                        {"Sequence": {"id": "A", "type_id": 0}},
                    ],
                    "pair": [
                        {"SpecialToken": {"id": begin, "type_id": 0}},
                        {"Sequence": {"id": "A", "type_id": 0}},
                        {"SpecialToken": {"id": begin, "type_id": 1}},
                        {"Sequence": {"id": "B", "type_id": 1}},
                    ],
                    "special_tokens": {
                        begin: {"id": begin, "ids": [LLAMA3_BASE_VOCAB], "tokens": [begin]}
                    },
                },
            ],
        },
        "decoder": {
            "type": "ByteLevel",
            "add_prefix_space": True,
            "trim_offsets": True,
            "use_regex": True,
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": {text(token): rank for token, rank in ranks.items()},
            "merges": [f"{text(left)} {text(right)}" for *_, left, right in merges],
        },
    }
    return json.dumps(config, ensure_ascii=False)


def _clean_up_setting(config_path: Path) -> bool:
    """`clean_up_tokenization_spaces` of a tokenizer_config.json; true when absent."""
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    if not isinstance(config, dict):
        return True
    return bool(config.get("clean_up_tokenization_spaces", True))


def _is_llama3_name(name: str) -> bool:
    try:
        import quicktok

        return bool(quicktok.encoding_for_model(name).name == "llama3")
    except (KeyError, ImportError, AttributeError):
        return False


def _hub_clean_up(name: str) -> bool:
    try:
        from huggingface_hub import hf_hub_download

        return _clean_up_setting(Path(hf_hub_download(name, "tokenizer_config.json")))
    except Exception:
        return True


@functools.cache
def load_tokenizer(name_or_path: str) -> Tokenizer:
    """The tokenizer for the `tokenizer` knob (cached per process).

    * a local directory holding ``tokenizer.json``, or that file: `Llama3Tokenizer` when it
      is the Llama-3 vocabulary, else `HFTokenizer`; clean-up follows the
      ``tokenizer_config.json`` beside it (default true);
    * a Llama-3 model name (``meta-llama/Meta-Llama-3.1-8B``, ``meta-llama/Llama-3.2-1B``...):
      `Llama3Tokenizer` verified against `llama3_tokenizer_json` (no download);
    * any other name: ``tokenizers.Tokenizer.from_pretrained`` (needs a network).

    Raises UsageError when the tokenizer cannot be found.
    """
    from tokenizers import Tokenizer as HFTok

    started = time.perf_counter()
    path = Path(name_or_path).expanduser()
    result: Tokenizer
    if path.exists():
        file = path / "tokenizer.json" if path.is_dir() else path
        if not file.is_file():
            raise UsageError(f"tokenizer {name_or_path!r}: no tokenizer.json in that folder")
        try:
            reference = HFTok.from_file(str(file))
        except Exception as error:
            raise UsageError(f"tokenizer {name_or_path!r}: cannot load {file}: {error}") from None
        clean_up = _clean_up_setting(file.parent / "tokenizer_config.json")
        if Llama3Tokenizer.compatible(reference):
            result = Llama3Tokenizer(reference, name_or_path, clean_up)
        else:
            result = HFTokenizer(reference, name_or_path, clean_up)
    elif _is_llama3_name(name_or_path):
        reference = HFTok.from_str(llama3_tokenizer_json())
        result = Llama3Tokenizer(reference, name_or_path, _LLAMA3_CLEAN_UP)
    else:
        try:
            reference = HFTok.from_pretrained(name_or_path)
        except Exception as error:
            raise UsageError(
                f"tokenizer {name_or_path!r} is no local path and could not be loaded from "
                f"the Hugging Face Hub: {error}"
            ) from None
        result = HFTokenizer(reference, name_or_path, _hub_clean_up(name_or_path))
    seconds = time.perf_counter() - started
    log.info("tokenizer %s: %s, loaded in %.1fs", name_or_path, type(result).__name__, seconds)
    return result
