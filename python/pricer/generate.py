"""Seeded generator of raw Amazon Reviews 2023 item metadata (rules section 1).

The files it writes are both the project's embedded default data and the test data of the whole
project, so besides looking like the real corpus (schema, ~3 KB a row, skewed prices, texts of
realistic length) they plant, at a steady rate, every edge case of the contract's sections 1 and
2: Unicode whitespace, scrub characters, non-ASCII digits, decoder clean-up patterns, multi-byte
characters near the cuts, exotic JSON numbers in ``details``, price strings, duplicates, and a
share of bad lines of every kind, whose kinds and line numbers go to ``_generated.json``.

Calibration: each category keeps the lecture's share of its rows as items, and the price mix
makes the default knobs draw the lecture's sample at full size (see LECTURE, _TEXT_KEPT and
_price_mix; tests/test_generate_calibration.py checks both with the spec oracle).

Determinism: the output depends on (rows, seed, bad_fraction, gzip, the category list) only,
and on the defaults of slot_cutoff and slot_cap in dbt_project.yml, which set the price mix.
Each file has its own random streams, seeded with strings such as ``f"{seed}:{category}"``; the
good rows do not depend on the bad fraction (a bad line replaces the good line it was made from),
and files are the same whether written by one process or several.
"""

from __future__ import annotations

import bisect
import gzip as gzip_module
import itertools
import json
import math
import multiprocessing
import os
import queue
import random
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pricer import knobs
from pricer.errors import UsageError

# The lecture's published figures (rules section 1): per category, the rows of the real corpus
# and the items the lecture kept from them; and its sample at full scale (rules 4).
LECTURE: dict[str, tuple[int, int]] = {
    "Automotive": (2_003_129, 911_688),
    "Electronics": (1_610_012, 443_473),
    "Office_Products": (710_503, 240_394),
    "Tools_and_Home_Improvement": (1_473_810, 541_051),
    "Cell_Phones_and_Accessories": (1_288_490, 238_869),
    "Toys_and_Games": (890_874, 340_479),
    "Appliances": (94_327, 28_625),
    "Musical_Instruments": (213_593, 66_829),
}
LECTURE_SAMPLE = 408_635
# Rows per category of the real corpus, for the proportions of the split.
REAL_ROWS: dict[str, int] = {category: rows for category, (rows, _) in LECTURE.items()}
LECTURE_ITEMS: dict[str, int] = {category: items for category, (_, items) in LECTURE.items()}
MIN_ROWS_PER_FILE = 3  # every file gets at least this many rows when rows allow it
MAX_BAD_FRACTION = 0.5
MANIFEST_NAME = "_generated.json"
GENERATOR_FORMAT = 3  # bump whenever the same arguments start producing different bytes

# Kinds of bad lines (rules section 1), in manifest order. A price string "None" is not one of
# them: it is how the course's loader shows a null price, so it is generated as a good line.
BAD_KINDS: tuple[str, ...] = (
    "truncated_json",  # a good line cut before its end
    "not_json",  # text that is no JSON (or JSON with trailing garbage, a NaN literal, a BOM)
    "not_object",  # valid JSON whose top-level value is not an object
    "empty_line",  # an empty or whitespace-only line (never a file's last line)
    "invalid_utf8",  # a good line with bytes that are not UTF-8 in its title
    "price_unparseable",  # price a string that float() refuses ("$1,299.00", "N/A", "")
    "price_boolean",  # price true or false
    "title_null",  # title null
    "description_not_list",  # description a bare string
    "features_not_list",  # features a bare string
)

# Rows planted on a rule's edge at fixed positions (see _PLANT_*), listed in the manifest like
# bad lines: they are 3-4% of a small run, always priced, so calibration checks leave them out.
PLANTED_KINDS: tuple[str, ...] = (
    "boundary_price",  # a price from BOUNDARY_PRICES (range limits, half-dollar rounding)
    "char_boundary",  # contents of exactly 300 or 301 characters (rules 2.4)
)

_PARALLEL_MIN_ROWS = 50_000  # below this, one process is faster than starting a pool
_PROGRESS_EVERY = 1_000
_GZIP_LEVEL = 6

# ------------------------------------------------------------------------------ vocabulary

_FILLER = (
    "the a an and with for of to in on is it this that your you our are be can will from by "
    "as at or all more easy use used using great quality design designed perfect fit fits "
    "ideal durable strong light lightweight compact portable simple safe secure stable "
    "smooth solid reliable long lasting high performance daily home office outdoor indoor "
    "travel work gift friends family kids adults size color style material package includes "
    "made built tested provides offers keeps makes helps allows features comes each every "
    "one two three set pair piece unit model version new upgraded improved professional "
    "standard premium extra heavy duty soft hard clean care storage protection support "
    "connection power battery charge time minutes hours years warranty service customer "
    "please note check before order install installation instructions replace replacement "
    "original compatible compatibility also very well just only not no when while after "
    "information performance construction configuration requirements international "
    "manufacturer technology specifications environment everything experience accessories"
).split()

_LONG_WORDS = (
    "information performance construction configuration requirements international "
    "manufacturer technology specifications environment experience accessories professional "
    "understanding organization development management application everything compatible "
    "temperature maintenance comfortable recommended installation replacement communication "
    "independent particularly significantly additionally traditional environmental "
    "appropriate responsibility opportunities relationship"
).split()

_MATERIALS = (
    "aluminum alloy|stainless steel|ABS plastic|silicone|nylon|tempered glass|carbon fiber|"
    "PU leather|cotton|rubber|zinc alloy|bamboo|polycarbonate|brass|ceramic"
).split("|")
_COLORS = "Black|White|Silver|Red|Blue|Gray|Clear|Rose Gold|Navy Blue|Multicolor|Green".split("|")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_COUNTRIES = "China|USA|Taiwan|Japan|Germany|Mexico|Vietnam|India|Deutschland|中国|España".split(
    "|"
)
_EXOTIC_BRANDS = (
    "Müller|Café Racer Co|中文品牌|Señor Tools|Škoda Parts|Ølfabrikken|😀 SmileTech|Łódź Works|"
    "Ἀθήνα Audio|Россия Мастер"
).split("|")

