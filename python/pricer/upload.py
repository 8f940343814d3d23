"""Push an export to a Hugging Face Hub dataset repo in one commit (rules section 7).

Flow: check the repo id -> read and check the export -> plan the files and render the card ->
(dry run stops here) -> resolve the token -> prepare every commit operation (hashes computed,
nothing sent) -> find or create the repo -> one `create_commit`. A commit on the Hub is atomic,
so an interrupted or refused push leaves the repo as it was and can simply be rerun.

The token is passed to the client and nowhere else: every message that leaves this module
goes through `scrub`.
"""

from __future__ import annotations

import json
import os
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from pricer import __version__, database
from pricer import export as layout
from pricer.card import CardInputs, CategoryCount, ItemsSummary, SplitSummary, render_card
from pricer.errors import PricerError, UsageError

REPO_TYPE = "dataset"
CHART_SUFFIXES = (".svg", ".png")
EXPECTED_COLUMNS = {"text": "string", "price": "double"}  # Arrow names of string / float64
DEFAULT_ENDPOINT = "https://huggingface.co"

_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s'\",;]+")
_TOKEN_LIKE = re.compile(r"\bhf_[A-Za-z0-9]{30,}")  # user access tokens: hf_ + 34


# -- repo id, endpoint, token ------------------------------------------------------------------
def check_repo_id(repo_id: str) -> str:
    """OWNER/NAME as the Hub accepts it; raises UsageError before anything is contacted."""
    owner, sep, name = repo_id.partition("/")
    problem = None
    if not sep or not owner or not name or "/" in name:
        problem = "it must be OWNER/NAME, e.g. my-user/pricer-data"
    elif not (_NAME.fullmatch(owner) and _NAME.fullmatch(name)):
        problem = "use letters, digits, '-', '_' and '.', not at the start or end of a part"
    elif "--" in repo_id or ".." in repo_id:
        problem = "'--' and '..' are not allowed"
    elif len(name) > 96 or len(owner) > 96:
        problem = "each part is at most 96 characters"
    elif name.endswith(".git"):
        problem = "the name cannot end with .git"
    if problem:
        raise UsageError(f"invalid --repo-id {repo_id!r}: {problem}")
    return repo_id


def hub_endpoint() -> str:
    """The Hub to talk to: $HF_ENDPOINT read now (the client reads it only at import time)."""
    from huggingface_hub import constants

    endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT or DEFAULT_ENDPOINT).rstrip("/")
    if not re.match(r"https?://[^/\s]+", endpoint):
        raise UsageError(f"HF_ENDPOINT must be an http(s) URL, got {endpoint!r}")
    return endpoint


def token_hint() -> str:
    """Where a token would come from, without reading it or contacting anything (for --dry-run)."""
    from huggingface_hub import constants

    if os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN"):
        return "HF_TOKEN is set"
    if Path(constants.HF_TOKEN_PATH).is_file():
        return "a saved Hugging Face login was found"
    return "none found: a real upload needs HF_TOKEN or `hf auth login`"


def resolve_token() -> str:
    """The token the client would use (HF_TOKEN, else the saved login); PricerError if none."""
    from huggingface_hub import get_token

    try:
        token = get_token()
    except Exception as err:  # e.g. an OIDC exchange that failed
        raise PricerError(
            f"could not get a Hugging Face token: {scrub(_first_line(err), None)}"
        ) from None
    if not token:
        raise PricerError(
            "no Hugging Face token: set HF_TOKEN to a token with write access "
            "(or log in with `hf auth login`)"
        )
    return token


# -- scrubbing and error translation -----------------------------------------------------------
def scrub(text: str, token: str | None) -> str:
    """Remove the token, and anything that looks like one, from a message."""
    if token:
        text = text.replace(token, "***")
    text = _BEARER.sub(r"\1***", text)
    return _TOKEN_LIKE.sub("hf_***", text)


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def _http_detail(err: Any) -> str:
    response = err.response
    status = response.status_code
    detail = (getattr(err, "server_message", None) or "").strip().splitlines()
    reason = detail[0] if detail else response.reason_phrase
    text = f"HTTP {status}" + (f" ({reason})" if reason else "")
    if status == 401:
        text += "; check that the token is valid"
    elif status == 403:
        text += "; check that the token has write access to this namespace"
    return text


