"""Benchmark: the course's loader vs pricer vs the tokenizer floor, on generated raw data.

    .venv/bin/python bench/run.py --rows 100000 1000000

For each size, on the same raw files (generated once with `pricer generate DIR --rows N --seed 42
--bad 0.01` and cached in data/bench/<rows>/raw), one after the other on the same cores:

  (a) bench/course_loader.py: the course's loader in plain Python (one process per core,
      chunks of 1,000 rows, a per-item object, numpy weighted choice per slot, shuffle split,
      DatasetDict saved to disk);
  (b) `pricer build --raw DIR --db DB --threads W --set train_size=T --set test_size=E`
      then `pricer export --db DB --out DIR`, through .venv/bin/pricer; T and E are the
      course's split sizes scaled to (a)'s sample as pricer.demo.scaled_split_sizes does
      (slot_cap stays the course's 1200, so both do the same work);
  (c) bench/floor.py: only the final kept texts (pricer's items) through the fastest exact
      tokenizer on W threads.

Each runs as a subprocess whose whole process tree is polled with psutil (RSS and PSS summed over
the processes alive at each poll); wall time, CPU time (rusage of the child and its reaped
descendants) and os.getloadavg() before the run are recorded. (b)'s dbt run_results.json
(written to data/bench/<rows>/dbt-target through DBT_TARGET_PATH, so the checkout's target/ is
left alone) gives the per-model profile. Results: bench/results/bench-<rows>.json and
bench/results/summary.json (ratios, growth between sizes, the targets of issue 14).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import psutil

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
DATA = ROOT / "data" / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
PRICER = ROOT / ".venv" / "bin" / "pricer"
SEED = 42
BAD = 0.01
MB = 1024 * 1024

# Targets of issue 7, checked at the largest size run.
TARGET_A_OVER_B = 10.0  # b at least 10x faster than a
TARGET_B_OVER_C = 2.0  # b within 2x of the floor
TARGET_B_PEAK_MB = 2 * 1024  # peak RSS of b under 2 GB
TARGET_DB_SHARE = 0.10  # the DuckDB file at most 10% of the raw bytes
TARGET_GROWTH_SLACK = 1.0  # 10x rows cost at most 10x time
FULL_SCALE_ROWS = 8_284_738  # the real corpus (rules 1)
TARGET_FULL_SCALE_S = 120.0  # the full-scale estimate of b under 2 minutes


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- measurement


@dataclass
class Measured:
    """A subprocess run with its wall time, CPU time and peak memory of its process tree."""

    command: list[str]
    returncode: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_tree_mb: float = 0.0
    peak_pss_tree_mb: float = 0.0
    max_single_rss_mb: float = 0.0
    peak_processes: int = 0
    loadavg_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    log: str = ""
    # (unix time, RSS MB of the tree) at every poll, to attribute memory to dbt nodes
    timeline: list[tuple[float, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": " ".join(self.command),
            "returncode": self.returncode,
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "cpu_util": round(self.cpu_s / self.wall_s, 2) if self.wall_s else None,
            "peak_rss_tree_mb": round(self.peak_rss_tree_mb, 1),
            "peak_pss_tree_mb": round(self.peak_pss_tree_mb, 1),
            "max_single_rss_mb": round(self.max_single_rss_mb, 1),
            "peak_processes": self.peak_processes,
            "loadavg_before": [round(x, 2) for x in self.loadavg_before],
            "log": self.log,
        }


def _poll_tree(pid: int, stop: threading.Event, out: Measured, interval: float) -> None:
    """Sum RSS (every poll) and PSS (every second) over the live process tree of `pid`."""
    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    last_pss = 0.0
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        rss = 0
        live = []
        for proc in procs:
            try:
                rss += proc.memory_info().rss
                live.append(proc)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                pass
        out.peak_rss_tree_mb = max(out.peak_rss_tree_mb, rss / MB)
        out.timeline.append((time.time(), rss / MB))
        out.peak_processes = max(out.peak_processes, len(live))
        now = time.monotonic()
        if now - last_pss >= 1.0:
            last_pss = now
            pss = 0
            for proc in live:
                try:
                    pss += proc.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                    pass
            out.peak_pss_tree_mb = max(out.peak_pss_tree_mb, pss / MB)
        stop.wait(interval)


def run_measured(
    command: list[str],
    log_path: Path,
    env: dict[str, str] | None = None,
    interval: float = 0.1,
) -> Measured:
    measured = Measured(command=[str(c) for c in command], log=str(log_path))
    measured.loadavg_before = os.getloadavg()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            measured.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        stop = threading.Event()
        poller = threading.Thread(
            target=_poll_tree, args=(proc.pid, stop, measured, interval), daemon=True
        )
        poller.start()
        # wait4: the exit status and the rusage of the child and its reaped descendants
        _, status, usage = os.wait4(proc.pid, 0)
        measured.wall_s = time.perf_counter() - started
        stop.set()
        poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    measured.returncode = proc.returncode
    measured.cpu_s = usage.ru_utime + usage.ru_stime
    measured.max_single_rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
    if proc.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"bench: {command[0]} failed ({proc.returncode}); log {log_path}:\n{tail}")
    return measured


# ------------------------------------------------------------------------------------ data


def ensure_raw(rows: int) -> tuple[Path, dict[str, Any]]:
    """data/bench/<rows>/raw, generated once (seed 42, 1% bad lines) and reused."""
    raw = DATA / str(rows) / "raw"
    manifest_path = raw / "_generated.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if (manifest.get("rows"), manifest.get("seed"), manifest.get("bad_fraction")) == (
            rows,
            SEED,
            BAD,
        ) and not manifest.get("gzip"):
            return raw, manifest["totals"]
    say(f"generating {rows:,} rows into {raw}")
    command = [PRICER, "generate", raw, "--rows", rows, "--seed", SEED, "--bad", BAD]
    subprocess.run([str(c) for c in command], cwd=ROOT, check=True)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return raw, manifest["totals"]


def _reset(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


# ------------------------------------------------------------------------------------ runs


def run_a(raw: Path, work: Path, workers: int) -> dict[str, Any]:
    out = work / "out-a"
    counts_path = work / "a.json"
    _reset(out, counts_path)
    say(f"(a) course loader on {raw} with {workers} processes")
    measured = run_measured(
        [
            PYTHON,
            BENCH / "course_loader.py",
            "--raw",
            raw,
            "--out",
            out,
            "--workers",
            workers,
            "--json",
            counts_path,
        ],
        work / "logs" / "a.log",
    )
    counts = json.loads(counts_path.read_text(encoding="utf-8"))
    return {**measured.as_dict(), "items": counts["items"], "counts": counts}


def _unix(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def _node_peak_rss(node: dict[str, Any], timeline: list[tuple[float, float]]) -> float | None:
    """Peak tree RSS (MB) polled while the node executed."""
    spans = [t for t in node["timing"] if t["name"] == "execute" and t.get("started_at")]
    if not spans:
        return None
    start, end = _unix(spans[0]["started_at"]), _unix(spans[0]["completed_at"])
    inside = [rss for when, rss in timeline if start <= when <= end]
    return round(max(inside), 1) if inside else None


def dbt_profile(
    target: Path, build_wall: float, timeline: list[tuple[float, float]]
) -> dict[str, Any]:
    """Per-node times of the build from dbt's run_results.json (threads: 1, so serial), with
    the peak RSS of the build process polled during each node."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    nodes = []
    for node in results["results"]:
        kind, _, name = node["unique_id"].split(".", 2)
        nodes.append(
            {
                "node": name if kind != "model" else name.split(".")[-1],
                "type": kind,
                "execution_time": round(node["execution_time"], 3),
                "peak_rss_mb": _node_peak_rss(node, timeline),
            }
        )
    nodes.sort(key=lambda n: -n["execution_time"])
    by_type: dict[str, float] = {}
    for node in nodes:
        by_type[node["type"]] = by_type.get(node["type"], 0.0) + node["execution_time"]
    in_nodes = sum(by_type.values())
    return {
        "dbt_elapsed_s": round(results["elapsed_time"], 3),
        "sum_of_nodes_s": round(in_nodes, 3),
        "by_type_s": {k: round(v, 3) for k, v in sorted(by_type.items(), key=lambda kv: -kv[1])},
        # interpreter start, imports, dbt parse and graph, pricer's summary and split check
        "outside_nodes_s": round(build_wall - in_nodes, 3),
        "models": [n for n in nodes if n["type"] in ("model", "seed")],
        "tests_top": [n for n in nodes if n["type"] not in ("model", "seed")][:10],
    }