_VOCAB_SPEC: dict[str, dict[str, str]] = {
    "Automotive": {
        "main": "Automotive|Automotive|Automotive|Tools & Home Improvement|Industrial & Scientific",
        "path": "Automotive|Replacement Parts|Interior Accessories|Exterior Accessories|"
        "Lights & Lighting Accessories|Tools & Equipment|Car Care|Oils & Fluids",
        "brands": "Bosch|Mopar|ACDelco|Motorcraft|Dorman|Denso|Moog|Monroe|Bestop|WeatherTech|"
        "Husky Liners|Meguiar's|Armor All|K&N|Spectre|Lumen|Sylvania|Philips|NOCO|Covercraft",
        "nouns": "Brake Pads|Oil Filter|Floor Mats|Seat Covers|Headlight Bulbs|Wiper Blades|"
        "Spark Plugs|Air Filter|Tail Light Assembly|Tow Hitch|Cargo Liner|Steering Wheel Cover|"
        "Car Charger|Dash Cam|Tire Inflator|Jump Starter|LED Light Bar|Mud Flaps|Radiator Hose|"
        "Fuel Pump|Wheel Lug Nuts|Car Wax|Trailer Wiring Harness",
        "adjs": "Heavy Duty|All-Weather|OEM Grade|Universal Fit|Direct Fit|Premium|Waterproof|"
        "High Performance|Low Profile|Ceramic|Custom Fit|Anti-Slip",
        "uses": "Ford F-150|Chevy Silverado|Toyota Camry|Honda Civic|Jeep Wrangler|Dodge Ram 1500|"
        "Nissan Altima|Subaru Outback|most Cars, Trucks and SUVs|RV and Trailer",
        "words": "vehicle engine torque mileage chassis bumper dashboard highway towing bolt "
        "gasket bracket harness mount clamp rotor caliper sedan truck garage wheel tire",
        "headers": "EASY INSTALLATION|PERFECT FIT|DURABLE MATERIAL|WHAT YOU GET|WARRANTY|"
        "HIGH PERFORMANCE|SAFETY FIRST|WIDE COMPATIBILITY",
        "keys": "Vehicle Service Type|Fit Type|Exterior Finish|Voltage|Position on Vehicle",
    },
    "Electronics": {
        "main": "All Electronics|All Electronics|Computers|Home Audio & Theater|Camera & Photo",
        "path": "Electronics|Computers & Accessories|Headphones, Earbuds & Accessories|"
        "Television & Video|Camera & Photo|Accessories & Supplies|Portable Audio & Video",
        "brands": "Sony|Samsung|Anker|Logitech|JBL|Bose|SanDisk|Kingston|TP-Link|Netgear|Canon|"
        "Nikon|Sennheiser|Belkin|UGREEN|Amazon Basics|Insignia|Vizio",
        "nouns": "Wireless Earbuds|Bluetooth Speaker|USB-C Hub|HDMI Cable|Wireless Mouse|"
        "Mechanical Keyboard|Portable SSD|MicroSD Card|WiFi Router|Webcam|Power Bank|"
        "Noise Cancelling Headphones|Smart TV Mount|Surge Protector|Security Camera|"
        "Soundbar|Laptop Stand|Monitor Arm|Ethernet Switch|Streaming Media Player",
        "adjs": "Wireless|Bluetooth 5.3|4K Ultra HD|Fast Charging|Noise Cancelling|Ergonomic|"
        "Portable|Dual Band|Ultra Slim|Waterproof|RGB Backlit|Plug and Play",
        "uses": "MacBook Pro|iPhone and Android|Windows PC|PS5 and Xbox|Smart TV|Home Office|"
        "Gaming Setup|Travel|Chromebook|Desktop and Laptop",
        "words": "signal bandwidth latency resolution pixel audio bass treble battery charging "
        "cable port adapter firmware driver wireless stream display screen sensor chip",
        "headers": "CRYSTAL CLEAR SOUND|LONG BATTERY LIFE|PLUG AND PLAY|WIDE COMPATIBILITY|"
        "FAST TRANSFER|WHAT YOU GET|SAFE AND RELIABLE|ERGONOMIC DESIGN",
        "keys": "Hardware Platform|Connectivity Technology|Screen Size|Wattage|Data Transfer Rate",
    },
    "Office_Products": {
        "main": "Office Products|Office Products|Office Products|Amazon Home|Arts, Crafts & Sewing",
        "path": "Office Products|Office & School Supplies|Writing & Correction Supplies|"
        "Paper|Office Electronics|Desk Accessories & Workspace Organizers|Education & Crafts",
        "brands": "Pilot|BIC|Sharpie|Post-it|Avery|Scotch|Staples|Swingline|Fellowes|Moleskine|"
        "Five Star|Mead|Paper Mate|Brother|HP|Epson|Bostitch",
        "nouns": "Gel Pens|Sticky Notes|Spiral Notebook|Label Maker|Desk Organizer|Stapler|"
        "File Folders|Printer Paper|Whiteboard|Highlighters|Paper Shredder|Binder Clips|"
        "Ink Cartridge|Planner|Envelopes|Calculator|Laminator|Index Cards",
        "adjs": "Fine Point|Retractable|College Ruled|Quick Dry|Assorted Colors|Acid Free|"
        "Heavy Duty|Refillable|Smudge Proof|Recycled|Bright White|Bulk Pack",
        "uses": "School and Office|Home Office|Teachers|Students|Journaling|Bullet Journal|"
        "Filing and Storage|Meetings|Classroom|Small Business",
        "words": "paper ink page sheet desk note pen pencil marker folder binder clip label "
        "print file document letter office school writing drawing",
        "headers": "SMOOTH WRITING|VIBRANT COLORS|STAY ORGANIZED|VALUE PACK|ECO FRIENDLY|"
        "WHAT YOU GET|PERFECT GIFT|QUICK DRYING INK",
        "keys": "Sheet Size|Ink Color|Point Type|Paper Weight|Binding",
    },
    "Tools_and_Home_Improvement": {
        "main": "Tools & Home Improvement|Tools & Home Improvement|Amazon Home|"
        "Industrial & Scientific|Home Improvement",
        "path": "Tools & Home Improvement|Power Tools|Hand Tools|Lighting & Ceiling Fans|"
        "Electrical|Hardware|Kitchen & Bath Fixtures|Safety & Security|Building Supplies",
        "brands": "DEWALT|Milwaukee|Makita|BLACK+DECKER|Craftsman|Ryobi|Bosch|Stanley|Klein Tools|"
        "Irwin|Kobalt|Delta|Moen|Kohler|Philips Hue|Leviton|Gorilla",
        "nouns": "Cordless Drill|Impact Driver|Circular Saw|Socket Set|Tape Measure|Stud Finder|"
        "LED Ceiling Light|Smart Plug|Shower Head|Kitchen Faucet|Door Lock|Tool Box|Work Light|"
        "Screwdriver Set|Wet Dry Vac|Extension Cord|Ladder|Paint Sprayer|Caulk Gun",
        "adjs": "Cordless|Brushless|20V MAX|Heavy Duty|Dimmable|Brushed Nickel|Adjustable|"
        "Magnetic|Professional Grade|Compact|Waterproof|Rechargeable",
        "uses": "Home Improvement|DIY Projects|Woodworking|Bathroom|Kitchen|Garage|Workshop|"
        "Contractors|Outdoor Use|Plumbing",
        "words": "drill bit blade torque voltage wire outlet switch fixture faucet valve screw "
        "nail wood metal concrete wall ceiling floor shelf hinge",
        "headers": "POWERFUL MOTOR|EASY TO INSTALL|ENERGY SAVING|DURABLE CONSTRUCTION|"
        "WHAT YOU GET|SAFETY CERTIFIED|VERSATILE USE|LIFETIME WARRANTY",
        "keys": "Power Source|Amperage|Finish Type|Light Source Type|Installation Type",
    },
    "Cell_Phones_and_Accessories": {
        "main": "Cell Phones & Accessories|Cell Phones & Accessories|All Electronics|"
        "Cell Phones & Accessories|AMAZON FASHION",
        "path": "Cell Phones & Accessories|Cases, Holsters & Sleeves|Accessories|"
        "Chargers & Power Adapters|Screen Protectors|Cell Phones|Mounts",
        "brands": "OtterBox|Spigen|Anker|Belkin|ZAGG|Apple|Samsung|Motorola|ESR|Mophie|"
        "PopSockets|Lamicall|TORRAS|Supcase|Miracase|JETech",
        "nouns": "Phone Case|Screen Protector|Wireless Charger|Car Phone Mount|Charging Cable|"
        "Phone Grip|Wall Charger|Selfie Stick|Phone Holder|Wallet Case|Camera Lens Protector|"
        "MagSafe Battery Pack|Smartwatch Band|Bluetooth Headset",
        "adjs": "Shockproof|Slim Fit|Military Grade|Clear|Magnetic|Fast Charging|9H Tempered|"
        "Anti-Scratch|Kickstand|Full Body|Bubble Free|Dual Layer",
        "uses": "iPhone 15 Pro Max|iPhone 14|Samsung Galaxy S24|Galaxy S23 Ultra|Google Pixel 8|"
        "Moto G Power|OnePlus 12|All Phones|Apple Watch|AirPods Pro",
        "words": "phone screen case charger cable magnet camera lens button grip drop corner "
        "edge glass touch signal watch band holder mount strap",
        "headers": "MILITARY GRADE PROTECTION|PRECISE CUTOUTS|FAST CHARGING|SLIM AND LIGHT|"
        "WHAT YOU GET|CRYSTAL CLEAR|EASY INSTALLATION|LIFETIME SUPPORT",
        "keys": "Compatible Phone Models|Form Factor|Special Feature|Connector Type|Wireless Type",
    },
    "Toys_and_Games": {
        "main": "Toys & Games|Toys & Games|Toys & Games|Arts, Crafts & Sewing|Baby",
        "path": "Toys & Games|Building Toys|Games|Dolls & Accessories|Puzzles|Stuffed Animals & "
        "Plush Toys|Learning & Education|Sports & Outdoor Play|Kids' Electronics",
        "brands": "LEGO|Hasbro|Mattel|Melissa & Doug|Fisher-Price|Ravensburger|Hot Wheels|"
        "Barbie|Nerf|Play-Doh|VTech|Crayola|Squishmallows|Funko|Magna-Tiles",
        "nouns": "Building Set|Board Game|Jigsaw Puzzle|Plush Toy|Action Figure|Doll House|"
        "Remote Control Car|Card Game|Play Kitchen|Art Set|Water Gun|Learning Tablet|"
        "Magnetic Tiles|Science Kit|Toy Train|Dinosaur Toys|Slime Kit",
        "adjs": "Educational|STEM|Colorful|Interactive|Non-Toxic|Collectible|Family Fun|"
        "Creative|Soft|Classic|Musical|Light Up",
        "uses": "Kids Ages 3+|Toddlers|Boys and Girls|Family Game Night|Ages 8-12|Preschool|"
        "Birthday Party|Christmas Gift|Classroom|Teens and Adults",
        "words": "play game fun kids toy puzzle piece figure character imagination learning "
        "color build creative friends party gift adventure story",
        "headers": "HOURS OF FUN|SAFE FOR KIDS|GREAT GIFT IDEA|DEVELOPS SKILLS|WHAT YOU GET|"
        "EASY TO PLAY|PREMIUM QUALITY|SATISFACTION GUARANTEED",
        "keys": "Manufacturer recommended age|Assembly Required|Number of Players|Theme|Age Range",
    },
    "Appliances": {
        "main": "Appliances|Appliances|Amazon Home|Tools & Home Improvement|"
        "Industrial & Scientific",
        "path": "Appliances|Parts & Accessories|Refrigerators, Freezers & Ice Makers|"
        "Washers & Dryers|Ranges, Ovens & Cooktops|Dishwashers|Small Appliances",
        "brands": "Whirlpool|GE|Frigidaire|LG|Samsung|Bosch|Maytag|KitchenAid|Kenmore|EveryDrop|"
        "Midea|Danby|Igloo|Keurig|Ninja",
        "nouns": "Refrigerator Water Filter|Dryer Vent Hose|Washing Machine Drain Pump|"
        "Dishwasher Rack|Ice Maker|Range Hood Filter|Oven Element|Mini Fridge|"
        "Compact Dryer|Garbage Disposal|Door Gasket|Wine Cooler|Dehumidifier",
        "adjs": "Replacement|Energy Star|Stainless Steel|Compact|Portable|Quiet|Energy Efficient|"
        "Genuine OEM|Built-In|Countertop|Frost Free|Programmable",
        "uses": "Whirlpool Refrigerators|GE Dishwashers|Apartments|Dorm Room|Kitchen|Laundry Room|"
        "RV|Garage|Office|Most Models",
        "words": "water filter door seal cycle temperature rack drain pump motor coil fan "
        "freezer shelf knob timer element cooling heating",
        "headers": "PERFECT REPLACEMENT|EASY TO INSTALL|ENERGY EFFICIENT|QUIET OPERATION|"
        "WHAT YOU GET|CERTIFIED|LARGE CAPACITY|WARRANTY",
        "keys": "Capacity|Installation Type|Form Factor|Annual Energy Consumption|Noise Level",
    },
    "Musical_Instruments": {
        "main": "Musical Instruments|Musical Instruments|Musical Instruments|All Electronics|"
        "Home Audio & Theater",
        "path": "Musical Instruments|Instrument Accessories|Guitars|Studio Recording Equipment|"
        "Keyboards & MIDI|Live Sound & Stage|Drums & Percussion|Ukuleles, Mandolins & Banjos",
        "brands": "Fender|Gibson|Yamaha|Ernie Ball|D'Addario|Shure|Audio-Technica|Roland|"
        "Boss|Focusrite|Behringer|Ibanez|Casio|Epiphone|Snark",
        "nouns": "Guitar Strings|Dynamic Microphone|Audio Interface|Digital Piano|Guitar Pedal|"
        "Guitar Strap|Drum Sticks|Ukulele|Clip-On Tuner|MIDI Keyboard|Studio Monitors|"
        "Mic Stand|Capo|Guitar Amp|Instrument Cable",
        "adjs": "Acoustic|Electric|Nickel Wound|Cardioid|Studio Grade|Weighted|88-Key|Vintage|"
        "Low Noise|Professional|Beginner|Handmade",
        "uses": "Acoustic Guitar|Electric Guitar|Bass|Home Studio|Live Performance|Podcasting|"
        "Beginners|Church|Recording|Band Practice",
        "words": "sound tone string pick fret chord note pitch volume gain studio stage "
        "recording bass treble rhythm melody audio amp tuner",
        "headers": "RICH TONE|PROFESSIONAL SOUND|EASY TO PLAY|DURABLE BUILD|WHAT YOU GET|"
        "PLUG AND PLAY|PERFECT FOR BEGINNERS|WARRANTY",
        "keys": "Instrument|String Material|Polar Pattern|Number of Keys|Connector Type",
    },
}
_GENERIC = "Electronics"  # vocabulary for a category the constants do not describe


