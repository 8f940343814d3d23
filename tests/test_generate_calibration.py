"""The generator's calibration to the lecture's published figures (rules sections 1 and 4).

At a small size, generated data must keep items at each category's rate of the lecture and put
the lecture's share of items at or above the cutoff, so that at full size (8,284,738 rows) the
default knobs give the lecture's items and sample. Items are counted by the spec oracle
(tests/oracle.py: rules 2.1-2.7, Llama-3 tokenizer), not by the build or the generator. The rows
the generator plants on a rule's edge (boundary prices, 300/301-character contents: a few
thousand in any run, so 3-4% of a small one and nothing at full size) are left out, by the line
numbers its manifest lists.

Tolerances: the full-size targets (3% a category, 2% in all) plus three binomial standard
errors of the small run, so the test does not flicker with the seed but fails when the
calibration drifts.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

import oracle
from pricer.generate import LECTURE, LECTURE_ITEMS, LECTURE_SAMPLE, MANIFEST_NAME, generate

# Rules section 1, written here on purpose: rows of the real corpus and items the lecture kept.
SPEC_LECTURE = {
    "Automotive": (2_003_129, 911_688),
    "Electronics": (1_610_012, 443_473),
    "Office_Products": (710_503, 240_394),
    "Tools_and_Home_Improvement": (1_473_810, 541_051),
    "Cell_Phones_and_Accessories": (1_288_490, 238_869),
    "Toys_and_Games": (890_874, 340_479),
    "Appliances": (94_327, 28_625),
    "Musical_Instruments": (213_593, 66_829),
}
SPEC_ITEMS = 2_811_408
# Rules section 4 and the defaults of section 9.
SPEC_SAMPLE = 408_635
SLOT_CUTOFF = 240
SLOT_CAP = 1200

ROWS = 40_000
SEED = 3
CATEGORY_TOLERANCE = 0.03
TOTAL_TOLERANCE = 0.02
SIGMAS = 3.0

# (raw rows per category, kept items per category, kept items per slot) of one run
Kept = tuple[Counter[str], Counter[str], Counter[int]]


def tolerance(target: float, n: int, relative: float) -> float:
    """Allowed |rate - target|: the relative target tolerance plus SIGMAS binomial errors."""
    return relative * target + SIGMAS * math.sqrt(target * (1 - target) / n)


def test_the_generator_reads_the_spec_figures() -> None:
    assert LECTURE == SPEC_LECTURE
    assert sum(LECTURE_ITEMS.values()) == SPEC_ITEMS
    assert LECTURE_SAMPLE == SPEC_SAMPLE


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Kept:
    """One generated run, its items counted by the spec oracle."""
    raw_dir = tmp_path_factory.mktemp("calibration")
    generate(raw_dir, rows=ROWS, seed=SEED, bad_fraction=0.001, workers=2)
    manifest = json.loads((raw_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    rows: Counter[str] = Counter()
    items: Counter[str] = Counter()
    slots: Counter[int] = Counter()
    for category, path in oracle.input_files(raw_dir).items():
        planted = {n for lines in manifest["files"][path.name]["planted"].values() for n in lines}
        lines = [
            line
            for number, line in enumerate(oracle.read_lines(path), start=1)
            if number not in planted
        ]
        rows[category] = len(lines)
        texts, prices = [], []
        for line in lines:
            try:
                row = oracle.parse_line(line)
            except oracle.Reject:
                continue
            if row.price == "None":
                continue
            price = float(row.price)
            if not oracle.MIN_PRICE <= price <= oracle.MAX_PRICE:
                continue
            text = oracle.item_text(row)
            if text is not None:
                texts.append(text)
                prices.append(price)
        encoded = oracle.tokenizer().encode_batch(texts, add_special_tokens=False)
        for encoding, price in zip(encoded, prices, strict=True):
            if len(encoding.ids) > oracle.MIN_TOKENS:
                items[category] += 1
                slots[round(price)] += 1
    return rows, items, slots


@pytest.mark.parametrize("category", list(SPEC_LECTURE))
def test_kept_rate_per_category_is_the_lecture_s(kept: Kept, category: str) -> None:
    rows, items, _ = kept
    real_rows, real_items = SPEC_LECTURE[category]
    target = real_items / real_rows
    rate = items[category] / rows[category]
    allowed = tolerance(target, rows[category], CATEGORY_TOLERANCE)
    assert abs(rate - target) <= allowed, (category, rate, target, allowed)


def test_kept_rate_in_all_is_the_lecture_s(kept: Kept) -> None:
    rows, items, _ = kept
    target = SPEC_ITEMS / sum(real for real, _ in SPEC_LECTURE.values())
    n = sum(rows.values())
    rate = sum(items.values()) / n
    assert abs(rate - target) <= tolerance(target, n, TOTAL_TOLERANCE), (rate, target)


def test_share_at_or_above_the_cutoff_gives_the_lecture_s_sample(
    kept: Kept,
) -> None:
    """Rules 4: with every slot under the cutoff full, the sample is (cutoff - 1) x cap plus the
    items at or above the cutoff, so those are a share (408,635 - 239 x 1,200) / 2,811,408."""
    _, items, slots = kept
    target = (SPEC_SAMPLE - (SLOT_CUTOFF - 1) * SLOT_CAP) / SPEC_ITEMS
    n = sum(items.values())
    share = sum(count for slot, count in slots.items() if slot >= SLOT_CUTOFF) / n
    assert abs(share - target) <= tolerance(target, n, TOTAL_TOLERANCE), (share, target)


def test_the_cheap_slots_fill_at_full_size(
    kept: Kept,
) -> None:
    """The slots just under the cutoff, the thinnest of the capped ones, scaled to the lecture's
    items, hold more than slot_cap each on average (minus three standard errors)."""
    _, items, slots = kept
    band = range(SLOT_CUTOFF - 40, SLOT_CUTOFF)
    in_band = sum(slots[slot] for slot in band)
    scale = SPEC_ITEMS / sum(items.values())
    per_slot = (in_band - SIGMAS * math.sqrt(in_band)) * scale / len(band)
    assert per_slot > SLOT_CAP, (in_band, per_slot)


def test_a_full_size_run_would_hit_the_lecture_s_sample(
    kept: Kept,
) -> None:
    """The sample a full-size run gives, projected from this run's slot counts: capped slots
    smoothed over a window of 21 slots (the small run's counts are too noisy one by one)."""
    _, items, slots = kept
    scale = SPEC_ITEMS / sum(items.values())
    half = 10
    projected = 0.0
    for slot in range(1, SLOT_CUTOFF):
        window = [s for s in range(slot - half, slot + half + 1) if 1 <= s < SLOT_CUTOFF]
        smooth = sum(slots[s] for s in window) / len(window) * scale
        projected += min(smooth, SLOT_CAP)
    projected += sum(count for slot, count in slots.items() if slot >= SLOT_CUTOFF) * scale
    tail = sum(count for slot, count in slots.items() if slot >= SLOT_CUTOFF)
    allowed = TOTAL_TOLERANCE * SPEC_SAMPLE + SIGMAS * math.sqrt(tail) * scale
    assert abs(projected - SPEC_SAMPLE) <= allowed, (projected, allowed)
