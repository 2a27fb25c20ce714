"""The command line: exit codes, --json shapes, one-line errors, help for every command."""

import json

import pytest
from typer.testing import CliRunner

from watcher.cli import app
from watcher.demo import SCENARIO

runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("WATCHER_DB", str(tmp_path / "w.db"))
    monkeypatch.setenv("WATCHER_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    (tmp_path / "none.toml").chmod(0o600)
    for name in ("LWA_APP_ID", "LWA_CLIENT_SECRET", "SP_API_REFRESH_TOKEN", "WATCHER_SELLER_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def watch_demo(tmp_path):
    lines = ["# demo", *(f"{w}" for w in ("B0DEMO0001 赤いバッグ", "B0DEMO0002", "B0DEMO0003", "B0DEMO0004"))]
    path = tmp_path / "asins.txt"
    path.write_bytes("\n".join(lines).encode("cp932"))
    assert invoke("import", path).exit_code == 0


def test_every_command_has_help_with_an_example():
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"add", "import", "list", "remove", "run", "alerts", "history", "accept", "compare-images", "demo", "runs"} <= set(names)
    for name in names:
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        assert "Example" in result.output, name


def test_run_exit_codes_and_json(env):
    watch_demo(env)
    first = invoke("run", "--scenario", SCENARIO, "--night", 1, "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["checked"] == 4 and summary["new_alerts"] == [] and summary["status"] == "ok"
    second = invoke("run", "--scenario", SCENARIO, "--night", 2, "--json")
    assert second.exit_code == 3
    data = json.loads(second.stdout)
    assert {a["kind"] for a in data["new_alerts"]} >= {"seller_joined", "main_image_changed"}
    assert set(data) >= {"run_id", "started_at", "checked", "changed", "failed", "new_alerts", "failures"}
    again = invoke("run", "--scenario", SCENARIO, "--night", 2, "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["new_alerts"] == []


def test_failed_fetch_night_exits_zero_and_counts_failure(env):
    watch_demo(env)
    for n in (1, 2, 3):
        invoke("run", "--scenario", SCENARIO, "--night", n)
    result = invoke("run", "--scenario", SCENARIO, "--night", 4, "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["failed"] == 1 and data["new_alerts"] == []
    assert [f["asin"] for f in data["failures"]] == ["B0DEMO0004"]
    # The morning after: `runs` shows the night and what failed in it.
    runs = json.loads(invoke("runs", "--json", "--limit", 2).stdout)
    assert [(r["id"], r["status"], r["failed"]) for r in runs] == [(4, "ok", 1), (3, "ok", 0)]
    assert [f["asin"] for f in runs[0]["failures"]] == ["B0DEMO0004"] and runs[1]["failures"] == []
    text = invoke("runs", "--failures").stdout
    assert "run 4 failures:" in text and "B0DEMO0004  catalog" in text and "run 3 failures" not in text


def test_alerts_history_accept(env):
    watch_demo(env)
    for n in (1, 2):
        invoke("run", "--scenario", SCENARIO, "--night", n)
    alerts = json.loads(invoke("alerts", "--json").stdout)
    assert {a["asin"] for a in alerts} == {"B0DEMO0001"}
    assert all(a["status"] == "open" for a in alerts)
    table = invoke("alerts")
    assert "B0DEMO0001" in table.stdout and "赤いバッグ" in table.stdout
    history = json.loads(invoke("history", "B0DEMO0001", "--json").stdout)
    catalog = [v for v in history["versions"] if v["part"] == "catalog"]
    assert [v["version"] for v in catalog] == [1, 2]
    assert invoke("accept", "b0demo0001").exit_code == 0
    assert json.loads(invoke("alerts", "--json").stdout) == []
    closed = json.loads(invoke("alerts", "--all", "--json").stdout)
    assert {a["status"] for a in closed} == {"accepted"}


def test_list_json(env):
    watch_demo(env)
    rows = json.loads(invoke("list", "--json").stdout)
    assert [r["asin"] for r in rows] == ["B0DEMO0001", "B0DEMO0002", "B0DEMO0003", "B0DEMO0004"]
    assert rows[0]["label"] == "赤いバッグ"


def test_add_rejects_bad_asin_in_one_line(env):
    result = invoke("add", "B0BAD")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1


def test_import_reports_bad_lines_and_keeps_good(env):
    path = env / "list.csv"
    path.write_bytes("\ufeffasin,label\nB0DEMO0001,赤\nnope,x\nB0DEMO0002,黒\n".encode("utf-8"))
    result = invoke("import", path)
    assert result.exit_code == 0
    assert ":3:" in result.stderr and "imported 2 ASINs" in result.stderr


def test_run_without_credentials_is_a_config_error(env):
    invoke("add", "B0DEMO0001")
    result = invoke("run")
    assert result.exit_code == 2
    assert "LWA_APP_ID" in result.stderr and result.stderr.startswith("Error: ")


def test_config_file_readable_by_others_is_warned(env):
    (env / "none.toml").chmod(0o644)
    result = invoke("list")
    assert "readable by other users" in result.stderr


def test_run_with_empty_watch_list(env):
    result = invoke("run", "--scenario", SCENARIO)
    assert result.exit_code == 2 and "watch list is empty" in result.stderr


def test_commands_on_missing_database(env):
    result = invoke("alerts")
    assert result.exit_code == 1 and "no database" in result.stderr


def test_unknown_asin_history(env):
    invoke("add", "B0DEMO0001")
    result = invoke("history", "B0DEMO0009")
    assert result.exit_code == 2 and "not known" in result.stderr


def test_demo_runs_the_whole_story():
    result = invoke("demo")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "main image recolored" in out and "parent_rewrite" in out
    assert "resolved: B0DEMO0001" in out and "B0DEMO0004: catalog failed" in out
    # The mug's benign noise (NFKC title, re-uploaded image, renamed node) raises nothing.
    assert "B0DEMO0003" not in out


def test_cp932_stdout_prints_emoji_titles_without_a_traceback(env):
    # Output redirected on Windows is CP932; catalog text can hold characters it lacks.
    import os
    import subprocess
    import sys

    assert invoke("add", "B0EMOJI001", "--label", "🎁 ギフト").exit_code == 0
    command = [sys.executable, "-c", "from watcher.cli import app; app()"]
    environ = {**os.environ, "PYTHONIOENCODING": "cp932"}
    text = subprocess.run([*command, "list"], capture_output=True, env=environ, check=True).stdout.decode("cp932")
    assert "B0EMOJI001  ? ギフト" in text
    raw = subprocess.run([*command, "list", "--json"], capture_output=True, env=environ, check=True).stdout
    assert json.loads(raw.decode("cp932"))[0]["label"] == "🎁 ギフト"  # escaped, so exact


def test_demo_never_overwrites_a_database_that_is_not_a_demo(env):
    real = env / "watcher.db"
    assert invoke("add", "B0ZZZZZZZ1", "--label", "大事", "--db", real).exit_code == 0
    result = invoke("demo", "--db", real)
    assert result.exit_code == 2 and "is not a demo database" in result.output
    assert "B0ZZZZZZZ1" in invoke("list", "--db", real).output
    notes = env / "notes.txt"
    notes.write_text("not a database", encoding="utf-8")
    assert invoke("demo", "--db", notes).exit_code == 2 and notes.read_text(encoding="utf-8") == "not a database"
    again = env / "demo.db"
    assert invoke("demo", "--db", again).exit_code == 0
    second = invoke("demo", "--db", again)  # an earlier demo is started afresh
    assert second.exit_code == 0 and f"Then try, with --db {again}:" in second.output


def test_version_and_top_level_help():
    version = invoke("--version")
    assert version.exit_code == 0 and version.output.startswith("watcher ")
    top = invoke("--help")
    assert top.exit_code == 0 and "Example: watcher import" in top.output