@dataclass(frozen=True)
class _Vocab:
    main: tuple[str, ...]
    path: tuple[str, ...]
    brands: tuple[str, ...]
    nouns: tuple[str, ...]
    adjs: tuple[str, ...]
    uses: tuple[str, ...]
    headers: tuple[str, ...]
    keys: tuple[str, ...]
    pool: tuple[str, ...]  # words for running text: category words weigh more than filler
    adjs_lower: tuple[str, ...]  # adjs and nouns in lower case, for running text
    nouns_lower: tuple[str, ...]


@cache
def _vocab(category: str) -> _Vocab:
    spec = _VOCAB_SPEC.get(category, _VOCAB_SPEC[_GENERIC])

    def split(key: str) -> tuple[str, ...]:
        return tuple(spec[key].split("|"))

    nouns = split("nouns")
    adjs = split("adjs")
    words = spec["words"].split()
    noun_words = [w.lower() for noun in nouns for w in noun.split()]
    return _Vocab(
        main=split("main"),
        path=split("path"),
        brands=split("brands"),
        nouns=nouns,
        adjs=adjs,
        uses=split("uses"),
        headers=split("headers"),
        keys=split("keys"),
        pool=tuple(words * 3 + noun_words + _FILLER),
        adjs_lower=tuple(adj.lower() for adj in adjs),
        nouns_lower=tuple(noun.lower() for noun in nouns),
    )


# ---------------------------------------------------------------------- edge-case catalogue

# Every character for which str.isspace() is true (rules 2.5's \s), newline included.
UNICODE_WHITESPACE = (
    "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Look like spaces or digits but are not (isspace() / isdigit() false): must survive the scrub.
NOT_WHITESPACE = ("\u200b", "\ufeff", "\u180e", "\u00ad", "\u200d")
# isdigit() true although not ASCII: a word of 7+ characters holding one is dropped.
NON_ASCII_DIGITS = ("²", "³", "①", "②", "٣", "४", "১", "۵", "߃", "𝟕")
# isnumeric() but not isdigit(): a 7+ character word holding one is kept.
NUMERIC_NOT_DIGIT = ("½", "¾", "Ⅻ", "三", "〇")
MULTIBYTE = (
    "中文说明",
    "日本語",
    "한국어",
    "😀",
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "🇺🇸",
    "é",
    "e\u0301",
    "ü",
    "ß",
    "Ω",
    "™",
    "®",
    "°",
    "±",
    "×",
    "𝐁𝐨𝐥𝐝",
    "Ελληνικά",
    "русский",
    "עברית",
    "العربية",
    "🎸",
    "⚡",
)
_MULTIBYTE_RUN = "龘齉爨𠀀𠀁𪚥😀😃🎉🔧🚗📱🎸🧸💡🇯🇵👨\u200d🔧中文説明書ß€™é"
SCRUB_CHAR_SNIPPETS = (
    'Size: 10" x 12"',
    "[2 Pack]",
    "{New Version}",
    "【2024 Upgrade】",
    '"Heavy Duty"',
    "Ratio:: 1:2",
    "[[Bundle]]",
    "】【",
    '{"fake": "json"}',
    "key:value",
)
COMMA_RUNS = (" , , ,", ",,,", ",,", " ,", " ,,", ", ,", ",,,,", " , ,", ",,,,,")
CLEANUP_SNIPPETS = (
    "the driver 's seat",
    "it does n't rust",
    "Why wait ?",
    "Great gift !",
    "I 'm sure",
    "we 've tested it",
    "you 're covered",
    "the kids ' room",
    "works well .",
    "light , strong",
)
PRICE_IS_SNIPPETS = (
    "Price is $19.99 at launch.",
    "Price is $",
    "List Price is $49.00, now less.",
    "price is $5 cheaper",
)
OTHER_SNIPPETS = (
    "C:\\Program Files\\Setup",
    "back\\slash",
    "<br>",
    "&amp;",
    "&nbsp;",
    "https://www.example.com/a/b",
    "1/2 inch",
    "<|eot_id|>",
    "50% off",
    "#1 Best Seller",
)
# Images per row (0..15): most of a real row's ~3 KB is image URLs.
_IMAGE_COUNT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 10, 11, 11, 10, 8, 6, 4, 3, 2)
_IMAGE_COUNT_CUMULATIVE = list(itertools.accumulate(_IMAGE_COUNT_WEIGHTS))
_IMAGE_COUNT_TOTAL = _IMAGE_COUNT_CUMULATIVE[-1] + 0.0
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_ALNUM_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_HEX = "0123456789abcdef"


@cache
def _byte_table(alphabet: str) -> bytes:
    """Maps each byte to a character of `alphabet`: random codes from random bytes, fast."""
    return bytes(ord(alphabet[i % len(alphabet)]) for i in range(256))


_BYTE_TABLES = {
    alphabet: _byte_table(alphabet) for alphabet in (_LETTERS, _ALNUM_UPPER, _ALNUM, _HEX)
}

# JSON numbers written literally in details, so readers meet every number form.
RAW_NUMBERS = (
    "7",
    "1.50",
    "1E3",
    "2.0",
    "-0",
    "0.1",
    "1e-7",
    "12345678901234567890",
    "1e22",
    "-0.0",
    "1E+2",
    "2.50e1",
    "3.141592653589793238",
    "0",
    "100",
    "-17.25",
)
_RAW = re.compile(r'"@@RAW:([^@"]*)@@"')

# Price strings that float() accepts (good rows) and refuses (bad rows).
_DIGITS_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９.")
_DIGITS_ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
OUT_OF_RANGE_PRICE_STRINGS = ("nan", "inf", "-inf", "Infinity", "NaN", "-12.99", "1e400", "0")
UNPARSEABLE_PRICES = (
    "$1,299.00",
    "N/A",
    "",
    " ",
    "1,299.00",
    "$12.99",
    "12,99",
    "USD 15.00",
    "19.99 - 24.99",
    "from $9.99",
    "Currently unavailable.",
    "1.2.3",
    "0x1A",
    "twelve",
    "١٢٫٥",
    "12.99$",
    "none",
    "null",
    "None ",
    "—",
)
# Range limits (rules 2.1) and half-dollar prices (Python's round is half to even, rules 3).
BOUNDARY_PRICES = (
    0.5,
    0.49,
    0.51,
    1.5,
    2.5,
    3.5,
    4.5,
    238.5,
    239.5,
    240.5,
    241.5,
    998.5,
    999.0,
    999.4,
    999.49,
    999.5,
    999.51,
    1000.0,
    0.01,
)
NOT_JSON_LINES = (
    "<!DOCTYPE html><html><body>503 Service Unavailable</body></html>",
    "{'title': 'Python repr', 'price': 12.99}",
    "{title: 'JavaScript object', price: 12.99}",
    "title=Widget&price=12.99",
    "ERROR 1042 (HY000): Can't get hostname for your address",
    "undefined",
    "NaN",
    "Infinity",
    "--",
    "meta_Automotive.jsonl: 2003129 rows",
)
NOT_OBJECT_VALUES = ("[1, 2, 3]", "42", "-1.5", '"just a string"', "null", "true", "[]", "[{}]")
INVALID_UTF8 = (
    b"\xff",
    b"\xfe\xff",
    b"\xc3\x28",
    b"\xe9",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf8\x88\x80\x80\x80",
    b"\x80",
    b"caf\xe9",
)
_INVALID_MARK = "\ue000"  # private-use character, never generated otherwise


# --------------------------------------------------------------------------- public results


@dataclass
class FileSummary:
    """One generated file: its rows (lines) and the bad lines planted in it."""

    file: str
    category: str
    rows: int
    bytes: int
    bad: dict[str, list[int]] = field(default_factory=dict)  # kind -> 1-based line numbers
    planted: dict[str, list[int]] = field(default_factory=dict)  # kind -> 1-based line numbers

    @property
    def bad_lines(self) -> int:
        return sum(len(lines) for lines in self.bad.values())


