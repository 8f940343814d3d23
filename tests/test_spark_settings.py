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