@contextmanager
def hub_errors(action: str, *, token: str | None, endpoint: str) -> Iterator[None]:
    """Turn whatever the client raises into one scrubbed PricerError line."""
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    try:
        yield
    except PricerError:
        raise
    except HfHubHTTPError as err:
        message = f"{action}: the Hub at {endpoint} answered {_http_detail(err)}"
        raise_scrubbed(message, err, token)
    except json.JSONDecodeError as err:  # e.g. validate-yaml reads the body before the status
        raise_scrubbed(
            f"{action}: the Hub at {endpoint} answered with something that is not JSON "
            "(an outage or a proxy in the way?)",
            err,
            token,
        )
    except OfflineModeIsEnabled as err:
        raise_scrubbed(f"{action}: HF_HUB_OFFLINE is set, so the Hub cannot be reached", err, token)
    except Exception as err:
        if type(err).__module__.split(".")[0].startswith("httpx"):  # ConnectError, timeouts...
            why = f"{type(err).__name__}: {_first_line(err)}"
            message = f"{action}: cannot reach the Hub at {endpoint} ({why})"
        else:
            message = f"{action}: {type(err).__name__}: {_first_line(err)}"
        raise_scrubbed(message, err, token)


def raise_scrubbed(message: str, err: BaseException, token: str | None) -> NoReturn:
    """Raise PricerError(message), scrubbed; the client's exception stays its cause (shown by
    --debug) unless the token appears anywhere in that exception's traceback."""
    leaks = token is not None and token in "".join(traceback.format_exception(err))
    raise PricerError(scrub(message, token)) from (None if leaks else err)


# -- the export ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Export:
    out_dir: Path
    manifest: dict[str, Any]
    splits: list[tuple[SplitSummary, Path]]
    categories: list[CategoryCount] | None
    charts: list[Path]
    items: ItemsSummary | None = None
    hub_files: tuple[str, ...] = ()  # what the export wrote for the repo (its manifest says)


