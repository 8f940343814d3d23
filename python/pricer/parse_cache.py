"""Reuse of dbt's parse of the project when the only knobs changed are ones no parse reads.

dbt parses the whole project again whenever `--vars` differ from those of its last parse (its
state check hashes them: `ManifestLoader.is_partial_parsable`), which is 2-3 s of a rebuild
after a sampling knob changed (`--set slot_cap=600` at 1M rows: 7.4-8.0 s, of which the parse
took 2.3 s). But the parse of this project reads only some knobs: the ones with a `stage` in
`vars.knob_rules` (the item rules and the tokenizer, which the Python model's yml config
renders) and `raw_dir`. Every other knob (the sampling, split, dedup and export knobs) is read
only when the models and tests run, and a parse with other values of them gives the same
manifest: `tests/test_parse_cache.py` parses the project with every such knob changed and
compares the manifests.

So a build keeps a copy of the parse it made (`save`, kept beside dbt's own
`partial_parse.msgpack`, and its hash in the build record) and the next build hands that parse
to dbt (`dbtRunner(manifest=...)`, dbt's way of reusing one) when (`load`):

* the project is the one that parse read: the same folder (the manifest keeps its paths),
  the same code and seeds (their hashes, as the record of incremental.inputs_of keeps them);
* every var that differs from the parse's is a knob without a `stage`;
* the saved file is the one recorded (its sha256), written by this dbt version, and the
  environment variables that the project's files read (`manifest.env_vars`) are unchanged.

Otherwise dbt parses as usual. A reused parse is the same object dbt would have made, so the
build is the same; the models still run with the new values of the knobs.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

SAVED_NAME = "pricer_parse.msgpack"
DBT_SAVED_NAME = "partial_parse.msgpack"  # where dbt saves the parse it made (target dir)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save(target: Path, inputs: dict[str, Any], project: Path) -> dict[str, Any] | None:
    """After a dbt run that parsed the project in folder `project` with the vars of `inputs`:
    keep a copy of the parse dbt saved; what the build record keeps of it (None when dbt saved
    none)."""
    try:
        data = (target / DBT_SAVED_NAME).read_bytes()
    except OSError:
        return None
    kept = target / SAVED_NAME
    tmp = kept.with_name(kept.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, kept)
    return {
        "sha256": _sha256(data),
        "project": str(project),
        "vars": inputs["vars"],
        "code": inputs["code"],
        "seeds": inputs["seeds"],
    }


def reusable(
    saved: dict[str, Any] | None,
    inputs: dict[str, Any],
    rules: dict[str, dict[str, Any]],
    project: Path,
) -> bool:
    """Whether a parse recorded as `saved` (`save`) holds for a build of `inputs` in the
    project folder `project`: the same folder, code and seeds, and only knobs without a
    `stage` changed."""
    if not saved or saved.get("project") != str(project):
        return False
    if saved.get("code") != inputs["code"] or saved.get("seeds") != inputs["seeds"]:
        return False
    before, now = saved.get("vars", {}), inputs["vars"]
    changed = {name for name in set(before) | set(now) if before.get(name) != now.get(name)}
    return all(
        isinstance(rules.get(name), dict) and not rules[name].get("stage") for name in changed
    )


def load(
    target: Path,
    saved: dict[str, Any] | None,
    inputs: dict[str, Any],
    rules: dict[str, dict[str, Any]],
    project: Path,
    env: dict[str, str],
) -> Any | None:
    """The saved parse (a dbt Manifest) if it holds for a build of `inputs` in `project` run
    with the environment `env`, else None (dbt parses)."""
    if not reusable(saved, inputs, rules, project):
        return None
    try:
        data = (target / SAVED_NAME).read_bytes()
    except OSError:
        return None
    if _sha256(data) != saved["sha256"]:  # type: ignore[index]
        return None
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumuro_decoder
    from dbt.version import __version__

    try:
        manifest = Manifest.from_msgpack(data, decoder=extended_mashumuro_decoder)
    except Exception:  # another dbt's format: parse instead
        return None
    if manifest.metadata.dbt_version != __version__:
        return None
    if any(_env_value(name, env) != value for name, value in manifest.env_vars.items()):
        return None
    manifest.build_flat_graph()  # as dbt does after loading a saved parse
    return manifest


def _env_value(name: str, env: dict[str, str]) -> str:
    """The value of an environment variable as dbt records it in `manifest.env_vars`."""
    from dbt.constants import DEFAULT_ENV_PLACEHOLDER

    if name in env:
        return env[name]
    return os.environ.get(name, DEFAULT_ENV_PLACEHOLDER)
