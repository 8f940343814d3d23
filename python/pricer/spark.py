"""The Spark engine: a PySpark session for dbt-spark's `session` method (`local[N]` or a cluster's
master), with what pricer registers on it before dbt runs (README "Running on Spark").

dbt-spark's session method has no Python models, so the two steps that are Python on DuckDB
reach Spark through the session instead, calling the same pricer functions:
- the raw lines (pricer.raw) become the temporary view `pricer_raw_lines`, split per file in
  Spark's Python workers (`mapInArrow`);
- tokenization (pricer.tokenizer.curate) is the vectorized UDF `pricer_curate`.
Spark writes every table as Parquet under `<spark dir>/warehouse/<schema>.db/`; `spark_views`
makes a DuckDB file of views over them, so summary, export and report read a Spark build
exactly as they read a DuckDB build.

On a cluster the executors are other processes on other hosts: the session ships the `pricer`
package to them as a zip (`SparkContext.addPyFile`, Spark's way of shipping Python code) and
checks, with one small job, that their Python can import it and what it needs, so a worker
without pandas, pyarrow, ... fails the build with one line instead of a task traceback.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sys
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd
import pyarrow as pa
import yaml

from pricer import knobs
from pricer.errors import PricerError, UsageError
from pricer.raw import LINES_SCHEMA, RawFile, file_fingerprint, find_raw_files, iter_line_batches
from pricer.tokenizer import CurationRule, curated_schema

RAW_LINES_VIEW = "pricer_raw_lines"
RAW_FILES_VIEW = "pricer_raw_files"
CURATE_UDF = "pricer_curate"
JSON_DUMPS_UDF = "pricer_json_dumps"
_SPARK_TYPES = {
    pa.bool_(): "boolean",
    pa.string(): "string",
    pa.int64(): "bigint",
    pa.binary(): "binary",
}


def spark_ddl(schema: pa.Schema) -> str:
    """An Arrow schema as a Spark DDL column list (`name type [not null], ...`)."""
    return ", ".join(
        f"{f.name} {_SPARK_TYPES[f.type]}" + ("" if f.nullable else " not null") for f in schema
    )


# The UDF's result: the curated columns of pricer.tokenizer, as a Spark struct.
CURATED_TYPE = "struct<{}>".format(
    ",".join(
        f"{f.name}:{_SPARK_TYPES[f.type]}"
        for f in curated_schema(pa.schema([("text", pa.string()), ("price", pa.float64())]))
    )
)


# The session logs errors only, to <spark dir>/spark.log: Spark's default logs every stage at
# WARN and INFO, and its errors carry Java stack traces (a lost executor, a failed task) that
# the terminal does not need: dbt reports the failed model and pricer the one-line error.
LOG4J_ERRORS_TO_FILE = """\
rootLogger.level = error
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{{yy/MM/dd HH:mm:ss}} %p %c{{1}}: %m%n%ex
"""


def spark_env(spark_dir: Path, schema: str = "pricer") -> dict[str, str]:
    """Environment that profiles.yml's spark target reads (PRICER_PYTHON: this interpreter, the
    default Python of Spark's workers)."""
    return {
        "PRICER_SPARK_DIR": str(spark_dir.resolve()),
        "PRICER_SPARK_SCHEMA": schema,
        "PRICER_PYTHON": sys.executable,
    }


def session_parameters(env: dict[str, str]) -> dict[str, str]:
    """The spark target's `server_side_parameters` from profiles.yml, rendered with `env`
    over the process environment: the one place the session's settings live."""
    text = (knobs.project_dir() / "profiles.yml").read_text()
    merged = {**os.environ, **env}

    def env_var(name: str, default: str | None = None) -> str:
        if name in merged:
            return merged[name]
        if default is None:
            raise UsageError(f"profiles.yml needs the environment variable {name}")
        return default

    rendered = jinja2.Environment().from_string(text).render(env_var=env_var)
    target = yaml.safe_load(rendered)["pricer"]["outputs"]["spark"]
    return {str(k): str(v) for k, v in target["server_side_parameters"].items()}