def _parquet(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except Exception as err:
        raise PricerError(
            f"cannot read {path}: {_first_line(err)}; re-run `pricer export`"
        ) from err


def _arrow_bytes(parquet: Any) -> int:
    """The Arrow size in memory, the figure `datasets` reports as num_bytes."""
    return sum(batch.nbytes for batch in parquet.iter_batches(batch_size=65_536))


def _split_stats(name: str, path: Path) -> SplitSummary:
    parquet = _parquet(path)
    found = {f.name: str(f.type) for f in parquet.schema_arrow}
    if found != EXPECTED_COLUMNS:
        shown = ", ".join(f"{k} ({v})" for k, v in found.items()) or "none"
        raise PricerError(
            f"{path} has columns {shown}; expected text (string), price (double); "
            "re-run `pricer export`"
        )
    return SplitSummary(
        name=name,
        path_in_repo=layout.split_file(name),
        num_examples=parquet.metadata.num_rows,
        num_bytes=_arrow_bytes(parquet),
        file_size=path.stat().st_size,
    )


def _items_stats(path: Path) -> ItemsSummary:
    import datasets

    parquet = _parquet(path)
    features = datasets.Features.from_arrow_schema(parquet.schema_arrow)
    return ItemsSummary(
        config_name=layout.ITEMS_CONFIG,
        split=layout.ITEMS_SPLIT,
        path_in_repo=layout.ITEMS_FILE,
        num_examples=parquet.metadata.num_rows,
        num_bytes=_arrow_bytes(parquet),
        file_size=path.stat().st_size,
        features=[{"name": name, "dtype": feature.dtype} for name, feature in features.items()],
    )


def _category_counts(items: Path, manifest: dict[str, Any]) -> list[CategoryCount] | None:
    if not items.is_file():
        return None
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(items, columns=["category", "split"])
    except Exception as err:
        raise PricerError(
            f"cannot read {items}: {_first_line(err)}; re-run `pricer export`"
        ) from err
    weights = {c.get("category"): c.get("weight") for c in manifest.get("categories") or []}
    counts: dict[str, dict[str, int]] = {}
    for row in table.group_by(["category", "split"]).aggregate([([], "count_all")]).to_pylist():
        per = counts.setdefault(row["category"], {})
        per[row["split"] or ""] = row["count_all"]
    order = [c for c in weights if c in counts] + sorted(c for c in counts if c not in weights)
    return [
        CategoryCount(
            category=c,
            weight=weights.get(c),
            sampled=sum(counts[c].values()),
            per_split={k: v for k, v in counts[c].items() if k},
        )
        for c in order
    ]


def read_export(out_dir: Path, *, with_card: bool = True) -> Export:
    """Read and check an export folder; PricerError naming what is missing or inconsistent.

    The files to send are the manifest's `hub_files` (what the export wrote for the repo);
    with_card=False reads the folder before its README.md exists (the export itself)."""
    manifest_path = out_dir / layout.MANIFEST_FILE
    if not manifest_path.is_file():
        legacy = (out_dir / "train.parquet").is_file()
        raise PricerError(
            f"no export to upload in {out_dir}: missing {layout.MANIFEST_FILE}; "
            + ("it has the flat layout of an older pricer: " if legacy else "")
            + "run `pricer export` first"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except (ValueError, OSError) as err:
        raise PricerError(f"cannot read {manifest_path}: {err}; re-run `pricer export`") from err
    if manifest.get("unfinished"):
        raise PricerError(f"the export in {out_dir} did not finish; re-run `pricer export`")
    hub_files = manifest.get("hub_files")
    if not isinstance(hub_files, list) or not all(isinstance(p, str) for p in hub_files):
        raise PricerError(
            f"{manifest_path} lists no hub_files (an export of an older pricer); "
            "re-run `pricer export`"
        )
    skip = set() if with_card else {layout.CARD_FILE}
    missing = [p for p in hub_files if p not in skip and not (out_dir / p).is_file()]
    if missing:
        raise PricerError(
            f"export in {out_dir} is incomplete: missing {', '.join(missing)}; "
            "re-run `pricer export`"
        )

    database.check_export_source(manifest)
    counts = manifest.get("counts") or {}
    splits: list[tuple[SplitSummary, Path]] = []
    for name in layout.SPLITS:  # validation is optional
        rel = layout.split_file(name)
        expected = counts.get(name)
        if rel not in hub_files:
            if expected:  # the manifest promises rows that are not there
                raise PricerError(
                    f"{out_dir} has no {rel} but its manifest counts {expected} {name} rows"
                )
            continue
        summary = _split_stats(name, out_dir / rel)
        if expected is not None and expected != summary.num_examples:
            raise PricerError(
                f"export is inconsistent: manifest.json counts {expected} {name} rows, "
                f"{rel} has {summary.num_examples}; re-run `pricer export`"
            )
        splits.append((summary, out_dir / rel))
    if not any(s.name == "train" for s, _ in splits) or not any(
        s.name == "test" for s, _ in splits
    ):
        raise PricerError(f"export in {out_dir} has no train or no test split; re-run export")

    items_path = out_dir / layout.ITEMS_FILE
    has_items = layout.ITEMS_FILE in hub_files
    charts_dir = out_dir / "charts"
    charts = sorted(
        p
        for p in (charts_dir.iterdir() if charts_dir.is_dir() else [])
        if p.suffix.lower() in CHART_SUFFIXES
    )
    return Export(
        out_dir,
        manifest,
        splits,
        _category_counts(items_path, manifest) if has_items else None,
        charts,
        _items_stats(items_path) if has_items else None,
        tuple(hub_files),
    )


def card_inputs(export: Export, repo_id: str | None, *, license: str | None = None) -> CardInputs:
    return CardInputs(
        repo_id=repo_id,
        manifest=export.manifest,
        splits=[summary for summary, _ in export.splits],
        categories=export.categories,
        charts=[f"charts/{p.name}" for p in export.charts],
        items=export.items,
        **({"license": license} if license else {}),
    )


def local_card(out_dir: Path) -> str:
    """The card `pricer export` writes into its folder: no repo id yet (upload renders it
    again with the repo id, the licence and the charts found then)."""
    return render_card(card_inputs(read_export(out_dir, with_card=False), None))


# -- the plan --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlannedFile:
    path_in_repo: str
    size: int
    source: Path | None = None  # a local file, or
    content: bytes | None = None  # bytes made here (the card)
    rows: int | None = None


@dataclass(frozen=True)
class UploadPlan:
    repo_id: str
    private: bool
    files: list[PlannedFile]
    card: str
    splits: list[SplitSummary]

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def plan_upload(
    repo_id: str, out_dir: Path, *, private: bool = True, license: str | None = None
) -> UploadPlan:
    """Everything that would be sent, computed locally: nothing is contacted. The files are
    the export's layout (its manifest's hub_files, the card rendered again for this repo)
    and the report's charts, if any."""
    check_repo_id(repo_id)
    export = read_export(out_dir)
    inputs = card_inputs(export, repo_id, license=license)
    card = render_card(inputs)
    card_bytes = card.encode("utf-8")
    rows = {s.path_in_repo: s.num_examples for s, _ in export.splits}
    if export.items is not None:
        rows[export.items.path_in_repo] = export.items.num_examples
    files = [PlannedFile(layout.CARD_FILE, len(card_bytes), content=card_bytes)]
    for rel in export.hub_files:
        if rel == layout.CARD_FILE:
            continue
        path = out_dir / rel
        files.append(PlannedFile(rel, path.stat().st_size, source=path, rows=rows.get(rel)))
    files += [
        PlannedFile(rp, p.stat().st_size, source=p)
        for rp, p in zip(inputs.charts, export.charts, strict=True)
    ]
    files.sort(key=lambda f: f.path_in_repo)
    return UploadPlan(repo_id, private, files, card, inputs.splits)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def describe_plan(plan: UploadPlan, endpoint: str) -> list[str]:
    """The file list with sizes, for --dry-run and for the log of a real push."""
    visibility = "private" if plan.private else "public"
    lines = [
        f"{len(plan.files)} files, {human_size(plan.total_size)}, in one commit to dataset repo "
        f"{plan.repo_id} ({visibility}) at {endpoint}:"
    ]
    width = max(len(f.path_in_repo) for f in plan.files)
    for f in plan.files:
        rows = f"  {f.rows:,} rows" if f.rows is not None else ""
        lines.append(f"  {f.path_in_repo:<{width}}  {human_size(f.size):>9}{rows}")
    return lines


# -- the push --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PushResult:
    repo_url: str
    commit_url: str
    commit_oid: str
    created: bool
    unchanged: bool = False  # the repo already had exactly these files: no commit was made


def push(
    plan: UploadPlan, *, token: str, endpoint: str, say: Callable[[str], None] = print
) -> PushResult:
    """Create the repo if needed and commit every planned file in one commit."""
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    # Prepare all operations first (each file is read and hashed here): a file that vanished or
    # cannot be read fails now, before anything is sent.
    try:
        operations = [
            CommitOperationAdd(
                path_in_repo=f.path_in_repo, path_or_fileobj=f.source or f.content or b""
            )
            for f in plan.files
        ]
    except (OSError, ValueError) as err:
        raise PricerError(
            f"cannot prepare the upload: {_first_line(err)}; re-run `pricer export`"
        ) from err

    api = HfApi(endpoint=endpoint, token=token, library_name="pricer", library_version=__version__)
    repo_url = f"{endpoint}/datasets/{plan.repo_id}"

    with hub_errors(f"checking dataset repo {plan.repo_id}", token=token, endpoint=endpoint):
        try:
            info = api.dataset_info(plan.repo_id)
        except GatedRepoError:
            raise
        except RepositoryNotFoundError:
            info = None
    created = info is None
    if info is None:
        with hub_errors(f"creating dataset repo {plan.repo_id}", token=token, endpoint=endpoint):
            api.create_repo(plan.repo_id, repo_type=REPO_TYPE, private=plan.private, exist_ok=True)
        say(f"created {'private' if plan.private else 'public'} dataset repo {plan.repo_id}")
    elif info.private is False and plan.private:
        raise PricerError(
            f"dataset repo {plan.repo_id} already exists and is public; "
            "pass --public to push to it, or make it private on the Hub first"
        )
    elif info.private and not plan.private:
        say(f"note: dataset repo {plan.repo_id} already exists and is private; it stays private")

    rows = ", ".join(f"{s.name} {s.num_examples:,}" for s in plan.splits)
    with hub_errors(f"committing to dataset repo {plan.repo_id}", token=token, endpoint=endpoint):
        commit = api.create_commit(
            plan.repo_id,
            operations,
            commit_message=f"Upload dataset ({rows}) with pricer {__version__}",
            commit_description="Parquet splits, items, card, charts and manifest: `pricer upload`.",
            repo_type=REPO_TYPE,
        )
    unchanged = info is not None and commit.oid == info.sha  # the client skipped an empty commit
    return PushResult(repo_url, commit.commit_url, commit.oid, created, unchanged)


def upload(
    repo_id: str,
    out_dir: Path,
    *,
    public: bool = False,
    dry_run: bool = False,
    license: str | None = None,
    say: Callable[[str], None] = print,
) -> PushResult | None:
    """`pricer upload`: plan, then (unless dry_run) push. Returns None for a dry run."""
    check_repo_id(repo_id)
    endpoint = hub_endpoint()
    plan = plan_upload(repo_id, out_dir, private=not public, license=license)
    if dry_run:
        say("dry run: nothing is sent. Would push " + describe_plan(plan, endpoint)[0])
        for line in describe_plan(plan, endpoint)[1:]:
            say(line)
        say(f"token: {token_hint()}")
        say("--- README.md ---")
        say(plan.card.rstrip("\n"))
        return None
    token = resolve_token()
    for line in describe_plan(plan, endpoint):
        say(line)
    result = push(plan, token=token, endpoint=endpoint, say=say)
    if result.unchanged:
        say(f"nothing to push: the repo already holds these files ({result.commit_url})")
    else:
        say(f"pushed: {result.commit_url}")
    say(f"dataset: {result.repo_url}")
    return result
