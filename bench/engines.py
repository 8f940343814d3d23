"""Benchmark: the same build on DuckDB and on Spark (issue 8), on generated raw data.

    .venv/bin/python bench/engines.py --rows 100000 1000000
    .venv/bin/python bench/engines.py --rows 100000 --engines duckdb spark spark-cluster \
        --name cluster

For each size, on bench/run.py's cached raw files (seed 42, 1% bad lines), one after the other:
`pricer build --engine duckdb|spark --threads 2` with the course's knobs (train/test sizes cut
to 1,000/100 so every size can export), then `pricer export`. `spark-cluster` is the Spark build
on a standalone cluster on 127.0.0.1 (tests/spark_standalone.py: a master and two workers of
one core each, `--master spark://...`): the same 2 cores as `local[2]` and DuckDB's 2 threads,
so rows/s per core compares the engines. Each runs as a subprocess whose whole process tree
(for Spark: the JVM and its Python workers) is polled for RSS with psutil, as in bench/run.py;
the cluster's executors are the workers' children, outside that tree. dbt's run_results.json
gives the time per model. Results:
bench/results/<name>-<rows>.json (--name, default engines).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import DATA, PRICER, RESULTS, ROOT, dbt_profile, ensure_raw, run_measured, say

sys.path.insert(0, str(ROOT / "tests"))

ENGINES = ("duckdb", "spark", "spark-cluster")
CORES = 2
SPLIT_KNOBS = ["--set", "train_size=1000", "--set", "test_size=100"]


def bench_engine(rows: int, engine: str, raw: Path) -> dict[str, Any]:
    work = DATA / str(rows) / f"engine-{engine}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    target = work / "dbt-target"
    db = work / "pricer.duckdb"
    build = [PRICER, "build", "--engine", engine.split("-")[0], "--raw", raw, "--db", db]
    build += ["--threads", str(CORES)]
    if engine != "duckdb":
        build += ["--spark-dir", work / "spark"]
    say(f"{rows:,} rows: pricer build --engine {engine}")
    env = {"DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(work / "dbt-logs")}
    per_worker = None
    executors_cpu_s = 0.0
    if engine == "spark-cluster":
        from spark_standalone import read_event_log, standalone_cluster, tasks_per_worker

        with standalone_cluster(work / "cluster", workers=CORES, cores=1) as cluster:
            stop = threading.Event()
            seen: dict[int, float] = {}
            pids = [w.process.pid for w in cluster.workers]
            poller = threading.Thread(target=_poll_cpu, args=(pids, stop, seen), daemon=True)
            poller.start()
            built = run_measured(
                [*build, "--master", cluster.url, *SPLIT_KNOBS], work / "build.log", env=env
            )
            time.sleep(3.0)  # the workers stop the application's executors
            stop.set()
            poller.join()
            per_worker = tasks_per_worker(cluster, read_event_log(work / "spark" / "events"))
        executors_cpu_s = sum(seen.values())
    else:
        built = run_measured([*build, *SPLIT_KNOBS], work / "build.log", env=env)
    say(f"{rows:,} rows: pricer export ({engine})")
    exported = run_measured([PRICER, "export", "--db", db, "--out", work / "out"], work / "x.log")
    manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    items = manifest["counts"]["items"]
    profile = dbt_profile(target, built.wall_s, built.timeline)
    return {
        "engine": engine,
        "build": built.as_dict(),
        "export": exported.as_dict(),
        "wall_s": round(built.wall_s + exported.wall_s, 1),
        "peak_rss_tree_mb": round(max(built.peak_rss_tree_mb, exported.peak_rss_tree_mb)),
        "items": items,
        "items_per_s": round(items / (built.wall_s + exported.wall_s)),
        "cores": CORES,
        "raw_rows_per_s_per_core": round(rows / built.wall_s / CORES, 1),
        # CPU of the build's process tree, plus for the cluster its executors' processes
        "build_cpu_s": round(built.cpu_s + executors_cpu_s, 1),
        "executors_cpu_s": round(executors_cpu_s, 1),
        "raw_rows_per_cpu_s": round(rows / (built.cpu_s + executors_cpu_s), 1),
        "tasks_per_worker": per_worker,
        "dbt_test_s": profile["by_type_s"].get("test", 0.0),
        "model_s": {m["node"]: m["execution_time"] for m in profile["models"]},
        "train_sha256": _sha256(work / "out" / "data" / "train-00000-of-00001.parquet"),
    }


def _poll_cpu(pids: list[int], stop: threading.Event, seen: dict[int, float]) -> None:
    """CPU seconds of every process under the workers but the workers themselves (executor JVMs
    and their Python workers), last value seen per pid, every 0.5 s."""
    import psutil

    while not stop.is_set():
        for pid in pids:
            try:
                children = psutil.Process(pid).children(recursive=True)
            except psutil.NoSuchProcess:
                continue
            for child in children:
                try:
                    times = child.cpu_times()
                except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                    continue
                seen[child.pid] = times.user + times.system
        stop.wait(0.5)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=["duckdb", "spark"])
    parser.add_argument("--name", default="engines", help="results file: <name>-<rows>.json")
    args = parser.parse_args(argv)
    if not PRICER.exists():
        raise SystemExit(f"bench: {PRICER} missing: run scripts/setup.sh first")
    RESULTS.mkdir(parents=True, exist_ok=True)
    for rows in args.rows:
        raw, _ = ensure_raw(rows)
        runs = {engine: bench_engine(rows, engine, raw) for engine in args.engines}
        same = len({r["train_sha256"] for r in runs.values()}) == 1
        out = {"rows": rows, "same_train_parquet": same, "runs": runs}
        path = RESULTS / f"{args.name}-{rows}.json"
        path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        for engine, run in runs.items():
            say(
                f"{rows:,} rows {engine}: {run['wall_s']}s, {run['items']:,} items "
                f"({run['items_per_s']:,}/s), {run['raw_rows_per_s_per_core']:,} raw rows/s "
                f"per core (build), {run['raw_rows_per_cpu_s']:,} per CPU second, "
                f"peak RSS {run['peak_rss_tree_mb']:,} MB"
            )
        say(f"train.parquet identical across engines: {same}; wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