def get_session(env: dict[str, str]) -> Any:
    """The process's SparkSession, as dbt-spark will find it (Hive support, same settings),
    with the `pricer` package shipped to its executors and their Python checked."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(
            "the spark engine needs pyspark and dbt-spark: pip install -e '.[spark]' "
            "(and Java 17: see README, Running on Spark)"
        ) from None
    spark_dir = Path(env["PRICER_SPARK_DIR"])
    (spark_dir / "tmp").mkdir(parents=True, exist_ok=True)
    (spark_dir / "events").mkdir(parents=True, exist_ok=True)
    log4j = LOG4J_ERRORS_TO_FILE.format(log=spark_dir / "spark.log")
    (spark_dir / "log4j2.properties").write_text(log4j, encoding="utf-8")
    # pyspark 4.3 warns on every pandas UDF that pandas 3 is not fully supported; the
    # DuckDB/Spark parity test checks the UDFs' output with the pandas installed.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    parameters = session_parameters(env)
    # pyspark outside spark-submit reads the workers' Python from the environment only.
    os.environ["PYSPARK_PYTHON"] = parameters["spark.pyspark.python"]
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", parameters["spark.driver.bindAddress"])
    builder = SparkSession.builder.enableHiveSupport()
    for name, value in parameters.items():
        builder = builder.config(name, value)
    master = parameters["spark.master"]
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # pyspark raises its own error classes, not importable here
        if "JAVA_GATEWAY_EXITED" in str(error) or isinstance(error, FileNotFoundError):
            raise UsageError(
                "Spark could not start Java (JAVA_HOME="
                f"{os.environ.get('JAVA_HOME', 'unset')}): it needs Java 17, see "
                "bash scripts/install_spark.sh"
            ) from None
        raise PricerError(f"Spark could not start on {master}: {_first_line(error)}") from None
    spark.sparkContext.setLogLevel("ERROR")
    # pyspark logs every failed query to stderr as JSON with the Java stack trace; dbt reports
    # the model that failed and its error, pricer the one line.
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)
    spark.sparkContext.addPyFile(str(package_zip(spark_dir)))
    check_executors(spark, master, parameters["spark.pyspark.python"])
    return spark


def package_zip(spark_dir: Path) -> Path:
    """The `pricer` package (this process's source) as `<spark dir>/pricer.zip`, for addPyFile."""
    package = Path(__file__).resolve().parent
    target = spark_dir / "pricer.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, Path("pricer") / path.relative_to(package))
    return target


def _probe(_: int) -> tuple[str, str]:
    """Runs in an executor's Python worker: imports what the UDFs and the line view use."""
    import pandas  # noqa: F401

    import pricer.raw
    import pricer.tokenizer

    return socket.gethostname(), str(Path(pricer.raw.__file__).parent)


def _first_line(error: BaseException) -> str:
    """The line of a Spark/Python error that says what went wrong (the Python exception in
    an executor's traceback when there is one)."""
    text = str(error)
    # A dotless name: Python's exceptions, not Java's (org.apache.spark.SparkException: ...).
    found = re.findall(r"^\s*(\w+(?:Error|Exception): .+)$", text, re.MULTILINE)
    lines = found or text.strip().splitlines() or [repr(error)]
    return (lines[-1] if found else lines[0]).strip()


def check_executors(spark: Any, master: str, python: str) -> None:
    """One task per core on the executors: each imports pricer.spark (shipped as the zip) and
    what the UDFs need, or the build stops here with one line."""
    sc = spark.sparkContext
    tasks = max(2, sc.defaultParallelism)
    try:
        sc.parallelize(range(tasks), tasks).map(_probe).collect()
    except Exception as error:
        raise PricerError(
            f"Spark's executors on {master} cannot run pricer's Python ({_first_line(error)}): "
            f"their Python ({python}, spark.pyspark.python in profiles.yml or PYSPARK_PYTHON) "
            "needs the packages pricer depends on (README, Running on Spark)"
        ) from None


# Spark's Arrow exchange uses 32-bit offsets; a batch is one 64 MB read (pricer.raw), far below.
_SPARK_LINES_SCHEMA = pa.schema(
    [f.with_type(pa.binary()) if f.name == "line_bytes" else f for f in LINES_SCHEMA]
)


def _split_files(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow body: (path, category) rows in, that file's numbered lines out."""
    for batch in batches:
        for path, category in zip(
            batch.column("path").to_pylist(), batch.column("category").to_pylist(), strict=True
        ):
            if not Path(path).is_file():
                raise FileNotFoundError(
                    f"raw file {path} is not readable on Spark worker {socket.gethostname()}: "
                    "--raw must be a path every worker sees (README, Running on Spark)"
                )
            for lines in iter_line_batches(RawFile(Path(path), category)):
                yield lines.cast(_SPARK_LINES_SCHEMA)


def register_raw_lines(spark: Any, raw_dir: Path) -> int:
    """The temporary view `pricer_raw_lines`: every line of the raw folder, split by
    pricer.raw in Spark's Python workers, one file per task. Returns the number of files."""
    files = find_raw_files(raw_dir, [c.name for c in knobs.categories()])
    paths = spark.createDataFrame(
        [(str(f.path.resolve()), f.category) for f in files], "path string, category string"
    ).repartition(len(files))
    lines = paths.mapInArrow(_split_files, spark_ddl(_SPARK_LINES_SCHEMA))
    lines.createOrReplaceTempView(RAW_LINES_VIEW)
    # The files with their fingerprints (the source raw.meta_files on DuckDB), from which
    # stg_meta__rows computes its file_key
    spark.createDataFrame(
        [(f.name, f.category, file_fingerprint(f)) for f in files],
        "source_file string, category string, file_fingerprint string",
    ).createOrReplaceTempView(RAW_FILES_VIEW)
    return len(files)


def register_curate(spark: Any, dbt_vars: dict[str, Any]) -> None:
    """The vectorized UDF `pricer_curate(scrubbed_text, price)`: pricer.tokenizer.curate
    over each Arrow batch, returning its CURATED_COLUMNS."""
    from pyspark.sql.functions import pandas_udf

    rule = CurationRule.from_knobs({**knobs.default_vars(), **dbt_vars})

    @pandas_udf(CURATED_TYPE)  # type: ignore[call-overload]
    def pricer_curate(texts: pd.Series, prices: pd.Series) -> pd.DataFrame:
        from pricer.tokenizer import curate

        curated = curate(texts.tolist(), prices.to_numpy(), rule, workers=1)
        return curated.to_arrow().to_pandas()

    spark.udf.register(CURATE_UDF, pricer_curate)


def register_json_dumps(spark: Any) -> None:
    """The vectorized UDF `pricer_json_dumps(json_text)`: Python's json.dumps of the parsed
    text, with its defaults (rules 2.2); null stays null."""
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("string")  # type: ignore[call-overload]
    def pricer_json_dumps(texts: pd.Series) -> pd.Series:
        import json

        return pd.Series(
            [json.dumps(json.loads(t)) if isinstance(t, str) else None for t in texts], dtype=object
        )

    spark.udf.register(JSON_DUMPS_UDF, pricer_json_dumps)


def register_udfs(spark: Any, raw_dir: Path, dbt_vars: dict[str, Any]) -> None:
    """Everything the Spark models read that is not SQL: the raw lines and both UDFs."""
    register_raw_lines(spark, raw_dir)
    register_curate(spark, dbt_vars)
    register_json_dumps(spark)


def warehouse_dir(env: dict[str, str]) -> Path:
    return Path(session_parameters(env)["spark.sql.warehouse.dir"])


def spark_views(env: dict[str, str], db_path: Path) -> list[str]:
    """A DuckDB file at `db_path` with one view per table of the Spark build, over the Parquet
    files Spark wrote. Returns the table names."""
    schema_dir = warehouse_dir(env) / f"{env['PRICER_SPARK_SCHEMA']}.db"
    if not schema_dir.is_dir():
        raise UsageError(f"no Spark build at {schema_dir}: run pricer build --engine spark")
    tables = sorted(p.name for p in schema_dir.iterdir() if p.is_dir() and any(p.glob("*.parquet")))
    db_path.unlink(missing_ok=True)
    with duckdb.connect(str(db_path)) as con:
        for table in tables:
            files = str(schema_dir / table / "*.parquet").replace("'", "''")
            con.execute(f"create view \"{table}\" as select * from read_parquet('{files}')")
    return tables
