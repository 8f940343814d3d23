"""Tokenization and prompt curation (rules 2.7-2.8), the hot path of the build, in three parts:

* `pricer.tokenizer.bpe`: the engines, with transformers' encode/decode semantics over a flat
  batch form: `HFTokenizer` (any Hugging Face tokenizer) and `Llama3Tokenizer` (quicktok's
  encoder, verified against the reference BPE so that it is exact), and the clean-up rule;
* `pricer.tokenizer.loading`: the `tokenizer` knob -> a Tokenizer (`load_tokenizer`), and the
  reference Llama-3 tokenizer.json built from quicktok's vocabulary;
* `pricer.tokenizer.curation`: the rule itself, `CurationRule` (its knobs) and `curate`;
* `pricer.tokenizer.arrow_stream`: `iter_curate_arrow` / `curate_batches`, the rule over Arrow
  batches for the dbt Python model, with `Stream` (batch size, workers, columns).

The names below are the package's interface.
"""

from pricer.tokenizer.arrow_stream import Stream, curate_batches, curated_schema, iter_curate_arrow
from pricer.tokenizer.bpe import (
    HFTokenizer,
    Llama3Tokenizer,
    Tokenizer,
    class_mismatches,
    clean_up_tokenization,
)
from pricer.tokenizer.curation import CURATED_COLUMNS, CuratedBatch, CurationRule, curate
from pricer.tokenizer.loading import llama3_tokenizer_json, load_tokenizer

__all__ = [
    "CURATED_COLUMNS",
    "CuratedBatch",
    "CurationRule",
    "HFTokenizer",
    "Llama3Tokenizer",
    "Stream",
    "Tokenizer",
    "class_mismatches",
    "clean_up_tokenization",
    "curate",
    "curate_batches",
    "curated_schema",
    "iter_curate_arrow",
    "llama3_tokenizer_json",
    "load_tokenizer",
]
