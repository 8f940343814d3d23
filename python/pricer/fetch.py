"""Download the raw item-metadata files of Amazon Reviews 2023 from the Hub (rules section 1).

Each `raw/meta_categories/meta_<Category>.jsonl` of the dataset repo
McAuley-Lab/Amazon-Reviews-2023 is fetched with `hf_hub_download` into a staging folder
inside DIR and moved to DIR/meta_<Category>.jsonl once complete, the flat layout that
`pricer build --raw DIR` reads. A file already in DIR is kept (use force to fetch it again), so a
rerun after an interruption fetches only what is missing. Within one run the client resumes a
transfer cut by a network error with a Range request; a file interrupted by stopping pricer
starts over on the next run (huggingface_hub >= 1.18 no longer reuses partial files).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pricer import __version__
from pricer.constants import SOURCE_REPO, SOURCE_REPO_TYPE
from pricer.errors import PricerError, UsageError
from pricer.upload import hub_endpoint, hub_errors, raise_scrubbed

REMOTE_PATH = "raw/meta_categories/meta_{category}.jsonl"
LOCAL_NAME = "meta_{category}.jsonl"
STAGING_DIR = ".pricer-fetch"  # inside DIR, so the final move is a rename on the same disk
_CATEGORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Fetched:
    category: str
    path: Path
    size: int
    skipped: bool  # already in DIR, not downloaded


def default_categories() -> list[str]:
    from pricer import knobs

    return [c.name for c in knobs.categories()]


def check_categories(categories: Sequence[str]) -> list[str]:
    """Category names as they appear in the file names; UsageError for anything else."""
    names: list[str] = []
    for raw in categories:
        for name in (part.strip() for part in raw.split(",")):
            if not name:
                continue
            if not _CATEGORY.fullmatch(name):
                raise UsageError(
                    f"invalid category {name!r}: use the file-name form, e.g. Office_Products"
                )
            if name not in names:
                names.append(name)
    if not names:
        raise UsageError("no categories given")
    return names


def fetch(
    out_dir: Path,
    categories: Sequence[str] | None = None,
    *,
    revision: str | None = None,
    force: bool = False,
    say: Callable[[str], None] = print,
) -> list[Fetched]:
    """Download meta_<Category>.jsonl for each category into out_dir; returns what is there."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        LocalEntryNotFoundError,
        RemoteEntryNotFoundError,
        RevisionNotFoundError,
    )

    known = default_categories()
    names = check_categories(categories) if categories else known
    for name in names:
        if name not in known:
            say(
                f"note: {name} is not in seeds/categories.csv; "
                "`pricer build` reads it only once it is added there"
            )
    endpoint = hub_endpoint()
    token = _token_or_none()  # only to scrub messages: the client sends it itself
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PricerError(f"cannot create {out_dir}: {err.strerror}") from err
    staging = out_dir / STAGING_DIR
    results: list[Fetched] = []
    for i, name in enumerate(names, start=1):
        final = out_dir / LOCAL_NAME.format(category=name)
        gzipped = final.with_name(final.name + ".gz")
        present = final if final.is_file() else gzipped if gzipped.is_file() else None
        if present is not None and not force:
            results.append(Fetched(name, present, present.stat().st_size, skipped=True))
            say(f"[{i}/{len(names)}] {present.name}: already there, kept")
            continue
        remote = REMOTE_PATH.format(category=name)
        say(f"[{i}/{len(names)}] {final.name}: downloading {SOURCE_REPO}/{remote}")
        action = f"downloading {remote}"
        with hub_errors(action, token=token, endpoint=endpoint):
            try:
                downloaded = hf_hub_download(
                    repo_id=SOURCE_REPO,
                    repo_type=SOURCE_REPO_TYPE,
                    filename=remote,
                    revision=revision,
                    local_dir=staging,
                    endpoint=endpoint,
                    force_download=force,
                    library_name="pricer",
                    library_version=__version__,
                )
            except RevisionNotFoundError as err:
                raise_scrubbed(f"{action}: {SOURCE_REPO} has no revision {revision!r}", err, token)
            except RemoteEntryNotFoundError as err:
                message = (
                    f"{action}: {SOURCE_REPO} has no such file; "
                    f"is {name!r} an Amazon Reviews 2023 category?"
                )
                raise_scrubbed(message, err, token)
            except LocalEntryNotFoundError as err:  # the client's "HEAD failed and nothing cached"
                raise_scrubbed(_unreachable(action, endpoint, err), err, token)
        os.replace(downloaded, final)
        if gzipped.is_file():  # --force over a .jsonl.gz: keep one copy, as `pricer build` wants
            gzipped.unlink()
            say(f"[{i}/{len(names)}] removed {gzipped.name}: replaced by the fresh {final.name}")
        results.append(Fetched(name, final, final.stat().st_size, skipped=False))
    shutil.rmtree(staging, ignore_errors=True)  # only bookkeeping is left in it
    return results


def _token_or_none() -> str | None:
    from huggingface_hub import get_token

    try:
        return get_token()
    except Exception:
        return None


def _unreachable(action: str, endpoint: str, err: BaseException) -> str:
    """One line for a failed metadata request: the HTTP status if the Hub answered, else why not."""
    inner = err.__cause__
    response = getattr(inner, "response", None)
    if response is not None:
        why = f"the Hub at {endpoint} answered HTTP {response.status_code}"
    elif inner is not None:
        why = f"cannot reach the Hub at {endpoint} ({type(inner).__name__})"
    else:
        why = f"cannot reach the Hub at {endpoint}"
    return f"{action}: {why}; rerun to continue (files already fetched are kept)"
