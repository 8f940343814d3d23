"""What a rebuild must run: the models that read a changed knob, seed or raw file, and every
model downstream of them (dbt's `--select name+`), found from dbt's own manifest.

A build records its inputs (`inputs_of`): the dbt vars, a hash of each seed, a fingerprint of
each raw file (size and modification time) and a hash of the project's code. The next build
compares them with its own (`plan`):

* nothing changed: nothing runs;
* the code or the raw folder changed: everything runs;
* a raw file is new, changed or removed: stg_meta__rows and everything downstream run. The
  two incremental models (stg_meta__rows, int_items_tokenized; macros/incremental_files.sql)
  keep the rows of the other files and read only the new and changed ones, and when no knob
  that shapes their rows changed too, only those files are scanned at all (`read_files`,
  passed to pricer.raw as READ_ONLY_ENV);
* otherwise the nodes that read a changed var (in their SQL, in the macros they call, or as a
  Python model's config) or a changed seed are selected with everything downstream, so a
  sampling knob (slot_cap, seeds of the sample and split, sizes, dedup, the weights in
  seeds/categories.csv) rebuilds only what follows the items, and an item rule or the
  tokenizer everything from that rule on.

The models left out are the unchanged tables of the previous build, which the work file starts
as a copy of, so the result is the same as a fresh build's with the same inputs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pricer.raw import RawFile, file_fingerprint

_VAR_CALL = re.compile(r"""\bvar\(\s*['"](\w+)['"]""")
_DYNAMIC_VAR_CALL = re.compile(r"""\bvar\(\s*[^'"\s]""")  # var(name): may read any var
_ANY = "*"
# Macros whose var() calls are not a model's own reads: knobs_key hashes every knob of a stage
# (knob_rules' `stage`) into the keys of the incremental models' rows, and each of those knobs
# is read by a model of its stage, which a change of it selects anyway.
_KEY_MACROS = {"knobs_key"}
# The code whose change makes every model run (its hash is recorded with the build).
CODE_GLOBS = ("models/**/*", "macros/**/*", "tests/dbt/**/*", "dbt_project.yml", "profiles.yml")


@dataclass
class Plan:
    """What a rebuild runs: `full` (everything), nothing (`select` empty, not full), or the
    nodes in `select` with everything downstream; `reasons` says why, for the summary."""

    full: bool
    select: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    # The raw files this build scans (new and changed ones), None for every file.
    read_files: list[str] | None = None
    # Whether it tokenizes (a raw file or a knob of staging or the item rules changed): the
    # build loads the tokenizer up front only then.
    tokenizes: bool = False
    # Whether dbt ran on the last build's parse of the project (pricer.parse_cache).
    parse_reused: bool = False

    def __post_init__(self) -> None:
        self.tokenizes = self.tokenizes or self.full

    @property
    def nothing(self) -> bool:
        return not self.full and not self.select


def _hash_files(paths: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def code_hash(project: Path) -> str:
    """A hash of the models, macros, dbt tests and project files."""
    files: list[Path] = []
    for pattern in CODE_GLOBS:
        files.extend(project.glob(pattern))
    return _hash_files(files, project)


def inputs_of(dbt_vars: dict[str, Any], project: Path, raw_files: list[RawFile]) -> dict[str, Any]:
    """The inputs of a build as its completion record keeps them."""
    seeds = {
        path.stem: _hash_files([path], project) for path in sorted((project / "seeds").glob("*"))
    }
    return {
        "vars": json.loads(json.dumps(dbt_vars, sort_keys=True, default=str)),
        "seeds": seeds,
        "raw_files": {raw.name: file_fingerprint(raw) for raw in raw_files},
        "code": code_hash(project),
    }


def _vars_in(code: str) -> set[str]:
    found = set(_VAR_CALL.findall(code))
    if _DYNAMIC_VAR_CALL.search(code):
        found.add(_ANY)
    return found


def vars_by_node(manifest: dict[str, Any], known_vars: Iterable[str]) -> dict[str, set[str]]:
    """For each model, seed and snapshot name: the vars it reads in its own code, in the macros
    it calls (with their dispatched implementations, `<adapter>__<name>`) and, for a Python
    model, the config keys its yml sets (each set from the var of the same name). A node that
    calls var() with a computed name reads every var ("*")."""
    known = set(known_vars)
    macros = manifest.get("macros", {})
    by_name: dict[str, list[str]] = {}
    for unique_id, macro in macros.items():
        by_name.setdefault(macro["name"].split("__")[-1], []).append(unique_id)

    cache: dict[str, set[str]] = {}

    def macro_vars(unique_id: str, seen: set[str]) -> set[str]:
        if unique_id in cache:
            return cache[unique_id]
        if unique_id in seen or unique_id not in macros:
            return set()
        if macros[unique_id]["name"].split("__")[-1] in _KEY_MACROS:
            return set()
        seen.add(unique_id)
        macro = macros[unique_id]
        found = _vars_in(macro.get("macro_sql", ""))
        calls = set(macro.get("depends_on", {}).get("macros", []))
        for twin in by_name.get(macro["name"].split("__")[-1], []):
            calls.add(twin)  # adapter.dispatch: any implementation may run
        for called in calls:
            found |= macro_vars(called, seen)
        cache[unique_id] = found
        return found

    out: dict[str, set[str]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in ("model", "seed", "snapshot"):
            continue
        found = _vars_in(node.get("raw_code", "") or "")
        for called in node.get("depends_on", {}).get("macros", []):
            found |= macro_vars(called, set())
        if node.get("language") == "python":
            found |= {key for key in node.get("config", {}) if key in known}
        out[node["name"]] = found
    return out


def plan(
    previous: dict[str, Any] | None,
    current: dict[str, Any],
    readers: dict[str, Iterable[str]] | None,
    rules: dict[str, dict[str, Any]] | None = None,
) -> Plan:
    """What to run, given the recorded inputs of the last complete build (None: none), the
    vars each node reads (`vars_by_node` of that build's manifest, recorded with it) and the
    knob rules (`knobs.knob_rules()`: a knob with a `stage` shapes the incremental models'
    rows, so a change of it makes every raw file's rows stale)."""
    if not previous:
        return Plan(full=True, reasons=["no previous complete build"])
    reasons: list[str] = []
    if previous.get("code") != current["code"]:
        return Plan(full=True, reasons=["the project's models, macros or tests changed"])
    before_files, now_files = previous.get("raw_files", {}), current["raw_files"]
    added = sorted(set(now_files) - set(before_files))
    removed = sorted(set(before_files) - set(now_files))
    changed_files = sorted(
        n for n in now_files if n in before_files and before_files[n] != now_files[n]
    )
    if added or removed or changed_files:
        parts = [
            f"{label} {', '.join(names)}"
            for label, names in (("new", added), ("removed", removed), ("changed", changed_files))
            if names
        ]
        reasons.append(f"raw files: {'; '.join(parts)}")
    before_vars, now_vars = previous.get("vars", {}), current["vars"]
    changed_vars = sorted(
        name
        for name in set(before_vars) | set(now_vars)
        if before_vars.get(name) != now_vars.get(name)
    )
    if "raw_dir" in changed_vars:
        return Plan(full=True, reasons=["the raw folder changed"])
    changed_seeds = sorted(
        name
        for name in set(previous.get("seeds", {})) | set(current["seeds"])
        if previous.get("seeds", {}).get(name) != current["seeds"].get(name)
    )
    files_changed = bool(added or removed or changed_files)
    if not changed_vars and not changed_seeds and not files_changed:
        return Plan(full=False, reasons=["nothing changed"])
    if readers is None:
        return Plan(full=True, reasons=["the last build recorded no var readers"])
    changed = set(changed_vars)
    select = {
        name for name, used in readers.items() if changed & set(used) or (_ANY in used and changed)
    } | set(changed_seeds)
    read_files: list[str] | None = None
    rules = rules or {}
    staged = any(isinstance(rules.get(n), dict) and rules[n].get("stage") for n in changed)
    if files_changed:
        select.add("stg_meta__rows")
        if not staged:
            read_files = sorted(added + changed_files)
    if changed_vars:
        reasons.append(f"knobs changed: {', '.join(changed_vars)}")
    if changed_seeds:
        reasons.append(f"seeds changed: {', '.join(changed_seeds)}")
    return Plan(
        full=False,
        select=sorted(select),
        reasons=reasons,
        read_files=read_files,
        tokenizes=files_changed or staged or "tokenizer" in changed,
    )
