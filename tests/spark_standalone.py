"""A Spark standalone cluster on 127.0.0.1 from the installed pyspark's own classes, for the
cluster test and bench/engines.py: `bin/spark-class org.apache.spark.deploy.master.Master` and
N `...worker.Worker` processes, each in its own process group, stopped whatever happens.

    with standalone_cluster(work_dir, workers=2, cores=1) as cluster:
        pricer build --engine spark --master cluster.url ...

Each worker keeps its executors' directories (and their stdout/stderr) under
`cluster.workers[i].work_dir/<app id>/<executor id>/`, which is how a task's executor id maps to
its worker. The master's JSON status is at `cluster.master_json()`.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def java_available() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return True
    from shutil import which

    return which("java") is not None


@dataclass
class Daemon:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    web_port: int
    work_dir: Path | None = None

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the daemon's whole process group (the JVM, and for a worker the executor
        JVMs and Python workers it started), as when its host dies."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        # The group may outlive its leader (executor JVMs, Python workers).
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=30)


@dataclass
class Cluster:
    url: str
    master: Daemon
    workers: list[Daemon] = field(default_factory=list)

    def master_json(self) -> dict[str, Any]:
        url = f"http://{HOST}:{self.master.web_port}/json/"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        for daemon in [*self.workers, self.master]:
            daemon.stop()

    def executor_workers(self) -> dict[str, str]:
        """(app id/executor id) -> worker name, from the workers' executor directories."""
        found = {}
        for worker in self.workers:
            assert worker.work_dir is not None
            for executor in worker.work_dir.glob("app-*/*"):
                if executor.is_dir():
                    found[f"{executor.parent.name}/{executor.name}"] = worker.name
        return found


def _start(name: str, args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    spark_class = spark_home() / "bin" / "spark-class"
    with open(log, "wb") as out:
        return subprocess.Popen(
            [str(spark_class), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group, killed as one
        )


def _wait(what: str, ready: Any, daemons: list[Daemon], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for daemon in daemons:
            if not daemon.alive():
                tail = daemon.log.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"{daemon.name} exited while waiting for {what}:\n{tail}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {what}")


@contextmanager
def standalone_cluster(
    work_dir: Path, workers: int = 2, cores: int = 1, memory: str = "2g"
) -> Iterator[Cluster]:
    """A master and `workers` workers of `cores` cores on 127.0.0.1, on free ports; every
    process group is killed on exit, and at interpreter exit should the block be skipped."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": HOST,
        "SPARK_DAEMON_MEMORY": "256m",
        "SPARK_LOG_DIR": str(work_dir / "logs"),
        "SPARK_CONF_DIR": str(work_dir / "conf"),  # none: Spark's defaults
    }
    port, web = free_port(), free_port()
    master = Daemon(
        "master",
        _start(
            "master",
            [
                "org.apache.spark.deploy.master.Master",
                "--host",
                HOST,
                "--port",
                str(port),
                "--webui-port",
                str(web),
            ],
            work_dir / "master.log",
            env,
        ),
        work_dir / "master.log",
        web,
    )
    cluster = Cluster(f"spark://{HOST}:{port}", master)
    atexit.register(cluster.stop)
    try:
        _wait("the master", lambda: cluster.master_json()["status"] == "ALIVE", [master])
        for i in range(workers):
            name = f"worker-{i + 1}"
            wdir = work_dir / name
            wdir.mkdir(exist_ok=True)
            wweb = free_port()
            log = work_dir / f"{name}.log"
            process = _start(
                name,
                [
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    HOST,
                    "--port",
                    str(free_port()),
                    "--webui-port",
                    str(wweb),
                    "--cores",
                    str(cores),
                    "--memory",
                    memory,
                    "--work-dir",
                    str(wdir),
                    cluster.url,
                ],
                log,
                env,
            )
            cluster.workers.append(Daemon(name, process, log, wweb, wdir))

        def registered() -> bool:
            alive = [w for w in cluster.master_json()["workers"] if w["state"] == "ALIVE"]
            return len(alive) == workers

        _wait(f"{workers} workers", registered, [master, *cluster.workers])
        yield cluster
    finally:
        cluster.stop()
        atexit.unregister(cluster.stop)


@dataclass
class EventLog:
    """What a build's Spark event log (`<spark dir>/events/`, JSON lines) says about its tasks."""

    app_id: str
    tasks: dict[str, int]  # executor id -> tasks that succeeded there
    failed: dict[str, list[str]]  # executor id -> end reasons of the tasks that did not
    removed: dict[str, str]  # executor id -> why the executor was removed


def read_event_log(events_dir: Path) -> EventLog:
    logs = sorted(events_dir.iterdir())
    assert len(logs) == 1, f"expected one event log in {events_dir}: {logs}"
    # Spark 4 writes rolling logs by default: a directory of events_<n>_<app id> files.
    parts = sorted(logs[0].glob("events_*"), key=lambda p: int(p.name.split("_")[1]))
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in parts or logs)
    app_id, tasks, failed, removed = "", {}, {}, {}
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:  # the last line of a log still being written
            continue
        kind = event.get("Event")
        if kind == "SparkListenerApplicationStart":
            app_id = event["App ID"]
        elif kind == "SparkListenerTaskEnd":
            executor = event["Task Info"]["Executor ID"]
            reason = event["Task End Reason"]["Reason"]
            if reason == "Success":
                tasks[executor] = tasks.get(executor, 0) + 1
            else:
                failed.setdefault(executor, []).append(reason)
        elif kind == "SparkListenerExecutorRemoved":
            removed[event["Executor ID"]] = event.get("Removed Reason", "")
    return EventLog(app_id, tasks, failed, removed)


def tasks_per_worker(cluster: Cluster, log: EventLog) -> dict[str, int]:
    """Successful tasks per worker (the driver, in local mode, is `driver`)."""
    where = cluster.executor_workers()
    counts = {w.name: 0 for w in cluster.workers}
    for executor, n in log.tasks.items():
        worker = where.get(f"{log.app_id}/{executor}", f"unknown executor {executor}")
        counts[worker] = counts.get(worker, 0) + n
    return counts
