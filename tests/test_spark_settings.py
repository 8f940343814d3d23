"""The spark target's session settings, as pricer renders them from profiles.yml (no Spark)."""

from __future__ import annotations

from pathlib import Path

from pricer import spark


def test_session_settings_keep_spark_local_and_under_its_dir(tmp_path: Path) -> None:
    env = spark.spark_env(tmp_path / "state")
    params = spark.session_parameters({**env, "PRICER_SPARK_MASTER": "local[3]"})
    state = str((tmp_path / "state").resolve())
    assert params["spark.master"] == "local[3]"
    assert params["spark.driver.host"] == params["spark.driver.bindAddress"] == "127.0.0.1"
    assert params["spark.ui.enabled"] == "false"
    assert params["spark.sql.warehouse.dir"] == f"{state}/warehouse"
    assert params["spark.local.dir"] == f"{state}/tmp"
    assert (
        f"databaseName={state}/metastore_db"
        in params["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )
    assert f"-Dderby.system.home={state}" in params["spark.driver.extraJavaOptions"]
    assert spark.warehouse_dir(env) == Path(f"{state}/warehouse")


def test_views_file_needs_a_spark_build(tmp_path: Path) -> None:
    import pytest

    from pricer.errors import UsageError

    env = spark.spark_env(tmp_path / "none")
    with pytest.raises(UsageError, match="run pricer build --engine spark"):
        spark.spark_views(env, tmp_path / "views.duckdb")


def test_the_master_is_the_flag_else_the_variable_else_local_threads(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("PRICER_SPARK_MASTER", raising=False)
    monkeypatch.delenv("PYSPARK_PYTHON", raising=False)
    env = spark.spark_env(tmp_path / "state")
    assert spark.session_parameters(env)["spark.master"] == "local[2]"
    assert spark.session_parameters({**env, "PRICER_SPARK_THREADS": "3"})["spark.master"] == (
        "local[3]"
    )
    monkeypatch.setenv("PRICER_SPARK_MASTER", "spark://head:7077")
    params = spark.session_parameters({**env, "PRICER_SPARK_THREADS": "3"})
    assert params["spark.master"] == "spark://head:7077"
    # The workers' Python defaults to pricer's interpreter; PYSPARK_PYTHON overrides it.
    import sys

    assert params["spark.pyspark.python"] == sys.executable
    monkeypatch.setenv("PYSPARK_PYTHON", "/opt/py/bin/python")
    assert spark.session_parameters(env)["spark.pyspark.python"] == "/opt/py/bin/python"
    assert params["spark.eventLog.dir"] == str((tmp_path / "state").resolve() / "events")


def test_master_needs_the_spark_engine(tmp_path: Path, capsys) -> None:
    from pricer.cli import main

    code = main(["build", "--raw", str(tmp_path), "--master", "spark://head:7077"])
    assert code == 2
    assert capsys.readouterr().err.strip() == ("pricer build: error: --master needs --engine spark")