@dataclass
class GenerateSummary:
    """What `generate` wrote; `manifest()` is the content of OUT_DIR/_generated.json."""

    out_dir: Path
    rows: int
    seed: int
    bad_fraction: float
    gzip: bool
    files: list[FileSummary]
    seconds: float = 0.0

    @property
    def bad_lines(self) -> int:
        return sum(f.bad_lines for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def bad_by_kind(self) -> dict[str, int]:
        return {kind: sum(len(f.bad.get(kind, [])) for f in self.files) for kind in BAD_KINDS}

    def manifest(self) -> dict[str, Any]:
        """Deterministic: no timings, no absolute paths."""
        return {
            "generator": "pricer.generate",
            "format": GENERATOR_FORMAT,
            "rows": self.rows,
            "seed": self.seed,
            "bad_fraction": self.bad_fraction,
            "gzip": self.gzip,
            "bad_kinds": list(BAD_KINDS),
            "planted_kinds": list(PLANTED_KINDS),
            "totals": {
                "files": len(self.files),
                "rows": self.rows,
                "bytes": self.bytes,
                "bad_lines": self.bad_lines,
                "bad": self.bad_by_kind(),
            },
            "files": {
                f.file: {
                    "category": f.category,
                    "rows": f.rows,
                    "bytes": f.bytes,
                    "bad_lines": f.bad_lines,
                    "bad": {kind: f.bad.get(kind, []) for kind in BAD_KINDS},
                    "planted": {kind: f.planted.get(kind, []) for kind in PLANTED_KINDS},
                }
                for f in self.files
            },
        }


# ------------------------------------------------------------------------------- planning


def allocate(total: int, weights: list[float], floor: int = 0) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder); parts that
    would fall below `floor` get `floor` (when `total` allows it) and the others share the
    rest. The parts always sum to `total`."""
    if not weights:
        return []
    floor = max(0, min(floor, total // len(weights)))
    lifted: set[int] = set()
    while True:
        free = [i for i in range(len(weights)) if i not in lifted]
        shares = _largest_remainder(total - floor * len(lifted), [weights[i] for i in free])
        low = {i for i, share in zip(free, shares, strict=True) if share < floor}
        if not low:
            parts = dict(zip(free, shares, strict=True))
            return [parts.get(i, floor) for i in range(len(weights))]
        lifted |= low


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    if not weights:
        return []
    weight_sum = sum(weights)
    quotas = [total * w / weight_sum for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def file_name(category: str, gzip: bool = False) -> str:
    return f"meta_{category}.jsonl" + (".gz" if gzip else "")


@dataclass(frozen=True)
class _FileTask:
    path: str
    category: str
    rows: int
    seed: int
    gzip: bool
    bad: dict[int, str]  # 0-based line index -> bad kind
    first_row: int  # index of the file's first line in all files, in seed order
    plant_every: tuple[int, int]  # spacing of planted boundary prices and 300/301 rows


def _plan(
    out_dir: Path, rows: int, seed: int, bad_fraction: float, gzip: bool, categories: list[str]
) -> list[_FileTask]:
    average = sum(REAL_ROWS.values()) / len(REAL_ROWS)
    weights = [float(REAL_ROWS.get(c, average)) for c in categories]
    file_rows = allocate(rows, weights, MIN_ROWS_PER_FILE)
    file_bad = allocate(round(bad_fraction * rows), [float(n) for n in file_rows])
    # Kinds go round-robin over all files, so that every kind shows up as soon as there are
    # as many bad lines as kinds, and each file gets a spread of kinds.
    plan_rng = random.Random(f"{seed}:plan")
    cycle = list(BAD_KINDS)
    plan_rng.shuffle(cycle)
    start = 0
    first_row = 0
    plant_every = (
        max(_PLANT_BOUNDARY_PRICE_EVERY, rows // _PLANT_BOUNDARY_PRICE_MAX),
        max(_PLANT_CHAR_BOUNDARY_EVERY, rows // _PLANT_CHAR_BOUNDARY_MAX),
    )
    tasks = []
    for category, n, n_bad in zip(categories, file_rows, file_bad, strict=True):
        kinds = [cycle[(start + j) % len(cycle)] for j in range(n_bad)]
        start += n_bad
        rng = random.Random(f"{seed}:{category}:bad")
        rng.shuffle(kinds)
        positions = sorted(rng.sample(range(n), n_bad))
        bad = dict(zip(positions, kinds, strict=True))
        if bad.get(n - 1) == "empty_line":  # keep "a file ends with one newline" unambiguous
            other = next((p for p in positions if bad[p] != "empty_line"), None)
            if other is None:
                bad[n - 1] = "not_json"
            else:
                bad[n - 1], bad[other] = bad[other], "empty_line"
        path = str(out_dir / file_name(category, gzip))
        tasks.append(_FileTask(path, category, n, seed, gzip, bad, first_row, plant_every))
        first_row += n
    return tasks


# ---------------------------------------------------------------------------- row content


def _raw(number: str) -> str:
    """A placeholder that `_serialize` turns into the JSON number `number`, written as is."""
    return f"@@RAW:{number}@@"


def _serialize(
    row: Any, ensure_ascii: bool = False, separators: tuple[str, str] = (", ", ": ")
) -> str:
    """`json.dumps(row, ensure_ascii=..., separators=...)`, with the `_raw` placeholders
    written as the numbers they hold."""
    return _json_writer(ensure_ascii, separators).write(row)


class _JsonWriter:
    """What `json.dumps` writes for one (ensure_ascii, separators), from a C encoder made once,
    for values that may hold _Images (written by their `json`).

    json.dumps makes a JSONEncoder and a C encoder on every call with non-default arguments
    (about a sixth of its time for a row). This makes the C encoder with the arguments
    JSONEncoder.iterencode passes it (no indent, sort_keys or skipkeys; allow_nan on), except
    that circular references are not looked for, which changes nothing for rows (trees).
    The encoder writes an _Images as the string _IMAGES_MARK, which is then replaced by the
    images' JSON: no generated string holds "@@" (the `_raw` placeholders rely on it too).
    """

    def __init__(self, ensure_ascii: bool, separators: tuple[str, str]) -> None:
        self.item_sep, self.key_sep = separators
        self.images: list[_Images] = []  # met by the encoder in the value being written
        encoder = json.encoder
        if encoder.c_make_encoder is None:  # a Python built without the _json module
            self.encode = json.JSONEncoder(
                ensure_ascii=ensure_ascii,
                separators=separators,
                check_circular=False,
                default=self._default,
            ).encode
            return
        string = encoder.encode_basestring_ascii if ensure_ascii else encoder.encode_basestring
        chunks = encoder.c_make_encoder(
            None, self._default, string, None, self.key_sep, self.item_sep, False, False, True
        )
        self.encode = lambda value: "".join(chunks(value, 0))

    def _default(self, value: Any) -> Any:
        if value.__class__ is _Images:
            self.images.append(value)
            return _IMAGES_MARK
        return _not_serializable(value)

    def write(self, value: Any) -> str:
        self.images.clear()
        text = self.encode(value)
        if "@@RAW:" in text:
            text = _RAW.sub(r"\1", text)
        for images in self.images:  # in the order the encoder met them, as their marks are
            text = text.replace(_IMAGES_MARK_JSON, images.json(self.item_sep, self.key_sep), 1)
        return text


_IMAGES_MARK = "@@IMAGES@@"
_IMAGES_MARK_JSON = f'"{_IMAGES_MARK}"'


def _not_serializable(value: Any) -> Any:
    """json.JSONEncoder.default: the error json.dumps raises for a value it cannot write."""
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


@cache
def _json_writer(ensure_ascii: bool, separators: tuple[str, str]) -> _JsonWriter:
    return _JsonWriter(ensure_ascii, separators)


def _fast_draws(
    rng: random.Random,
) -> tuple[Callable[[int], int], Callable[[Any], Any], Callable[[int, int], int]]:
    """`rng.randrange(n)`, `rng.choice(seq)` and `rng.randint(a, b)` drawing exactly what they
    draw (the same calls of `rng.getrandbits`, as `Random._randbelow` makes them), with fewer
    Python calls: the generator makes millions of these draws, and they were a quarter of its
    time. tests/test_generate.py checks them against `random.Random`."""
    getrandbits = rng.getrandbits

    def below(n: int) -> int:
        if n <= 0:
            raise ValueError(f"empty range for below({n})")
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return r

    def choice(seq: Any) -> Any:
        n = len(seq)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]

    def randint(a: int, b: int) -> int:
        n = b - a + 1
        if n <= 0:
            raise ValueError(f"empty range for randint({a}, {b})")
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return a + r

    return below, choice, randint


def _fast_lognormal(rng: random.Random) -> Callable[[float, float], float]:
    """`rng.lognormvariate(mu, sigma)`, drawing and computing exactly what it does (the
    exponential of random.Random.normalvariate's Kinderman-Monahan draw) in one Python call
    instead of two. tests/test_generate.py checks it against `random.Random`."""
    rnd, log, exp, magic = rng.random, math.log, math.exp, random.NV_MAGICCONST

    def lognormal(mu: float, sigma: float) -> float:
        while True:
            u1 = rnd()
            u2 = 1.0 - rnd()
            z = magic * (u1 - 0.5) / u2
            zz = z * z / 4.0
            if zz <= -log(u2):
                break
        return exp(mu + z * sigma)

    return lognormal


class _RowMaker:
    """Good rows of one category, from one random stream (named `stream`, default the
    category)."""

    def __init__(
        self,
        seed: int,
        category: str,
        stream: str | None = None,
        first_row: int = 0,
        plant_every: tuple[int, int] = (0, 0),
    ) -> None:
        self.seed = seed
        self.category = category
        self.rng = random.Random(f"{seed}:{stream or category}")
        self._below, self._choice, self._randint = _fast_draws(self.rng)
        self._random, self._getrandbits = self.rng.random, self.rng.getrandbits
        self._lognormal = _fast_lognormal(self.rng)
        self.vocab = _vocab(category)
        self._pool, self._pool_size = self.vocab.pool, float(len(self.vocab.pool))
        self._title_extras = self._make_title_extras()
        self.recent: deque[dict[str, Any]] = deque(maxlen=64)
        # Index of the current row in all files: cases planted by index (`_PLANT_*`) run as one
        # cycle over the files, so any run of a few hundred rows has every case.
        self.index = first_row - 1
        self.price_every, self.char_every = plant_every  # 0: plant nothing
        self.planted_kind: str | None = None  # of the last row made (PLANTED_KINDS)
        self.no_price = 1.0 - _PRICE_BELOW_RANGE - _PRICE_ABOVE_RANGE - priced_share(category)

    # -- small pieces

    def _planted(self, every: int, phase: int = 0) -> int | None:
        """The cycle number when the current row is a planted one (every `every` rows from
        `phase`, counted over all files), else None."""
        if not every:
            return None
        planted, at = divmod(self.index, every)
        return planted if at == phase else None

    def _code(self, n: int, alphabet: str = _ALNUM_UPPER) -> str:
        # rng.randbytes(n), as it draws
        draw = self._getrandbits(8 * n).to_bytes(n, "little")
        return draw.translate(_BYTE_TABLES.get(alphabet) or _byte_table(alphabet)).decode("ascii")

    def model_number(self) -> str:
        rng = self.rng
        randint = self._randint
        r = rng.random()
        if r < 0.3:
            return f"{self._code(2, _LETTERS)}-{randint(100, 9999)}{self._code(1, _LETTERS)}"
        if r < 0.45:
            return f"SKU{randint(1000000, 9999999)}"
        if r < 0.6:
            return f"{randint(1000, 99999)}-{randint(10, 999)}"
        if r < 0.75:
            return f"{self._code(1, _LETTERS)}{randint(10, 999)}"  # short: kept by scrub
        if r < 0.85:
            return f"{randint(1000, 20000)}mAh"
        return f"{self._code(3, _LETTERS)}{randint(10000, 999999)}{self._code(2)}"

    def _sentence(self) -> str:
        # The hottest code of the generator (a row has ten sentences): randint(6, 20) and
        # choice(".....!") are drawn inline, as _fast_draws draws them.
        rnd = self._random
        r = rnd()
        if r < 0.3:
            return self._set_sentence(r)
        getrandbits = self._getrandbits
        n = getrandbits(4)  # randint(6, 20): 15 values, 4 bits
        while n >= 15:
            n = getrandbits(4)
        n += 6
        # rng.choices(pool, k=n) drawn the way it draws (floor of random() x len; math.floor
        # is quicker than int, and the same on these non-negative numbers)
        pool, size, floor = self._pool, self._pool_size, math.floor
        words = [pool[floor(rnd() * size)] for _ in range(n)]
        if rnd() < 0.15:
            words[self._below(n)] = self._choice(self.vocab.nouns)
        if rnd() < 0.08:
            words[self._below(n)] = self.model_number()
        end = getrandbits(3)  # choice(".....!"): 6 values, 3 bits
        while end >= 6:
            end = getrandbits(3)
        sentence = " ".join(words)
        return sentence[0].upper() + sentence[1:] + ".....!"[end]

    def _set_sentence(self, r: float) -> str:
        """A sentence of a fixed pattern, for the draw `r` < 0.3 of `_sentence`."""
        choice = self._choice
        v = self.vocab
        if r < 0.12:
            return (
                f"This {choice(v.adjs_lower)} {choice(v.nouns_lower)} is designed "
                f"for {choice(v.uses)}."
            )
        if r < 0.2:
            return f"Made of {choice(_MATERIALS)}, it is {choice(v.adjs_lower)} and built to last."
        if r < 0.26:
            return f"Package includes {self._randint(1, 12)} x {choice(v.nouns)}."
        return f"Compatible with {choice(v.uses)}; please check the size before ordering."

    def _paragraph(self, target: int) -> str:
        parts: list[str] = []
        make_sentence = self._sentence
        size = 0
        while size < target:
            sentence = make_sentence()
            parts.append(sentence)
            size += len(sentence) + 1
        return " ".join(parts)

    def _decorate(self, text: str, rate: float) -> str:
        """Plant one edge case (rules 2.5, 2.7, 2.8) at a random word boundary, at `rate`."""
        if self._random() >= rate:  # most texts: return before the set-up below
            return text
        rng = self.rng
        choice, randint = self._choice, self._randint
        r = rng.random()
        if r < 0.25:  # a run of Unicode whitespace in place of a space
            snippet = "".join(rng.choices(UNICODE_WHITESPACE, k=randint(1, 3)))
            return _replace_space(rng, text, snippet)
        if r < 0.32:
            snippet = choice(NOT_WHITESPACE)
            return _replace_space(rng, text, f" a{snippet}b ")
        if r < 0.42:
            snippet = choice(SCRUB_CHAR_SNIPPETS)
        elif r < 0.52:  # digits that are not ASCII, in long and in short words
            d = choice(NON_ASCII_DIGITS)
            n = choice(NUMERIC_NOT_DIGIT)
            snippet = choice(
                (f"Volume{d}Max", f"x{d}", f"{d}pk", f"Half{n}Inch", f"Über{d}Größe", f"m{d}")
            )
        elif r < 0.6:
            snippet = self.model_number()
        elif r < 0.68:
            return _replace_space(rng, text, choice(COMMA_RUNS) + " ")
        elif r < 0.8:
            snippet = choice(CLEANUP_SNIPPETS)
        elif r < 0.9:
            snippet = choice(MULTIBYTE)
        elif r < 0.95:
            snippet = choice(OTHER_SNIPPETS)
        else:
            snippet = choice(PRICE_IS_SNIPPETS)
        return _replace_space(rng, text, f" {snippet} ")

    def title(self) -> str:
        rng = self.rng
        choice = self._choice
        v = self.vocab
        target = int(rng.triangular(20, 200, 75))
        brand = choice(v.brands) if rng.random() < 0.97 else choice(_EXOTIC_BRANDS)
        parts = [brand, choice(v.adjs), choice(v.nouns)]
        extras = self._title_extras
        title = " ".join(parts)
        while len(title) < target:
            title += " " + choice(extras)()
            title = title.replace(" , ", ", ")
        if len(title) > 200:
            title = title[:200].rsplit(" ", 1)[0]
        title = self._decorate(title, 0.15)
        return title[:200]

    def _make_title_extras(self) -> tuple[Callable[[], str], ...]:
        """The pieces a title grows by, one drawn at a time (made once, not once a title)."""
        choice = self._choice
        v = self.vocab
        return (
            lambda: self.model_number(),
            lambda: f"for {choice(v.uses)}",
            lambda: f", {choice(v.adjs)}",
            lambda: f", {choice(_COLORS)}",
            lambda: choice(("(Pack of 2)", "2 Pack", "4-Pack", "Set of 3", "12 Count")),
            lambda: f"- {choice(_MATERIALS).title()}",
            lambda: choice(v.adjs),
        )

    def features(self) -> list[str]:
        rng = self.rng
        choice, randint, below = self._choice, self._randint, self._below
        v = self.vocab
        r = rng.random()
        if r < 0.2:
            count = 0
        elif r < 0.5:
            count = randint(1, 3)
        elif r < 0.8:
            count = 5
        else:
            count = randint(4, 10)
        lines = []
        for _ in range(count):
            body = self._paragraph(int(min(400, self._lognormal(4.4, 0.55))))
            h = rng.random()
            if h < 0.3:
                line = f"【{choice(v.headers)}】 {body}"
            elif h < 0.5:
                line = f"{choice(v.headers)}: {body}"
            elif h < 0.58:
                line = f"✔ {body}"
            elif h < 0.62:
                line = f"{choice(v.headers)} - {body}"
            else:
                line = body
            lines.append(self._decorate(line, 0.08))
        if count and rng.random() < 0.02:  # empty and blank feature lines
            lines.insert(below(len(lines) + 1), choice(("", " ", "\n")))
        if not count and rng.random() < 0.05:
            # [""]: rules 2.3 adds "\n" for any feature lines, the course only for a non-empty
            # join; either way the row must get through
            lines.append("")
        return lines

    def description(self) -> list[str]:
        rng = self.rng
        choice, randint, below = self._choice, self._randint, self._below
        r = rng.random()
        if r < 0.55:
            count = 0
        elif r < 0.87:
            count = 1
        else:
            count = randint(2, 6)
        lines = []
        for _ in range(count):
            line = self._paragraph(int(min(2500, self._lognormal(5.3, 0.9))))
            lines.append(self._decorate(line, 0.12))
        if count and rng.random() < 0.03:
            lines.insert(below(len(lines) + 1), choice(("", "  ", "Product Description")))
        return lines

    def details(self, scale: float = 1.0) -> Any:
        """A details object; `scale` < 1 makes a sparse one (fewer keys)."""
        rng, rnd = self.rng, self._random
        choice, randint = self._choice, self._randint
        v = self.vocab
        d: dict[str, Any] = {}
        brand = choice(v.brands) if rnd() < 0.9 else choice(_EXOTIC_BRANDS)
        # Each key is there with probability p x scale, one draw a key in this order, and its
        # value is drawn only then (written out: through a helper taking a lambda a key, the
        # details took twice the time).
        if rnd() < 0.8 * scale:
            d["Brand"] = brand
        if rnd() < 0.4 * scale:
            d["Manufacturer"] = brand if rnd() < 0.7 else f"{brand} Inc."
        if rnd() < 0.5 * scale:
            d["Product Dimensions"] = self._dimensions()
        if rnd() < 0.55 * scale:
            unit = choice(("pounds", "Pounds", "ounces", "Ounces", "Kilograms", "Grams"))
            d["Item Weight"] = f"{round(rng.uniform(0.05, 60), choice((1, 2)))} {unit}"
        if rnd() < 0.45 * scale:
            d["Item model number"] = self.model_number()
        if rnd() < 0.2 * scale:
            d["Is Discontinued By Manufacturer"] = choice(("No", "No", "Yes"))
        if rnd() < 0.55 * scale:
            d["Date First Available"] = f"{choice(_MONTHS)} {randint(1, 28)}, {randint(2003, 2023)}"
        if rnd() < 0.25 * scale:
            d["Manufacturer Part Number"] = self.model_number()
        if rnd() < 0.3 * scale:
            d["Color"] = choice(_COLORS)
        if rnd() < 0.25 * scale:
            d["Material"] = choice(_MATERIALS).title()
        for key in v.keys:
            if rnd() < 0.15 * scale:
                d[key] = choice(v.adjs)
        if rnd() < 0.25 * scale:
            d["Batteries Required?"] = choice(("No", "No", "No", "Yes", "Yes, 2 AA", "no"))
        if rnd() < 0.15 * scale:
            d["Batteries Included?"] = choice(("No", "Yes", "No"))
        if rnd() < 0.2 * scale:
            d["Number of Items"] = choice((randint(1, 50), str(randint(1, 12)), _raw("2.0")))
        if rnd() < 0.25 * scale:
            d["Package Dimensions"] = self._dimensions()
        if rnd() < 0.15 * scale:
            d["Country of Origin"] = choice(_COUNTRIES)
        if rnd() < 0.35 * scale:
            ranks: dict[str, Any] = {v.path[0]: randint(1, 3_000_000)}
            for sub in rng.sample(v.path[1:], randint(0, 2)):
                ranks[sub] = randint(1, 90_000)
            if rnd() < 0.05:
                ranks["nested"] = {"deeper": {"rank": randint(1, 99)}}
            d["Best Sellers Rank"] = ranks
        if rnd() < 0.08 * scale:
            d["Customer Reviews"] = {"ratings_count": randint(1, 50_000), "stars": _raw("4.50")}
        if rnd() < 0.06 * scale:
            d["UPC"] = choice((f"0{randint(10**10, 10**11)}", _raw(choice(RAW_NUMBERS))))
        if rng.random() < 0.06:  # every JSON number form, written literally
            d[choice(("Units", "Item Package Quantity", "Wattage", "Rating"))] = _raw(
                choice(RAW_NUMBERS)
            )
        if rng.random() < 0.04:  # values that fight the removal list and the renderer
            d[choice(("Note", "Größe", "Ratio", "Style"))] = choice(
                (
                    "ItItemem NumNumberber of Items",
                    "line1\tline2",
                    "sep\u001fsep",
                    "12:30 Time: Date First Sold",
                    "1/2 inch",
                    "中文 😀 ü é",
                    'say "hi" \\ bye',
                    "",
                    "Product Product  Package",
                )
            )
        return d

    def _dimensions(self) -> str:
        rng, choice = self.rng, self._choice
        a, b, c = (round(rng.uniform(0.5, 40), choice((0, 1, 2))) for _ in range(3))
        if rng.random() < 0.2:
            return f'{a}"L x {b}"W x {c}"H'
        return f"{a} x {b} x {c} inches"

    def price(self) -> Any:
        """A price value; `_MISSING` means no price key at all."""
        rng = self.rng
        choice = self._choice
        planted = self._planted(self.price_every)
        r = rng.random()
        if planted is not None:
            value = BOUNDARY_PRICES[planted % len(BOUNDARY_PRICES)]
            self.planted_kind = "boundary_price"
        elif r < self.no_price:  # no price: JSON null, missing key, or the loader's "None" string
            s = rng.random()
            return None if s < 0.75 else _MISSING if s < 0.88 else "None"
        elif r < self.no_price + _PRICE_BELOW_RANGE:
            value = round(rng.uniform(0.01, 0.49), 2)
        elif r < self.no_price + _PRICE_BELOW_RANGE + _PRICE_ABOVE_RANGE:
            value = round(rng.uniform(1000, 5000), choice((0, 2)))
        else:
            value = self._price_in_range()
        f = rng.random()
        if f < 0.93:
            return value
        if f < 0.95 and value == int(value):
            return _raw(str(int(value)))  # an integer JSON number
        if f < 0.955 and value >= 1:
            return _raw(_exponent_form(value, choice(("e", "E", "e+", "E+"))))
        if f < 0.958:
            return choice(OUT_OF_RANGE_PRICE_STRINGS)
        text = f"{value:.2f}"
        g = rng.random()
        if g < 0.5:
            return text
        if g < 0.75:
            return f" {text} "
        return choice(
            (
                f"\t{text}\n",
                f"+{text}",
                f"{text}0",
                f"\xa0{text}\xa0",
                text.translate(_DIGITS_FULLWIDTH),
                text.translate(_DIGITS_ARABIC),
                text[0] + "_" + text[1:] if value >= 10 else text,  # float() takes "1_9.99"
            )
        )

    def _price_in_range(self) -> float:
        """A price of min_price..max_price with two decimals, from the calibrated mix: a share
        of slots at or above the cutoff, a shifted power law on each side of it, and the real
        corpus' favourite endings (.99, .95, whole dollars, .50)."""
        rng = self.rng
        mix = _price_mix()
        tail = rng.random() < mix.tail_share
        low, high = (mix.cutoff_price, mix.max_price) if tail else (mix.min_price, mix.cutoff_price)
        exponent = _TAIL_EXPONENT if tail else _BODY_EXPONENT
        while True:
            value = _shifted_power_law(rng.random(), low, high, _PRICE_SHIFT, exponent)
            c = rng.random()
            if c < 0.45:
                value = math.floor(value) + 0.99
            elif c < 0.55:
                value = math.floor(value) + 0.95
            elif c < 0.7:
                value = float(round(value))
            elif c < 0.74:
                value = math.floor(value) + 0.5
            value = round(min(value, mix.max_price), 2)
            if value >= mix.min_price and (round(value) >= mix.cutoff) == tail:
                return value

    def images(self) -> _Images:
        """The row's image list: 0..15 images, each from the words of one rng.randbytes(19)
        (see _Images); `_serialize` writes it as a list of {thumb, large, variant, hi_res}."""
        # rng.choices(range(16), weights=_IMAGE_COUNT_WEIGHTS)[0], as it draws it
        count = bisect.bisect(
            _IMAGE_COUNT_CUMULATIVE, self.rng.random() * _IMAGE_COUNT_TOTAL, 0, 15
        )
        # the 5 words of each image's randbytes(19), in one call (0 bits: no draw)
        return _Images(self.rng.getrandbits(160 * count).to_bytes(20 * count, "little"))

    def videos(self) -> list[dict[str, Any]]:
        rng = self.rng
        choice, randint = self._choice, self._randint
        if rng.random() < 0.8:
            return []
        return [
            {
                "title": f"{choice(self.vocab.nouns)} review",
                "url": f"https://www.amazon.com/vdp/{self._code(32, _HEX)}?ref=dp_vse_rvc_0",
                "user_id": choice(("", f"/shop/{self._code(8, _ALNUM).lower()}")),
            }
            for _ in range(randint(1, 3))
        ]

    # -- rows

    def _text_fields(self, sparse: bool) -> tuple[str, list[str], list[str]]:
        rng = self.rng
        randint, below = self._randint, self._below
        family = rng.random()
        if family < 0.015 and self.recent:  # duplicate title, own text (dedup = title)
            return rng.choice(self.recent)["title"], self.features(), self.description()
        if family < 0.025 and self.recent:  # duplicate title and text (dedup = text)
            old = rng.choice(self.recent)
            return old["title"], list(old["features"]), list(old["description"])
        if family < 0.03:  # a product shared by every category (cross-file duplicates)
            title, features, description = _shared_product(self.seed, below(_SHARED_PRODUCTS))
            return title, list(features), list(description)
        title = self.title()
        if family < 0.06:  # a run of multi-byte characters around the 160-token cut
            return title, self.features()[:2], [self._multibyte_near_token_cut()]
        if family < 0.07:  # long single-token words: the 1120-character cut shows in the text
            return title[:60], [], [self._long_words_line()]
        if sparse:  # a thin listing: a few features at most, no description
            return title, self.features()[: randint(0, 2)], []
        return title, self.features(), self.description()

    def _multibyte_near_token_cut(self) -> str:
        rng = self.rng
        randint = self._randint
        head = self._paragraph(randint(450, 800))
        run = "".join(rng.choices(_MULTIBYTE_RUN, k=randint(20, 60)))
        return f"{head} {run} {self._paragraph(400)}"

    def _long_words_line(self) -> str:
        rng = self.rng
        choice = self._choice
        share = rng.uniform(0.15, 0.3)  # ~half of these rows end within 150-160 tokens
        words = [
            choice(_LONG_WORDS) if rng.random() < share else choice(_FILLER) for _ in range(300)
        ]
        line = " ".join(words)
        cut = _defaults()["ceiling_chars"] - 1  # the last kept character
        edge = choice(("😀", "👨\u200d👩\u200d👧", "e\u0301", "中文", "🇺🇸"))
        return line[:cut] + edge + line[cut:]

    def row(self) -> dict[str, Any]:
        rng = self.rng
        choice, randint = self._choice, self._randint
        v = self.vocab
        self.index += 1
        self.planted_kind = None
        sparse = rng.random() < _SPARSE_SHARE
        title, features, description = self._text_fields(sparse)
        price = self.price()
        planted = self._planted(self.char_every, phase=self.char_every // 2)
        if planted is not None:  # len(contents) 300 or 301 (rules 2.4)
            case = _CHAR_BOUNDARY_CASES[planted % len(_CHAR_BOUNDARY_CASES)]
            details_kind, offset = case
            length = _defaults()["min_chars"] + offset
            features, description, details = self._char_boundary(details_kind, length)
            price = self._price_in_range()
            self.planted_kind = "char_boundary"
        else:
            d = rng.random()
            if d < 0.08:
                details = _MISSING
            elif d < 0.12:
                details = {}
            elif d < 0.15:
                details = None
            else:
                details = self.details(0.4 if sparse else 1.0)
        row: dict[str, Any] = {
            "main_category": choice(v.main) if rng.random() < 0.96 else None,
            "title": title,
            "average_rating": round(min(5.0, max(1.0, rng.gauss(4.3, 0.6))), 1),
            "rating_number": int(self._lognormal(3.5, 1.8)) + 1 if rng.random() < 0.97 else None,
            "features": features,
            "description": description,
            "price": price,
            "images": self.images(),
            "videos": self.videos(),
            "store": choice(v.brands) if rng.random() < 0.93 else None,
            "categories": (
                [v.path[0], *rng.sample(v.path[1:], randint(1, 3))] if rng.random() < 0.5 else []
            ),
            "details": details,
            "parent_asin": "B0" + self._code(8),
            "bought_together": None,
        }
        if price is _MISSING:
            del row["price"]
        if details is _MISSING:
            del row["details"]
        self.recent.append(row)
        return row

    def _char_boundary(self, details_kind: str, length: int) -> tuple[list[str], list[str], Any]:
        """Text fields whose contents (rules 2.3) is exactly 300 or 301 code points long, in
        dense multi-byte text so that the token rule alone would keep it."""
        rng = self.rng
        extra = {"missing": 0, "empty": len("{}\n"), "null": len("null\n")}[details_kind]
        target = length - extra
        first = "".join(rng.choices(_MULTIBYTE_RUN, k=40)) + " e\u0301 👨\u200d👩\u200d👧 "
        description = [first]
        used = len(first) + 1  # + "\n"
        filler = "".join(rng.choices("中文説明書日本語한국어😀🎉 ", k=400))
        feature_budget = target - used - 1  # the features' trailing "\n"
        features = [filler[:feature_budget]]
        details = {"missing": _MISSING, "empty": {}, "null": None}[details_kind]
        return features, description, details

    def line(self, row: dict[str, Any]) -> str:
        """The row as one JSON line, in one of the formats a reader must accept."""
        rng = self.rng
        ensure_ascii = rng.random() < 0.15
        s = rng.random()
        separators = (", ", ": ") if s < 0.8 else (",", ":") if s < 0.97 else (" , ", " : ")
        if rng.random() < 0.03:
            keys = list(row)
            rng.shuffle(keys)
            row = {k: row[k] for k in keys}
        text = _serialize(row, ensure_ascii, separators)
        if rng.random() < 0.03:
            text = text.replace("/", "\\/")
        if rng.random() < 0.005:
            text = f" {text} \t"
        return text


_IMAGE_BASE = "https://m.media-amazon.com/images/I/"
_IMAGE_SMALL = ("31", "41", "51", "61")
_IMAGE_LARGE = ("61", "71", "81", "91")
_IMAGE_VARIANTS = ("MAIN", *(f"PT{i:02d}" for i in range(1, 16)))


class _Images:
    """A row's images, as the random words they are made of: they are half of a row's bytes,
    and as dicts through json.dumps they took a sixth of its time; `json` writes them.

    Image i is made of d = rng.randbytes(19), the i-th such draw (one an image): with c the
    bytes of d mapped to letters and digits (_ALNUM), small = _IMAGE_SMALL[d[0] & 3] + c[2:10],
    large = _IMAGE_LARGE[d[1] & 3] + c[10:18], it is {"thumb": base + small + "L._SS40_.jpg",
    "large": base + small + "L.jpg", "variant": "MAIN" or "PT01".., "hi_res": base + large +
    "L._SL1500_.jpg" if d[18] < 218 else None}. randbytes(19) is getrandbits(152) in
    little-endian bytes: five 32-bit words of the stream, the last shifted right by 8 bits. So
    `block`, one getrandbits(160 x count) in bytes, holds the draws' words in order: d is
    block[20 i : 20 i + 16] + block[20 i + 17 : 20 i + 20] (byte 16 is the dropped one).
    tests/test_generate.py checks the JSON against json.dumps of the dicts randbytes gives.
    """

    __slots__ = ("block",)

    def __init__(self, block: bytes) -> None:
        self.block = block

    def json(self, item_sep: str, key_sep: str) -> str:
        """What json.dumps writes for the list of image dicts with these separators (the URLs
        and variants hold no character that JSON escapes, with or without ensure_ascii)."""
        block = self.block
        codes = block.translate(_byte_table(_ALNUM)).decode("ascii")
        head, mid, tails = _image_json_parts(item_sep, key_sep)
        small_prefix, large_prefix = _IMAGE_SMALL, _IMAGE_LARGE
        hi_res_head, hi_res_tail = f'"{_IMAGE_BASE}', 'L._SL1500_.jpg"}'
        parts = []
        for i, o in enumerate(range(0, len(block), 20)):  # d[j] is block[o + j], for j < 16
            small = small_prefix[block[o] & 3] + codes[o + 2 : o + 10]
            if block[o + 19] < 218:  # d[18]; d[10:18] is c[10:16] + c[17:19] of the block
                parts.append(
                    f"{head}{small}{mid}{small}{tails[i]}{hi_res_head}"
                    f"{large_prefix[block[o + 1] & 3]}{codes[o + 10 : o + 16]}"
                    f"{codes[o + 17 : o + 19]}{hi_res_tail}"
                )
            else:
                parts.append(f"{head}{small}{mid}{small}{tails[i]}null}}")
        return "[" + item_sep.join(parts) + "]"


@cache
def _image_json_parts(item_sep: str, key_sep: str) -> tuple[str, str, tuple[str, ...]]:
    """The fixed text of an image object: before its small code, between its two small codes,
    and, for each index, from there to the hi_res value (the variant in between)."""
    return (
        f'{{"thumb"{key_sep}"{_IMAGE_BASE}',
        f'L._SS40_.jpg"{item_sep}"large"{key_sep}"{_IMAGE_BASE}',
        tuple(
            f'L.jpg"{item_sep}"variant"{key_sep}"{variant}"{item_sep}"hi_res"{key_sep}'
            for variant in _IMAGE_VARIANTS
        ),
    )


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()
# Planted by row index over all files (see _RowMaker.index): a boundary price every 31st row
# (~3%), a row on the 300-character rule every 97th (~1%), but no more than _MAX of each in a
# run, so that large runs keep a realistic price histogram (slots >= 240 are sampled whole).
_PLANT_BOUNDARY_PRICE_EVERY = 31
_PLANT_BOUNDARY_PRICE_MAX = 2_000
_PLANT_CHAR_BOUNDARY_EVERY = 97
_PLANT_CHAR_BOUNDARY_MAX = 600
# (details, len(contents) - min_chars) of the rows planted on the min_chars rule (rules 2.3-2.4).
_CHAR_BOUNDARY_CASES = tuple((d, n) for d in ("missing", "empty", "null") for n in (0, 1))
_SHARED_PRODUCTS = 8  # few, so that even a small run has the same product in two files

# ---- calibration to the lecture's figures (rules sections 1 and 4) ----
# A category's kept rate is P(price in range) x P(kept | price in range). The second factor is
# this generator's text: how often the contents pass 300 characters and the text 150 tokens.
# It depends on the category's vocabulary a little and is measured with the spec's rules on
# 20,000 rows a category, all priced in range (+-0.4 points); the first factor is then set so
# that the product is the lecture's rate. Re-measure when the text generation changes: the
# calibration test (tests/test_generate_calibration.py) fails when they drift apart.
_TEXT_KEPT: dict[str, float] = {
    "Automotive": 0.583,
    "Electronics": 0.573,
    "Office_Products": 0.582,
    "Tools_and_Home_Improvement": 0.578,
    "Cell_Phones_and_Accessories": 0.593,
    "Toys_and_Games": 0.581,
    # re-measured: 0.578 on 20,000 rows left Appliances 1.2% under the lecture's rate, pooled
    # over 316,099 rows (a full-size run, two 100,000-row streams, two 1M runs)
    "Appliances": 0.571,
    "Musical_Instruments": 0.573,
}
_SPARSE_SHARE = 0.10  # thin listings: a few features at most, no description
_PRICE_BELOW_RANGE = 0.0028  # shares of rows with a price under 0.5 or of 1000 and more
_PRICE_ABOVE_RANGE = 0.0027
# Prices in range: density proportional to (price + _PRICE_SHIFT) ** -exponent, steep above the
# cutoff (a thin tail to 999) and flat enough below it that at full scale every slot under the
# cutoff holds more than slot_cap items. Then the sample is (slot_cutoff - 1) x slot_cap plus the
# items at or above the cutoff, so the tail's share of items follows from the lecture's sample.
_PRICE_SHIFT = 10.0
_BODY_EXPONENT = 1.5
_TAIL_EXPONENT = 3.5


@dataclass(frozen=True)
class _PriceMix:
    cutoff: int  # slot_cutoff: slots from here on are sampled whole
    cutoff_price: float  # the lowest price whose slot is `cutoff` (round half to even)
    tail_share: float  # share of in-range prices at or above the cutoff
    min_price: float  # the price rule's range (knobs min_price, max_price)
    max_price: float


@cache
def _defaults() -> dict[str, Any]:
    """The knobs' defaults (dbt_project.yml), read once: the rules the rows are planted on."""
    return knobs.default_vars()


@cache
def _price_mix() -> _PriceMix:
    defaults = _defaults()
    cutoff, cap = int(defaults["slot_cutoff"]), int(defaults["slot_cap"])
    items = sum(LECTURE_ITEMS.values())
    tail = (LECTURE_SAMPLE - (cutoff - 1) * cap) / items
    return _PriceMix(
        cutoff,
        cutoff - 0.5,
        min(1.0, max(0.0, tail)),
        float(defaults["min_price"]),
        float(defaults["max_price"]),
    )


def priced_share(category: str) -> float:
    """Share of the category's rows drawn with a price in range: its lecture kept rate over the
    generator's text kept rate (categories the lecture did not have get the overall rate)."""
    if category in LECTURE:
        rows, items = LECTURE[category]
        text = _TEXT_KEPT[category]
    else:
        rows, items = sum(REAL_ROWS.values()), sum(LECTURE_ITEMS.values())
        text = sum(_TEXT_KEPT.values()) / len(_TEXT_KEPT)
    return min(1.0 - _PRICE_BELOW_RANGE - _PRICE_ABOVE_RANGE, items / rows / text)


def _shifted_power_law(u: float, low: float, high: float, shift: float, exponent: float) -> float:
    """Inverse CDF at `u` of the density proportional to (x + shift) ** -exponent on
    [low, high) (exponent != 1)."""
    a, b = (low + shift) ** (1 - exponent), (high + shift) ** (1 - exponent)
    return (a + u * (b - a)) ** (1 / (1 - exponent)) - shift


@cache
def _shared_product(seed: int, index: int) -> tuple[str, list[str], list[str]]:
    maker = _RowMaker(seed, _GENERIC, stream=f"shared:{index}")
    return maker.title(), maker.features(), maker.description()


def _exponent_form(value: float, marker: str) -> str:
    """`value` (>= 1, two decimals) as a JSON number in exponent form: 19.99 -> 1.999e1."""
    whole, cents = f"{value:.2f}".split(".")
    digits = whole + cents
    return f"{digits[0]}.{digits[1:]}{marker}{len(whole) - 1}"


def _replace_space(rng: random.Random, text: str, snippet: str) -> str:
    """Put `snippet` in place of a random space of `text` (at its end when it has none)."""
    i = text.find(" ", rng.randrange(len(text) + 1)) if text else -1
    if i < 0:
        return text + snippet.rstrip(" ")
    return text[:i] + snippet + text[i + 1 :]


# ------------------------------------------------------------------------------ bad lines


def _bad_line(kind: str, good: str, row: dict[str, Any], rng: random.Random) -> bytes:
    """The bad line of `kind` made from the good row (and its serialized line `good`)."""
    if kind == "truncated_json":
        core = good.strip()
        return core[: rng.randrange(1, len(core) - 1)].encode()
    if kind == "not_json":
        core = good.strip()
        r = rng.random()
        if r < 0.5:
            return rng.choice(NOT_JSON_LINES).encode()
        if r < 0.65:
            return (core + core).encode()  # two objects on one line
        if r < 0.75:
            return (core + " trailing garbage").encode()
        if r < 0.85:
            return ("\ufeff" + core).encode()  # a byte-order mark: json.loads refuses it
        return _serialize({**row, "price": _raw(rng.choice(("NaN", "Infinity")))}).encode()
    if kind == "not_object":
        if rng.random() < 0.2:
            return f"[{good.strip()}]".encode()  # an array holding a good row
        return rng.choice(NOT_OBJECT_VALUES).encode()
    if kind == "empty_line":
        return rng.choice(("", "", "", " ", "\t", "\r", "   ")).encode()
    if kind == "invalid_utf8":
        title = row["title"]
        k = rng.randrange(len(title) + 1)
        marked = {**row, "title": title[:k] + _INVALID_MARK + title[k:]}
        return _serialize(marked).encode().replace(_INVALID_MARK.encode(), rng.choice(INVALID_UTF8))
    changed = dict(row)
    if kind == "price_unparseable":
        changed["price"] = rng.choice(UNPARSEABLE_PRICES)
    elif kind == "price_boolean":
        changed["price"] = rng.random() < 0.5
    else:  # a field of the wrong type on a row that would otherwise be a priced item
        changed["price"] = round(rng.uniform(1, 300), 2)
        if kind == "title_null":
            changed["title"] = None
        elif kind == "description_not_list":
            changed["description"] = " ".join(row["description"]) or rng.choice(("", "text"))
        elif kind == "features_not_list":
            changed["features"] = "\n".join(row["features"]) or rng.choice(("", "feature"))
        else:
            raise ValueError(f"unknown bad-line kind {kind!r}")
    return _serialize(changed, ensure_ascii=rng.random() < 0.15).encode()


# ---------------------------------------------------------------------------------- writing

_progress_queue: Any = None  # set in pool workers


def _init_worker(progress_queue: Any) -> None:
    global _progress_queue
    _progress_queue = progress_queue


def _report_to_queue(n: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put(n)


def _write_file(task: _FileTask, report: Callable[[int], object] | None = None) -> FileSummary:
    report = report or _report_to_queue
    maker = _RowMaker(
        task.seed, task.category, first_row=task.first_row, plant_every=task.plant_every
    )
    bad_rng = random.Random(f"{task.seed}:{task.category}:bad-lines")
    path = Path(task.path)
    tmp = path.with_name(path.name + ".tmp")
    bad: dict[str, list[int]] = {kind: [] for kind in BAD_KINDS}
    planted: dict[str, list[int]] = {kind: [] for kind in PLANTED_KINDS}
    try:
        _write_lines(task, maker, bad_rng, tmp, bad, planted, report)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return FileSummary(path.name, task.category, task.rows, path.stat().st_size, bad, planted)


def _write_lines(
    task: _FileTask,
    maker: _RowMaker,
    bad_rng: random.Random,
    tmp: Path,
    bad: dict[str, list[int]],
    planted: dict[str, list[int]],
    report: Callable[[int], object],
) -> None:
    with open(tmp, "wb") as raw:
        sink: Any = (
            gzip_module.GzipFile(
                filename="", fileobj=raw, mode="wb", compresslevel=_GZIP_LEVEL, mtime=0
            )
            if task.gzip
            else raw
        )
        batch: list[bytes] = []
        for index in range(task.rows):
            row = maker.row()
            good = maker.line(row)  # always drawn: good lines do not depend on the bad share
            if maker.planted_kind is not None:
                planted[maker.planted_kind].append(index + 1)
            kind = task.bad.get(index)
            if kind is None:
                batch.append(good.encode())
            else:
                batch.append(_bad_line(kind, good, row, bad_rng))
                bad[kind].append(index + 1)
            if len(batch) == _PROGRESS_EVERY:
                batch.append(b"")  # the last line's newline, without copying the batch again
                sink.write(b"\n".join(batch))
                batch.clear()
                report(_PROGRESS_EVERY)
        if batch:
            lines = len(batch)
            batch.append(b"")
            sink.write(b"\n".join(batch))
            report(lines)
        if task.gzip:
            sink.close()


def _clear_stale(out_dir: Path, categories: list[str], gzip: bool) -> None:
    """Remove this generator's files of the other format, so readers never see both."""
    stale = [out_dir / file_name(c, not gzip) for c in categories]
    stale = [p for p in stale if p.exists()]
    if not stale:
        return
    if not (out_dir / MANIFEST_NAME).is_file():
        raise UsageError(
            f"{out_dir} already holds {stale[0].name}, not written by pricer generate; "
            "remove it or choose another folder"
        )
    for path in stale:
        path.unlink()


def generate(
    out_dir: Path,
    rows: int,
    seed: int,
    bad_fraction: float = 0.0,
    gzip: bool = False,
    progress: bool = False,
    workers: int | None = None,
) -> GenerateSummary:
    """Write one `meta_<Category>.jsonl[.gz]` per category of seeds/categories.csv into
    `out_dir`: `rows` lines in all (bad lines included), split in the real corpus'
    proportions, a share `bad_fraction` of them bad; then `out_dir/_generated.json`.

    `workers`: processes to use (default: up to the CPU count, one process for small runs);
    the bytes written do not depend on it. Raises UsageError for bad arguments.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise UsageError(f"--rows must be a whole number >= 1, got {rows}")
    if not 0.0 <= bad_fraction <= MAX_BAD_FRACTION:
        raise UsageError(f"--bad must be between 0 and {MAX_BAD_FRACTION}, got {bad_fraction}")
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be >= 1, got {workers}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} exists and is not a folder")
    categories = [c.name for c in knobs.categories()]
    if not categories:
        raise UsageError("seeds/categories.csv lists no category")
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_stale(out_dir, categories, gzip)
    tasks = _plan(out_dir, rows, seed, bad_fraction, gzip, categories)
    if workers is None:
        workers = 1 if rows < _PARALLEL_MIN_ROWS else min(os.cpu_count() or 1, len(tasks))
    workers = min(workers, len(tasks))
    with tqdm(
        total=rows, unit="row", unit_scale=True, disable=not progress, desc="generate"
    ) as bar:
        if workers == 1:
            files = [_write_file(task, bar.update) for task in tasks]
        else:
            files = _write_parallel(tasks, workers, bar)
    summary = GenerateSummary(out_dir, rows, seed, bad_fraction, gzip, files)
    (out_dir / MANIFEST_NAME).write_text(_manifest_text(summary.manifest()), encoding="utf-8")
    summary.seconds = time.perf_counter() - started
    return summary


def _manifest_text(manifest: dict[str, Any]) -> str:
    """Indented JSON, with each list of line numbers on one line."""
    text = json.dumps(manifest, indent=1, ensure_ascii=False)
    return _NUMBER_LIST.sub(lambda m: json.dumps(json.loads(m.group(0))), text) + "\n"


_NUMBER_LIST = re.compile(r"\[[\d,\s]*\]")


def _write_parallel(tasks: list[_FileTask], workers: int, bar: tqdm) -> list[FileSummary]:
    """Files in parallel, largest first (a good schedule when sizes differ a lot)."""
    context = multiprocessing.get_context("spawn")
    progress_queue = context.Queue()
    order = sorted(range(len(tasks)), key=lambda i: -tasks[i].rows)
    with context.Pool(workers, initializer=_init_worker, initargs=(progress_queue,)) as pool:
        pending = {i: pool.apply_async(_write_file, (tasks[i],)) for i in order}
        while not all(result.ready() for result in pending.values()):
            try:
                bar.update(progress_queue.get(timeout=0.2))
            except queue.Empty:
                pass
        files = {i: result.get() for i, result in pending.items()}
    while True:
        try:
            bar.update(progress_queue.get_nowait())
        except queue.Empty:
            break
    return [files[i] for i in range(len(tasks))]
