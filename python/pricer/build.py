"""`pricer build`: run the dbt project on a raw folder with knob overrides.

A build runs dbt into a file of its own and publishes it atomically only when every model,
every test and the split check passed (pricer.database). dbt's log goes to its log file; the
terminal gets one line per model and the summary (the funnel, rule by rule)."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pricer import database, incremental, knobs, parse_cache
from pricer.constants import CHECKPOINT_ENV, DEFAULT_DB, DEFAULT_SPARK_DIR, SPLIT_SIZES_TEST, SPLITS
from pricer.errors import Interrupted, PricerError, UsageError
from pricer.raw import READ_ONLY_ENV, find_raw_files, scan_raw_dir

ENGINES = ("duckdb", "spark")


@dataclass
class BuildResult:
    db_path: Path
    seconds: float
    raw_rows: int = 0
    rejects: dict[str, int] = field(default_factory=dict)
    items: int = 0
    sampled: int = 0
    duplicate_groups: dict[str, int] = field(default_factory=dict)
    dedup_dropped: int = 0
    leaked_test_items: int = 0
    funnel: list[tuple[str, int]] = field(default_factory=list)
    splits: dict[str, int] = field(default_factory=dict)
    tests: int = 0
    log_file: Path | None = None
    plan: incremental.Plan | None = None

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


def dbt_env(db_path: Path, threads: int) -> dict[str, str]:
    """Environment that profiles.yml reads: the DuckDB file and its thread count."""
    return {"PRICER_DB": str(db_path), "PRICER_THREADS": str(threads)}


# DuckDB's memory cap is PRICER_MEMORY_LIMIT (profiles.yml, default 1500MB). A build of more
# raw bytes than LARGE_INPUT_BYTES gets LARGE_INPUT_MEMORY_LIMIT unless the variable is set:
# with 1500MB a build of the full 8.3M rows (26 GB) ran out of memory while tokenizing, with
# 4GB it completed (README, Full-size run).
LARGE_INPUT_BYTES = 8_000_000_000
LARGE_INPUT_MEMORY_LIMIT = "4GB"
MEMORY_ENV = "PRICER_MEMORY_LIMIT"


def memory_env(raw_bytes: int) -> dict[str, str]:
    """The memory cap to pass for raw files of this size: {} (profiles.yml's default, or
    what the user set), or the larger cap of a large input."""
    if MEMORY_ENV in os.environ or raw_bytes <= LARGE_INPUT_BYTES:
        return {}
    database.warn(
        f"{raw_bytes / 1e9:.1f} GB of raw files: DuckDB's memory cap is "
        f"{LARGE_INPUT_MEMORY_LIMIT} for this build (set {MEMORY_ENV} to choose it)"
    )
    return {MEMORY_ENV: LARGE_INPUT_MEMORY_LIMIT}


# A rebuild (not a full build) writes only what changed: with DuckDB's default checkpoint
# threshold (16MiB of write-ahead log) its commits checkpoint again and again (the rebuild that
# adds a ninth category file of 100K rows to 1M spent 3.9 s in one COMMIT), while the build is
# checkpointed anyway when it is published (pricer.database). So a rebuild gets a larger
# threshold, unless CHECKPOINT_ENV is set; a full build keeps DuckDB's default.
REBUILD_CHECKPOINT_THRESHOLD = "1GiB"


def checkpoint_env(full: bool) -> dict[str, str]:
    """DuckDB's checkpoint threshold for a full build or a rebuild (the project's dbt-duckdb
    plugin sets it, pricer.duckdb_plugin)."""
    if full or CHECKPOINT_ENV in os.environ:
        return {}
    return {CHECKPOINT_ENV: REBUILD_CHECKPOINT_THRESHOLD}


def log_dir() -> Path:
    """Where dbt writes dbt.log: $DBT_LOG_PATH, else logs/ in knobs.work_dir()."""
    return Path(os.environ.get("DBT_LOG_PATH") or knobs.work_dir() / "logs")


def target_dir() -> Path:
    """Where dbt writes its artifacts (manifest.json): $DBT_TARGET_PATH, else target/ in
    knobs.work_dir()."""
    return Path(os.environ.get("DBT_TARGET_PATH") or knobs.work_dir() / "target")


@dataclass
class _Progress:
    """dbt event callback: one line per finished model or seed on stdout (stderr is kept
    for the summary and the one line of a failure), tests counted."""

    verbose: bool
    tests: int = 0
    failed_tests: list[str] = field(default_factory=list)
    warned_tests: list[str] = field(default_factory=list)

    full_parse: bool = False

    def __call__(self, event: Any) -> None:
        if event.info.name in parse_cache.FULL_PARSE_EVENTS:
            self.full_parse = True
        if event.info.name != "NodeFinished":
            return
        node = event.data.node_info
        status = event.data.run_result.status
        seconds = event.data.run_result.execution_time
        if node.resource_type in ("test", "unit_test"):
            self.tests += 1
            if str(status) == "warn":
                self.warned_tests.append(node.node_name)
            return
        if self.verbose:
            return  # dbt prints its own lines
        folder = node.node_path.split("/", 1)[0] if "/" in node.node_path else node.resource_type
        print(f"  {folder:<13} {node.node_name:<28} {status:<7} {seconds:6.1f}s", flush=True)


@dataclass
class DbtRun:
    """What a dbt invocation reports back: the number of data and unit tests that ran, the
    names of those that ended in a warning (severity warn), and whether dbt parsed the whole
    project (rather than only what changed since its saved parse)."""

    tests: int
    warned_tests: list[str]
    full_parse: bool = False


def run_dbt(args: list[str], env: dict[str, str], *, verbose: bool = False) -> DbtRun:
    """Run dbt in this process (so Python models' progress reaches this terminal).

    dbt's own log goes to log_dir()/dbt.log; its console output only with verbose. Colours
    only on a terminal."""
    from dbt.cli.main import dbtRunner

    project = knobs.project_dir()
    env = {"DBT_TARGET_PATH": str(target_dir()), **env}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    progress = _Progress(verbose)
    colours = "--use-colors" if verbose and sys.stdout.isatty() else "--no-use-colors"
    flags = [
        "--log-path",
        str(log_dir()),
        colours,
        "--no-use-colors-file",
        "--log-level",
        "info" if verbose else "none",
        "--log-level-file",
        "debug",
    ]
    if project == knobs.INSTALLED_PROJECT:  # dbt would write its .user.yml beside profiles.yml
        flags.append("--no-send-anonymous-usage-stats")
    try:
        result = dbtRunner(callbacks=[progress]).invoke(
            [*flags, *args, "--project-dir", str(project), "--profiles-dir", str(project)]
        )
    finally:
        _release_duckdb()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    log = log_dir() / "dbt.log"
    if isinstance(result.exception, KeyboardInterrupt):
        raise KeyboardInterrupt
    if result.exception is not None:
        raise PricerError(
            f"dbt {args[0]} could not run: {_one_line(result.exception)} (log: {log})"
        )
    if not result.success:
        failed = [
            r for r in (result.result or []) if str(r.status) in ("error", "fail", "runtime error")
        ]
        if failed:
            first = failed[0]
            more = f" and {len(failed) - 1} more" if len(failed) > 1 else ""
            raise PricerError(
                f"dbt {args[0]} failed: {first.node.name} ({first.status}): "
                f"{_cause(first.message or '')}{more} (log: {log})"
            )
        raise PricerError(f"dbt {args[0]} failed (log: {log})")
    return DbtRun(progress.tests, progress.warned_tests, progress.full_parse)


def _one_line(err: Any) -> str:
    """The most telling line of an error text: its first non-empty line, whitespace folded."""
    lines = [" ".join(line.split()) for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    # dbt wraps errors as "Runtime Error in model x (path)" + the cause on the next lines
    if len(lines) > 1 and lines[0].lower().startswith(("runtime error", "compilation error")):
        return " ".join(lines[1:3])
    return lines[0]


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run, so the
    file can be opened again (read-only, or by the next run with other settings)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()


def prepare(
    raw_dir: Path, overrides: dict[str, Any] | None, *, tokenizer: bool = True
) -> tuple[Path, dict[str, Any]]:
    """Check the raw folder and the knobs (before any dbt work), and that the tokenizer loads
    unless not `tokenizer`; the dbt vars to pass."""
    raw_dir = raw_dir.resolve()
    scan = scan_raw_dir(raw_dir, [c.name for c in knobs.categories()])
    for warning in scan.warnings:
        database.warn(warning)
    if scan.missing_categories:
        database.warn(
            f"no raw file for {len(scan.missing_categories)} of the categories in "
            f"seeds/categories.csv: {', '.join(scan.missing_categories)}"
        )
    overrides = dict(overrides or {})
    knobs.validate({**knobs.default_vars(), **overrides})
    if tokenizer:
        check_tokenizer_loads({**knobs.default_vars(), **overrides}["tokenizer"])
    return raw_dir, {**overrides, "raw_dir": str(raw_dir)}


def check_tokenizer_loads(name: str) -> None:
    """Load the tokenizer now (it is cached for the build's Python model): a bad path or an
    unreachable hub name fails in one line before dbt starts."""
    from pricer.tokenizer import load_tokenizer

    try:
        load_tokenizer(name)
    except PricerError:
        raise
    except Exception as err:  # the Hub client's errors: offline, no such repo, gated
        raise UsageError(
            f"knob tokenizer: cannot load {name!r}: {_one_line(err)} (a hub name needs a "
            "network and, for a gated model, a token; or pass a local tokenizer.json)"
        ) from None


def build(
    raw_dir: Path,
    db_path: Path = DEFAULT_DB,
    threads: int = 2,
    overrides: dict[str, Any] | None = None,
    select: str | None = None,
    exclude: str | None = None,
    check_split: bool = True,
    engine: str = "duckdb",
    spark_dir: Path | None = None,
    verbose: bool = False,
    then: Callable[[Path, dict[str, Any]], DbtRun] | None = None,
    full_refresh: bool = False,
    master: str | None = None,
) -> BuildResult:
    """Validate the inputs, run `dbt build` into a new file, summarise it, check it and
    publish it as db_path (atomically: pricer.database).

    engine "spark" runs the same project on a Spark session (pricer.spark; `master`, else
    local[threads]) and publishes at `db_path` a DuckDB file of views over the Parquet
    tables Spark wrote.
    `then(work_file, dbt_vars)` runs more dbt steps on the same file before it is checked and
    published (the demo's second step) and returns what its dbt run reported; it may update
    dbt_vars.

    Unless `full_refresh`, a DuckDB build compares its inputs (knobs, seeds, raw files, code)
    with those of the last complete build and runs only the models they touch
    (pricer.incremental), in a copy of that build; with nothing changed it runs nothing."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    db_path = db_path.resolve()
    if db_path.is_dir():
        raise UsageError(f"--db {db_path} is a folder: pass the DuckDB file to build")
    started = time.perf_counter()
    # The tokenizer is loaded up front only when this build tokenizes (after the plan below)
    raw_dir, dbt_vars = prepare(raw_dir, overrides, tokenizer=False)
    partial = bool(select or exclude)
    project = knobs.project_dir()
    files = find_raw_files(raw_dir, [c.name for c in knobs.categories()])
    inputs = incremental.inputs_of({**knobs.default_vars(), **dbt_vars}, project, files)
    plan = incremental.Plan(full=True, reasons=["--full-refresh" if full_refresh else "asked"])
    previous: dict[str, Any] | None = None
    if not (full_refresh or partial or then is not None or engine != "duckdb"):
        previous = _last_complete_record(db_path)
        plan = incremental.plan(
            (previous or {}).get("inputs"),
            inputs,
            (previous or {}).get("var_readers"),
            knobs.knob_rules(),
        )
        if plan.nothing:
            result = BuildResult(db_path, time.perf_counter() - started)
            result.plan = plan
            summarise_published(result)
            return result
    if plan.full or plan.tokenizes or partial:
        check_tokenizer_loads({**knobs.default_vars(), **dbt_vars}["tokenizer"])
    with database.new_build(db_path, start_from_previous=partial or not plan.full) as work:
        cli_vars = json.dumps(dbt_vars)
        args = ["build", "--vars", cli_vars]
        if select:
            args += ["--select", select]
        elif not plan.full:
            # stg_meta__lines registers the raw source that the views over the raw files read
            args += ["--select", " ".join(["stg_meta__lines", *(f"{n}+" for n in plan.select)])]
        if exclude:
            args += ["--exclude", exclude]
        parse: dict[str, Any] | None = None
        var_readers: dict[str, list[str]] | None = None
        try:
            if engine == "spark":
                run = _build_on_spark(
                    args, raw_dir, dbt_vars, work.path, threads, spark_dir, master, verbose
                )
                var_readers = _var_readers(dbt_vars)
            else:
                env = dbt_env(work.path, threads)
                env.update(memory_env(sum(raw.path.stat().st_size for raw in files)))
                env.update(checkpoint_env(plan.full))
                if plan.read_files is not None:
                    env[READ_ONLY_ENV] = json.dumps(plan.read_files)
                given = None
                if previous is not None and not plan.full:
                    given = parse_cache.prepare(
                        target_dir(),
                        previous.get("parse"),
                        inputs,
                        knobs.knob_rules(),
                        project,
                        cli_vars,
                    )
                if given is not None:
                    env[parse_cache.PARSE_FILE_ENV] = str(given)
                before = parse_cache.dbt_saved_state(target_dir())
                run = run_dbt(args, env, verbose=verbose)
                parse = parse_cache.save(target_dir(), inputs, project, cli_vars, before, given)
                plan.parse_reused = given is not None and not run.full_parse
                var_readers = _var_readers(dbt_vars)
            warned = list(run.warned_tests)
            if then is not None:
                warned += then(work.path, dbt_vars).warned_tests
                partial = False
            result = BuildResult(db_path, time.perf_counter() - started, tests=run.tests)
            result.plan = plan
            result.log_file = log_dir() / "dbt.log"
            summarise(result, work.path)
            if check_split and not partial:
                check_funnel(result, {**knobs.default_vars(), **dbt_vars}, warned)
            work.publish(
                database.new_record(
                    {
                        k: v
                        for k, v in {**knobs.default_vars(), **dbt_vars}.items()
                        if k != "raw_dir"
                    },
                    engine=engine,
                    complete=not partial,
                    selection=" ".join(
                        f"--{k} {v}" for k, v in (("select", select), ("exclude", exclude)) if v
                    )
                    or None,
                    raw_dir=str(raw_dir),
                    inputs=inputs,
                    var_readers=var_readers,
                    parse=parse,
                )
            )
        except KeyboardInterrupt:
            raise Interrupted(_unchanged(db_path)) from None
        except UsageError:
            raise
        except PricerError as err:
            raise type(err)(f"{err}; {_unchanged(db_path)}") from None
    result.seconds = time.perf_counter() - started
    return result


def _last_complete_record(db_path: Path) -> dict[str, Any] | None:
    """The completion record of the published build, if it is complete and no build of it
    was left unfinished (then a rebuild starts afresh)."""
    if not db_path.is_file() or database.work_file(db_path).exists():
        return None
    try:
        con = database._connect_read_only(db_path)
    except PricerError:
        return None
    try:
        record = database.read_record(con)
    finally:
        con.close()
    if not record or not record.get("complete", True) or record.get("selection"):
        return None
    return record


def _var_readers(dbt_vars: dict[str, Any]) -> dict[str, list[str]] | None:
    """The vars each node reads, from the manifest dbt just wrote (for the next build)."""
    try:
        manifest = json.loads((target_dir() / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    known = {**knobs.default_vars(), **dbt_vars}
    return {n: sorted(v) for n, v in incremental.vars_by_node(manifest, known).items()}


def summarise_published(result: BuildResult) -> None:
    """summarise() of the published database, read as readers read it."""
    con = database._connect_read_only(result.db_path)
    try:
        counts = database.read_counts(con)
    finally:
        con.close()
    _fill(result, counts)


# A raw file that cannot be read fails inside DuckDB's scan of the Arrow stream; its message
# (pricer.raw.RawReadError) comes back wrapped in DuckDB's words and a Python traceback.
_STREAM_FAILURE = re.compile(r"reading the stream registered as '[^']*' failed: (?:\w+ error: )?")


def _cause(message: str) -> str:
    """The first line of a node's failure, with a raw file's read error unwrapped, and for
    DuckDB running out of memory the variable that raises its cap."""
    text = " ".join(message.split())
    if "Out of Memory Error" in text:
        return (
            f"{_one_line(message)} (DuckDB's memory cap is {MEMORY_ENV}: raise it, e.g. "
            f"{MEMORY_ENV}=8GB pricer build ...)"
        )
    match = _STREAM_FAILURE.search(text)
    if match:
        text = text[match.end() :].split(" Detail: Python exception", 1)[0]
        return text.rstrip(".")
    return _one_line(message)


def _unchanged(db_path: Path) -> str:
    if db_path.is_file():
        return f"the last complete build in {db_path} is unchanged"
    return f"no build was published at {db_path}"


def _build_on_spark(
    args: list[str],
    raw_dir: Path,
    dbt_vars: dict[str, Any],
    db_path: Path,
    threads: int,
    spark_dir: Path | None,
    master: str | None = None,
    verbose: bool = False,
) -> DbtRun:
    """`dbt build --target spark` in this process, after registering on the Spark session
    what the project's Spark models read (pricer.spark); then the views file at db_path."""
    from pricer import spark

    env = spark.spark_env(spark_dir or DEFAULT_SPARK_DIR)
    env["PRICER_SPARK_THREADS"] = str(threads)
    if master:
        env["PRICER_SPARK_MASTER"] = master
    # A failed build must not leave the previous build's views file to be read as this one.
    db_path.unlink(missing_ok=True)
    session = spark.get_session(env)
    spark.register_udfs(session, raw_dir, dbt_vars)
    # The unit tests with dict-row fixtures run on Spark too; those with DuckDB-SQL fixtures
    # are enabled on DuckDB only (their yml), and the DuckDB/Spark parity test checks the
    # same macros end to end.
    run = run_dbt([*args, "--target", "spark"], env, verbose=verbose)
    spark.spark_views(env, db_path)
    return run


# --------------------------------------------------------------------------- counts


def summarise(result: BuildResult, path: Path | None = None) -> None:
    """Fill the counts of a build from its DuckDB file (default: result.db_path)."""
    with duckdb.connect(str(path or result.db_path), read_only=True) as con:
        counts = database.read_counts(con)
    _fill(result, counts)


def _fill(result: BuildResult, counts: dict[str, Any]) -> None:
    funnel = dict(counts["funnel"])
    result.funnel = counts["funnel"]
    result.raw_rows = funnel.get("raw rows", 0)
    result.rejects = counts["rejects"]
    result.items = funnel.get("items", 0)
    result.sampled = funnel.get("sampled", 0)
    result.splits = counts["splits"]
    result.duplicate_groups = counts["duplicates"]
    result.dedup_dropped = counts.get("dedup_dropped", 0)
    result.leaked_test_items = counts.get("leaked", 0)


def check_funnel(result: BuildResult, values: dict[str, Any], warned_tests: list[str]) -> None:
    """Fail when a stage of the funnel left no item, naming it; else when the dbt test of the
    split-size rule (rules 5, SPLIT_SIZES_TEST: the rule's one statement) warned, naming the
    numbers."""
    rules = {label: rule for label, _sql, rule in database.FUNNEL}
    previous: tuple[str, int] | None = None
    for label, count in result.funnel:
        if count == 0:
            if previous is None:
                raise PricerError("the raw files hold no lines: nothing to build")
            rule = rules.get(label)
            because = f" ({rule})" if rule else ""
            raise PricerError(
                f"no item is left after the stage '{label}'{because}: {previous[1]:,} "
                f"{previous[0]} before it, 0 after; check that rule's knobs and the raw data"
            )
        previous = (label, count)
    if SPLIT_SIZES_TEST in warned_tests:
        wanted = values["train_size"] + values["test_size"] + values["val_size"]
        val = f" + val_size {values['val_size']:,}" if values["val_size"] else ""
        raise PricerError(
            f"the sample has {result.sampled:,} items, fewer than train_size "
            f"{values['train_size']:,} + test_size {values['test_size']:,}{val} = {wanted:,}; "
            "lower the sizes (--set train_size=... --set test_size=...) or use more raw data"
        )


def print_summary(result: BuildResult) -> None:
    plan = result.plan
    if plan is not None and plan.nothing:
        print(
            f"nothing changed since the last complete build of {result.db_path} (knobs, "
            f"seeds, raw files and code as recorded): nothing to run",
            file=sys.stderr,
        )
    elif plan is not None and not plan.full:
        if "stg_meta__rows" not in plan.select:
            read = "every raw file's staged rows reused"
        elif plan.read_files is None:
            read = "read every raw file (a knob of staging or the item rules changed too)"
        elif plan.read_files:
            read = f"read {', '.join(plan.read_files)}; every other raw file's rows reused"
        else:
            read = "read no raw file; every other raw file's rows reused"
        if plan.parse_reused:
            read += "; dbt parsed only what changed since the last build's parse"
        print(
            f"incremental: {'; '.join(plan.reasons)}: ran "
            f"{', '.join(n + '+' for n in plan.select)} on a copy of the last build; {read}",
            file=sys.stderr,
        )
    elif plan is not None:
        print(f"full build ({'; '.join(plan.reasons)}): read every raw file", file=sys.stderr)
    if plan is not None and plan.nothing:
        return
    rate = result.raw_rows / result.seconds if result.seconds else 0
    print(
        f"built {result.db_path} in {result.seconds:.1f}s ({rate:,.0f} raw rows/s); "
        f"{result.tests} dbt tests; dbt log: {result.log_file}",
        file=sys.stderr,
    )
    width = max([len(label) for label, _ in result.funnel] + [len(r) + 12 for r in result.rejects])
    for label, count in result.funnel:
        print(f"  {label:<{width}} {count:>12,}", file=sys.stderr)
        if label == "raw rows":
            for reason, rejected in result.rejects.items():
                print(f"    rejected: {reason:<{width - 12}} {rejected:>12,}", file=sys.stderr)
    if result.splits:
        shown = ", ".join(f"{split} {result.splits.get(split, 0):,}" for split in SPLITS)
        print(f"  {'split':<{width}} {shown}", file=sys.stderr)
    if result.duplicate_groups or result.sampled:
        print(
            f"  duplicate groups: {result.duplicate_groups.get('title', 0):,} by title, "
            f"{result.duplicate_groups.get('text', 0):,} by text; dropped by dedup: "
            f"{result.dedup_dropped:,}; test items with a train twin: "
            f"{result.leaked_test_items:,}",
            file=sys.stderr,
        )