def _thin(timeline: list[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    if not timeline:
        return []
    start, out, last = timeline[0][0], [], -step
    for when, rss in timeline:
        if when - start - last >= step:
            last = when - start
            out.append((round(last, 1), round(rss, 1)))
    return out


def pricer_counts(db: Path) -> dict[str, Any]:
    with duckdb.connect(str(db), read_only=True) as con:

        def scalar(sql: str) -> int:
            return int(con.sql(sql).fetchall()[0][0])

        return {
            "raw_rows": scalar("select count(*) from stg_meta__rows"),
            "rejects": scalar("select count(*) from rejects"),
            "rejects_by_reason": dict(
                con.sql(
                    "select reason, count(*) from rejects group by 1 order by 2 desc"
                ).fetchall()
            ),
            "items": scalar("select count(*) from items"),
            "items_by_category": dict(
                con.sql("select category, count(*) from items group by 1 order by 1").fetchall()
            ),
            "sampled": scalar("select count(*) from sampled_items"),
            "train": scalar("select count(*) from sampled_items where split = 'train'"),
            "test": scalar("select count(*) from sampled_items where split = 'test'"),
            "db_mb": round(db.stat().st_size / MB, 1),
        }


def run_b(raw: Path, work: Path, workers: int, train: int, test: int) -> dict[str, Any]:
    db = work / "pricer.duckdb"
    out = work / "out-b"
    target = work / "dbt-target"
    # A fresh database and target each time: every build pays the same full parse (a changed
    # --set or raw_dir invalidates dbt's partial parse anyway).
    _reset(db, Path(f"{db}.wal"), out, target)
    env = {"DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(work / "dbt-logs")}
    sizes = ["--set", f"train_size={train}", "--set", f"test_size={test}"]
    say(f"(b) pricer build --threads {workers} {' '.join(sizes)}")
    build = run_measured(
        [PRICER, "build", "--raw", raw, "--db", db, "--threads", workers, *sizes],
        work / "logs" / "b-build.log",
        env,
    )
    say("(b) pricer export")
    export = run_measured(
        [PRICER, "export", "--db", db, "--out", out], work / "logs" / "b-export.log", env
    )
    counts = pricer_counts(db)
    b = build.as_dict()
    e = export.as_dict()
    return {
        "wall_s": round(build.wall_s + export.wall_s, 3),
        "cpu_s": round(build.cpu_s + export.cpu_s, 3),
        "cpu_util": round((build.cpu_s + export.cpu_s) / (build.wall_s + export.wall_s), 2),
        "peak_rss_tree_mb": max(b["peak_rss_tree_mb"], e["peak_rss_tree_mb"]),
        "peak_pss_tree_mb": max(b["peak_pss_tree_mb"], e["peak_pss_tree_mb"]),
        "max_single_rss_mb": max(b["max_single_rss_mb"], e["max_single_rss_mb"]),
        "loadavg_before": b["loadavg_before"],
        "split_sizes_passed": {"train_size": train, "test_size": test},
        "items": counts["items"],
        "counts": counts,
        "build": b,
        "export": e,
        "profile": dbt_profile(target, build.wall_s, build.timeline),
        # RSS of the build process over time (every ~1 s, relative seconds)
        "rss_timeline_mb": _thin(build.timeline, 1.0),
    }


def run_c(work: Path, workers: int) -> dict[str, Any]:
    counts_path = work / "c.json"
    _reset(counts_path)
    say(f"(c) floor: the kept texts through the tokenizer on {workers} threads")
    measured = run_measured(
        [
            PYTHON,
            BENCH / "floor.py",
            "--db",
            work / "pricer.duckdb",
            "--raw",
            work / "raw",
            "--workers",
            workers,
            "--json",
            counts_path,
        ],
        work / "logs" / "c.log",
    )
    counts = json.loads(counts_path.read_text(encoding="utf-8"))
    return {
        **measured.as_dict(),
        # the floor proper: encoding only (texts already in memory, tokenizer loaded)
        "encode_s": round(counts["encode_seconds"], 3),
        "load_tokenizer_s": round(counts["load_seconds"], 3),
        "items": counts["texts"],
        "counts": counts,
    }


def split_sizes_from(
    a: dict[str, Any] | None, previous: dict[str, Any] | None, rows: int = 0
) -> tuple[int, int]:
    """(b)'s train and test sizes: those (a) used, else those of the last run at this size;
    at full scale (the real corpus' rows or more) without (a), the course's own (the default
    knobs, 400,000 + 2,000), as `pricer demo` builds it there."""
    for source in (a, (previous or {}).get("runs", {}).get("a")):
        if source:
            return source["counts"]["train_size"], source["counts"]["test_size"]
    if rows >= FULL_SCALE_ROWS:
        from pricer import knobs

        defaults = knobs.default_vars()
        return int(defaults["train_size"]), int(defaults["test_size"])
    raise SystemExit(
        "bench: (b) needs the split sizes from (a)'s sample: run (a) first (drop --skip a) "
        "or keep an earlier bench/results/bench-<rows>.json"
    )


def per_second(run: dict[str, Any], raw_rows: int, wall_key: str = "wall_s") -> None:
    run["items_per_s"] = round(run["items"] / run[wall_key], 1) if run[wall_key] else None
    run["raw_rows_per_s"] = round(raw_rows / run[wall_key], 1) if run[wall_key] else None


def bench_size(rows: int, workers: int, skip: set[str]) -> dict[str, Any]:
    raw, totals = ensure_raw(rows)
    work = DATA / str(rows)
    previous_path = RESULTS / f"bench-{rows}.json"
    previous = (
        json.loads(previous_path.read_text(encoding="utf-8")) if previous_path.is_file() else None
    )
    runs: dict[str, Any] = {}
    if "a" not in skip:
        runs["a"] = run_a(raw, work, workers)
        per_second(runs["a"], totals["rows"])
    if "b" not in skip:
        train, test = split_sizes_from(runs.get("a"), previous, rows)
        runs["b"] = run_b(raw, work, workers, train, test)
        per_second(runs["b"], totals["rows"])
    if "c" not in skip:
        runs["c"] = run_c(work, workers)
        per_second(runs["c"], totals["rows"], "encode_s")
    for name in ("a", "b", "c"):  # keep earlier figures of a skipped run, marked as such
        if name not in runs and previous and name in previous.get("runs", {}):
            runs[name] = {**previous["runs"][name], "reused_from": previous.get("finished_at")}
    runs = dict(sorted(runs.items()))
    result = {
        "rows": rows,
        "raw_bytes": totals["bytes"],
        "raw_bad_lines": totals["bad_lines"],
        "workers": workers,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "runs": runs,
        "ratios": ratios(runs),
        "items_gap": items_gap(runs),
    }
    write_json(previous_path, result)
    return result


def ratios(runs: dict[str, Any]) -> dict[str, float | None]:
    def ratio(x: str, y: str, key_x: str = "wall_s", key_y: str = "wall_s") -> float | None:
        if x in runs and y in runs and runs[y].get(key_y):
            return round(runs[x][key_x] / runs[y][key_y], 2)
        return None

    return {
        "a_over_b": ratio("a", "b"),
        "b_over_c": ratio("b", "c", "wall_s", "encode_s"),
        "b_over_c_process": ratio("b", "c"),
        # CPU seconds (user + sys of the whole tree) suffer less from a busy machine than wall
        "a_over_b_cpu": ratio("a", "b", "cpu_s", "cpu_s"),
        "a_over_b_peak_rss": ratio("a", "b", "peak_rss_tree_mb", "peak_rss_tree_mb"),
    }


def items_gap(runs: dict[str, Any]) -> dict[str, Any] | None:
    if "a" not in runs or "b" not in runs:
        return None
    a = runs["a"]["counts"]["items_by_category"]
    b = runs["b"]["counts"]["items_by_category"]
    return {
        "a_items": runs["a"]["items"],
        "b_items": runs["b"]["items"],
        "a_minus_b": runs["a"]["items"] - runs["b"]["items"],
        "by_category_a_minus_b": {c: a.get(c, 0) - b.get(c, 0) for c in sorted({*a, *b})},
        "a_sampled": runs["a"]["counts"]["sampled"],
        "b_sampled": runs["b"]["counts"]["sampled"],
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "duckdb": duckdb.__version__,
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


# --------------------------------------------------------------------------------- summary


def growth(small: dict[str, Any], large: dict[str, Any]) -> dict[str, Any]:
    rows_factor = large["rows"] / small["rows"]
    out: dict[str, Any] = {"from_rows": small["rows"], "to_rows": large["rows"]}
    out["rows_factor"] = round(rows_factor, 2)
    for name, key in (("a", "wall_s"), ("b", "wall_s"), ("c", "encode_s")):
        s, g = small["runs"].get(name), large["runs"].get(name)
        if s and g and s.get(key):
            out[f"{name}_time_factor"] = round(g[key] / s[key], 2)
            if name != "c":
                out[f"{name}_cpu_factor"] = round(g["cpu_s"] / s["cpu_s"], 2)
            out[f"{name}_peak_rss_factor"] = round(g["peak_rss_tree_mb"] / s["peak_rss_tree_mb"], 2)
    return out


def targets(results: list[dict[str, Any]], growths: list[dict[str, Any]]) -> dict[str, Any]:
    largest = results[-1]
    r = largest["ratios"]
    b = largest["runs"].get("b", {})
    out: dict[str, Any] = {"at_rows": largest["rows"]}
    if r.get("a_over_b") is not None:
        out["b_10x_faster_than_a"] = {"value": r["a_over_b"], "ok": r["a_over_b"] >= 10}
    if r.get("b_over_c") is not None:
        out["b_within_2x_of_c"] = {
            "value": r["b_over_c"],
            "ok": r["b_over_c"] <= TARGET_B_OVER_C,
        }
    if b:
        out["b_peak_rss_under_2gb"] = {
            "value_mb": b["peak_rss_tree_mb"],
            "ok": b["peak_rss_tree_mb"] < TARGET_B_PEAK_MB,
        }
        db_mb = b.get("counts", {}).get("db_mb")
        raw_mb = largest.get("raw_bytes", 0) / MB
        if db_mb is not None and raw_mb:
            out["db_at_most_10pct_of_raw"] = {
                "value": round(db_mb / raw_mb, 4),
                "db_mb": db_mb,
                "raw_mb": round(raw_mb, 1),
                "ok": db_mb <= TARGET_DB_SHARE * raw_mb,
            }
        # Linear in the rows from this size: the fixed cost is counted once per row, which
        # overestimates (outside_nodes_s does not grow with the rows).
        estimate = b["wall_s"] * FULL_SCALE_ROWS / largest["rows"]
        out["b_full_scale_estimate_under_2_min"] = {
            "value_s": round(estimate, 1),
            "rows": FULL_SCALE_ROWS,
            "ok": estimate < TARGET_FULL_SCALE_S,
        }
    for g in growths:
        if "b_time_factor" in g:
            limit = g["rows_factor"] * TARGET_GROWTH_SLACK
            out[f"b_growth_{g['from_rows']}_to_{g['to_rows']}"] = {
                "value": g["b_time_factor"],
                "limit": round(limit, 2),
                "ok": g["b_time_factor"] <= limit,
            }
    return out


def print_table(results: list[dict[str, Any]]) -> None:
    header = (
        f"{'rows':>9} {'run':<3} {'wall s':>9} {'items':>9} {'items/s':>9} "
        f"{'peak RSS MB':>11} {'PSS MB':>8} {'cpu util':>8} {'load before':>17}"
    )
    print(header)
    for result in results:
        for name, run in sorted(result["runs"].items()):
            wall = run["encode_s"] if name == "c" else run["wall_s"]
            load = "/".join(f"{x:.1f}" for x in run["loadavg_before"])
            print(
                f"{result['rows']:>9,} {name:<3} {wall:>9.1f} {run['items']:>9,} "
                f"{run['items_per_s']:>9,.0f} {run['peak_rss_tree_mb']:>11,.0f} "
                f"{run['peak_pss_tree_mb']:>8,.0f} {run['cpu_util']:>8} {load:>17}"
            )
        r = result["ratios"]
        print(
            f"{'':>9} a/b = {r['a_over_b']}  b/c = {r['b_over_c']} (c = encode only; "
            f"c as a process: {r['b_over_c_process']})  items gap a-b = "
            f"{(result['items_gap'] or {}).get('a_minus_b')}"
        )
        b = result["runs"].get("b")
        if b:
            p = b["profile"]
            print(
                f"{'':>9} (b) build {b['build']['wall_s']:.1f}s = dbt nodes "
                f"{p['sum_of_nodes_s']:.1f}s {p['by_type_s']} + outside nodes "
                f"{p['outside_nodes_s']:.1f}s; export {b['export']['wall_s']:.1f}s"
            )
            for model in p["models"][:8]:
                print(
                    f"{'':>13} {model['execution_time']:>8.2f}s  peak RSS "
                    f"{model['peak_rss_mb'] or 0:>7,.0f} MB  {model['node']}"
                )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Results go to bench/results/; data and build files to data/bench/<rows>/.",
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--skip",
        nargs="*",
        choices=("a", "b", "c"),
        default=[],
        help="runs to skip (their figures are reused from bench/results when present)",
    )
    args = parser.parse_args()
    sizes = sorted(set(args.rows))
    results = [bench_size(rows, args.workers, set(args.skip)) for rows in sizes]
    growths = [growth(results[i], results[i + 1]) for i in range(len(results) - 1)]
    summary = {
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sizes": sizes,
        "workers": args.workers,
        "per_size": {
            str(r["rows"]): {
                name: {
                    k: run.get(k)
                    for k in (
                        "wall_s",
                        "encode_s",
                        "items",
                        "items_per_s",
                        "peak_rss_tree_mb",
                        "peak_pss_tree_mb",
                        "cpu_util",
                        "loadavg_before",
                    )
                    if k in run
                }
                for name, run in r["runs"].items()
            }
            | {"ratios": r["ratios"], "items_gap": r["items_gap"]}
            for r in results
        },
        "growth": growths,
        "targets": targets(results, growths),
    }
    name = "summary.json" if len(sizes) > 1 else f"summary-{sizes[0]}.json"
    write_json(RESULTS / name, summary)
    print_table(results)
    for g in growths:
        print(f"growth {g}")
    print(f"targets {json.dumps(summary['targets'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
