"""dbt's partial parsing across a change of knobs that no parse reads.

dbt parses the whole project again whenever `--vars` differ from those of its saved parse
(its state check hashes them: `ManifestLoader.is_partial_parsable`), which was 2.3-3 s of a
rebuild after a sampling knob changed (`--set slot_cap=600` at 1M rows took 7.4-8.0 s). But the
parse of this project reads only some knobs: the ones with a `stage` in `vars.knob_rules` (the
item rules and the tokenizer, which the Python model's yml config renders) and `raw_dir`. Every
other knob (the sampling, split, dedup and export knobs) is read only when models and tests
run, and a parse with other values of them gives the same manifest:
`tests/test_parse_cache.py` parses the project with every such knob changed and compares.

So a build keeps a copy of dbt's saved parse (`save`: `pricer_parse.<sha256>.msgpack` in dbt's
target folder, its sha256 and vars in the build record), and the next build, when every var that
differs from that parse's is a knob without a `stage` and the project folder is the same
(`holds`), hands dbt that parse with the state check of the new vars (`prepare`, through
dbt's `--partial-parse-file-path`, here its environment variable). dbt's own partial parsing
does the rest: it re-parses the files that changed since (a seed, a model) and the files whose
environment variables changed, or parses everything when anything else in its state check
differs. If the state check written here ever differs from the one dbt computes (another
dbt version's formula), dbt parses everything, as without this module: slower, never wrong.
"""

from __future__ import annotations

import hashlib
import os
import pprint
from pathlib import Path
from typing import Any

# The kept parses, in dbt's target folder, one a sha256 (databases built from one checkout
# share the folder, and each database's record names its own); the newest KEPT stay.
KEPT = 8
NEXT_NAME = "pricer_parse.next.msgpack"  # that parse with the state check of this build's vars
DBT_SAVED_NAME = "partial_parse.msgpack"  # where dbt saves the parse it made
PARSE_FILE_ENV = "DBT_PARTIAL_PARSE_FILE_PATH"  # dbt's --partial-parse-file-path
# dbt's events that say it parsed the whole project (or could not read the saved parse)
FULL_PARSE_EVENTS = frozenset({"UnableToPartialParse", "ParsedFileLoadFailed"})


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kept_path(target: Path, sha256: str) -> Path:
    """Where the kept parse of this sha256 lies."""
    return target / f"pricer_parse.{sha256[:16]}.msgpack"


def vars_hash(cli_vars: str) -> str:
    """The `vars_hash` of dbt's state check for a run with `--vars cli_vars` and no
    `--profile` or `--target` (dbt-core's `ManifestLoader.build_manifest_state_check`)."""
    from dbt.config.utils import parse_cli_vars
    from dbt.version import __version__

    text = "\x00".join([pprint.pformat(parse_cli_vars(cli_vars)), "", "", __version__])
    return _sha256(text.encode())


def holds(
    saved: dict[str, Any] | None,
    inputs: dict[str, Any],
    rules: dict[str, dict[str, Any]],
    project: Path,
) -> bool:
    """Whether a parse recorded as `saved` (`save`) can stand for a parse with the vars of
    `inputs` (incremental.inputs_of) in the project folder `project`: the same folder (the
    manifest keeps its paths), and only knobs without a `stage` changed."""
    if not saved or saved.get("project") != str(project):
        return False
    before, now = saved.get("vars", {}), inputs["vars"]
    changed = {name for name in set(before) | set(now) if before.get(name) != now.get(name)}
    return all(
        isinstance(rules.get(name), dict) and not rules[name].get("stage") for name in changed
    )


def prepare(
    target: Path,
    saved: dict[str, Any] | None,
    inputs: dict[str, Any],
    rules: dict[str, dict[str, Any]],
    project: Path,
    cli_vars: str,
) -> Path | None:
    """The file to hand dbt as its saved parse (PARSE_FILE_ENV) for a run with
    `--vars cli_vars`: the kept parse with the state check of these vars, if it `holds` and
    is the one recorded; else None (dbt decides from its own saved parse)."""
    if not holds(saved, inputs, rules, project):
        return None
    try:
        data = kept_path(target, saved["sha256"]).read_bytes()  # type: ignore[index]
    except (OSError, KeyError, TypeError):
        return None
    if _sha256(data) != saved["sha256"]:  # type: ignore[index]
        return None
    import msgpack

    try:
        manifest = msgpack.unpackb(data, raw=False, strict_map_key=False)
        manifest["state_check"]["vars_hash"]["checksum"] = vars_hash(cli_vars)
        out = msgpack.packb(manifest, use_bin_type=True)
    except Exception:  # not a parse this code knows: dbt decides
        return None
    path = target / NEXT_NAME
    _write(path, out)
    return path


def dbt_saved_state(target: Path) -> tuple[int, int] | None:
    """The modification time and size of dbt's own saved parse, to tell whether a run
    wrote it."""
    try:
        stat = (target / DBT_SAVED_NAME).stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def save(
    target: Path,
    inputs: dict[str, Any],
    project: Path,
    cli_vars: str,
    before: tuple[int, int] | None,
    given: Path | None,
) -> dict[str, Any] | None:
    """After a dbt run with `--vars cli_vars` (the vars of `inputs`) in `project`: keep the
    parse it ran on (the one dbt wrote when its saved state changed from `before`, else the
    one it was `given`, else dbt's own) if its state check is that of these vars; what the
    build record keeps of it (None: no parse to keep)."""
    dbt_file = target / DBT_SAVED_NAME
    wrote = dbt_saved_state(target) not in (None, before)
    source = given if given is not None and not wrote else dbt_file
    try:
        data = source.read_bytes()
    except OSError:
        return None
    import msgpack

    try:
        checksum = msgpack.unpackb(data, raw=False, strict_map_key=False)["state_check"][
            "vars_hash"
        ]["checksum"]
    except Exception:
        return None
    if checksum != vars_hash(cli_vars):  # not a parse of these vars, or another formula
        return None
    sha256 = _sha256(data)
    kept = kept_path(target, sha256)
    _write(kept, data)
    os.utime(kept)  # the newest, whether written now or before
    for old in sorted(target.glob("pricer_parse.*.msgpack"), key=lambda p: -p.stat().st_mtime)[
        KEPT:
    ]:
        if old.name != NEXT_NAME:
            old.unlink(missing_ok=True)
    return {"sha256": sha256, "project": str(project), "vars": inputs["vars"]}


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
