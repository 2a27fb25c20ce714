"""The whole product over real HTTP: fake SP-API server, real client, real SQLite, CLI.

These tests drive `watcher` exactly as cron would (environment variables, exit codes),
and check the two promises sellers rely on most: a fault is never an alert, and no
credential ever lands in a log, the database or a report.
"""

import json
import logging

import pytest
from typer.testing import CliRunner

from watcher.cli import app
from watcher.demo import SCENARIO
from watcher.fakeserver import FakeSpApi
from watcher.source.replay import Scenario

runner = CliRunner()


@pytest.fixture
def fake(tmp_path, monkeypatch):
    with FakeSpApi(Scenario(SCENARIO), quotas=False, slow_seconds=1.5) as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("WATCHER_DB", str(tmp_path / "w.db"))
        # One attempt per call and a short timeout: faults fail at once, no backoff sleeps.
        monkeypatch.setenv("WATCHER_SPAPI_RETRIES", "1")
        monkeypatch.setenv("WATCHER_SPAPI_TIMEOUT", "1")
        config = tmp_path / "config.toml"
        config.write_text("", encoding="utf-8")
        config.chmod(0o600)
        monkeypatch.setenv("WATCHER_CONFIG", str(config))
        yield server


def run_night(fake, n):
    fake.set_night(n)
    result = runner.invoke(app, ["run", "--json"])
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def test_four_nights_through_the_real_client(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    assert runner.invoke(app, ["add", "B0DEMO0001", "B0DEMO0002", "B0DEMO0003", "B0DEMO0004"]).exit_code == 0
    result, first = run_night(fake, 1)
    assert result.exit_code == 0 and first["checked"] == 4 and first["new_alerts"] == []
    result, second = run_night(fake, 2)
    assert result.exit_code == 3
    assert {(a["asin"], a["kind"]) for a in second["new_alerts"]} == {
        ("B0DEMO0001", "main_image_changed"), ("B0DEMO0001", "seller_joined"), ("B0DEMO0001", "buybox_lost"),
    }
    result, third = run_night(fake, 3)
    assert result.exit_code == 3
    assert {a["cause"] for a in third["new_alerts"]} == {"parent_rewrite"}
    assert third["parents_checked"] == 1
    result, fourth = run_night(fake, 4)
    assert result.exit_code == 0 and fourth["failed"] == 1 and fourth["new_alerts"] == []
    assert {r["asin"] for r in fourth["resolved"]} == {"B0DEMO0001"}

    # Secrets: not in the database file, not in any log record, not in any output.
    secrets = [fake.credentials.client_secret, fake.credentials.refresh_token, *fake.issued_tokens()]
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("w.db*"))
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert secret.encode() not in raw
        assert secret not in logs
        assert secret not in json.dumps([first, second, third, fourth])


@pytest.mark.parametrize("fault", ["500", "timeout", "drop"])
def test_network_faults_are_never_alerts(fake, fault):
    runner.invoke(app, ["add", "B0DEMO0003", "B0DEMO0004"])
    run_night(fake, 1)
    fake.inject("B0DEMO0003", fault)
    result, summary = run_night(fake, 1)
    assert result.exit_code == 0
    assert summary["failed"] == 1 and summary["new_alerts"] == []
    assert [f["asin"] for f in summary["failures"]] == ["B0DEMO0003"]
    # Two failed nights in a row are still not a deleted listing.
    result, summary = run_night(fake, 1)
    assert summary["new_alerts"] == []


def test_a_night_where_every_asin_failed_exits_1_without_alerts(fake):
    runner.invoke(app, ["add", "B0DEMO0003", "B0DEMO0004"])
    run_night(fake, 1)
    fake.inject("B0DEMO0003", "500")
    fake.inject("B0DEMO0004", "drop")
    result, summary = run_night(fake, 1)
    assert result.exit_code == 1  # cron must see it: nothing was compared tonight
    assert summary["failed"] == summary["checked"] == 2 and summary["new_alerts"] == []
    assert result.stderr.strip().splitlines()[-1].startswith("Error: all 2 watched ASINs failed to fetch")
    assert summary["status"] == "failed" and summary["error"].startswith("all 2 watched ASINs failed to fetch")
    runs = json.loads(runner.invoke(app, ["runs", "--json", "--limit", "1"]).stdout)
    assert runs[0]["status"] == "failed" and runs[0]["error"].startswith("all 2 watched ASINs")
    fake.clear_faults()
    result, summary = run_night(fake, 1)
    assert result.exit_code == 0 and summary["failed"] == 0 and summary["new_alerts"] == []


def test_bad_credentials_fail_the_run_in_one_line(fake, monkeypatch):
    runner.invoke(app, ["add", "B0DEMO0003"])
    monkeypatch.setenv("SP_API_REFRESH_TOKEN", "Atzr|wrong-token-value")
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "wrong-token-value" not in result.stderr and fake.credentials.client_secret not in result.stderr
