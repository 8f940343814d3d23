"""The CLI's usage errors: one line on stderr, exit code 2, before any work starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pricer.cli import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(args)
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return code, err


def test_build_without_raw_files_fails_with_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("no data here")
    code, err = run_cli(["build", "--raw", str(tmp_path)], capsys)
    assert code == 2
    assert len(err) == 1 and "holds no meta_<Category>.jsonl" in err[0]


def test_build_missing_folder(tmp_path: Path, capsys) -> None:
    code, err = run_cli(["build", "--raw", str(tmp_path / "nope")], capsys)
    assert code == 2 and len(err) == 1 and "does not exist" in err[0]


def test_build_unknown_category_file(tmp_path: Path, capsys) -> None:
    (tmp_path / "meta_Books.jsonl").write_text("{}\n")
    code, err = run_cli(["build", "--raw", str(tmp_path)], capsys)
    assert code == 2 and len(err) == 1 and "'Books' is not in seeds/categories.csv" in err[0]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("slot_capp=3", "unknown knob 'slot_capp'"),
        ("slot_cap=abc", "knob slot_cap must be a whole number"),
        ("slot_cap=0", "knob slot_cap must be >= 1"),
        ("min_price=1000", "knob max_price must be >= min_price (1000.0), got 999.49"),
        ("dedup=fuzzy", "knob dedup must be one of none, title, text, title_text"),
        ("max_tokens=100", "knob min_tokens must be < max_tokens (100), got 150"),
        ("raw_dir=/x", "unknown knob 'raw_dir'"),
        ("slot_cap", "--set takes KNOB=VALUE"),
    ],
)
def test_build_rejects_bad_knobs(tmp_path: Path, capsys, override: str, message: str) -> None:
    (tmp_path / "meta_Automotive.jsonl").write_text("{}\n")
    code, err = run_cli(["build", "--raw", str(tmp_path), "--set", override], capsys)
    assert code == 2
    assert len(err) == 1 and message in err[0], err


def test_export_without_build(tmp_path: Path, capsys) -> None:
    code, err = run_cli(
        ["export", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path)], capsys
    )
    assert code == 1 and len(err) == 1 and "run `pricer build` first" in err[0]


def test_help_lists_commands_and_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("generate", "build", "export", "demo", "upload", "fetch"):
        assert command in out
    assert "2  usage error" in out


def test_spark_build_checks_its_input_before_starting_spark(tmp_path: Path, capsys) -> None:
    code, err = run_cli(["build", "--engine", "spark", "--raw", str(tmp_path / "nope")], capsys)
    assert code == 2 and len(err) == 1 and "does not exist" in err[0]


def test_unknown_engine_is_a_usage_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--engine", "postgres", "--raw", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "invalid choice: 'postgres'" in capsys.readouterr().err


def test_spark_build_without_java_says_so(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "meta_Automotive.jsonl").write_text('{"title": "t"}\n')
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "pricer"),
            "build",
            "--engine",
            "spark",
            "--raw",
            str(tmp_path),
            "--spark-dir",
            str(tmp_path / "spark"),
        ],
        env={**os.environ, "JAVA_HOME": str(tmp_path / "no-java")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Spark could not start Java" in done.stderr.splitlines()[-1]
