"""The nightly digest to a chat webhook: when it is sent, what it says, hostile catalog
text made harmless, and a failing webhook that neither leaks its URL nor loses an alert.

The webhook is a real HTTP server on loopback; the digest goes through the real client.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from watcher import notify
from watcher.cli import app
from watcher.config import load_settings
from watcher.demo import SCENARIO
from watcher.errors import ConfigError
from watcher.pipeline import RunSummary

runner = CliRunner()
TOKEN = "T000SECRET/B000SECRET/XXXXSECRETXXXX"


class Hook:
    """A webhook on 127.0.0.1 that records every body and answers `status`."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                hook.bodies.append(json.loads(self.rfile.read(length).decode("utf-8")))
                self.send_response(hook.status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/{TOKEN}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    server = Hook()
    yield server
    server.close()


@pytest.fixture
def env(tmp_path, monkeypatch, hook):
    monkeypatch.setenv("WATCHER_DB", str(tmp_path / "w.db"))
    config = tmp_path / "none.toml"
    config.write_text("", encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("WATCHER_CONFIG", str(config))
    monkeypatch.setenv("WATCHER_NOTIFY_URL", hook.url)
    for name in ("LWA_APP_ID", "LWA_CLIENT_SECRET", "SP_API_REFRESH_TOKEN", "WATCHER_SELLER_ID"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def summary(new=(), resolved=(), failed=0, status="ok"):
    return RunSummary(run_id=7, started_at="2026-11-02T18:10:00Z", checked=10, failed=failed,
                      new_alerts=list(new), resolved_alerts=list(resolved), status=status)


def alert(asin="B0DEMO0001", kind="title_changed", before="赤いバッグ", after="青いバッグ"):
    return {"asin": asin, "kind": kind, "severity": "critical", "cause": "other_seller",
            "before": before, "after": after, "detail": None}


def test_the_digest_says_when_and_what_in_japanese_and_english():
    text = notify.digest(summary([alert()], [{"asin": "B0DEMO0003", "kind": "title_changed"}], failed=1),
                         "Asia/Tokyo", {"B0DEMO0001": "赤いバッグ（本革）"})
    first, *rest = text.splitlines()
    assert first.startswith("watcher 2026-11-03 03:10 JST: 新しいアラート 1件・解決 1件・取得失敗 1件")
    assert "1 new, 1 resolved, 1 failed of 10 checked" in first
    assert any(line.startswith("[critical] B0DEMO0001 赤いバッグ（本革）:") and "青いバッグ" in line for line in rest)
    assert any(line.startswith("[resolved] B0DEMO0003: title_changed") for line in rest)
    assert "watcher runs --failures" in text


def test_hostile_catalog_text_cannot_ping_link_or_break_lines():
    hostile = "&amp;<!channel> @everyone\nfake\x1b[31m <https://evil.example|公式>"
    text = notify.digest(summary([alert(after=hostile)]), "Asia/Tokyo", {"B0DEMO0001": "@here <b>"})
    assert "<" not in text and ">" not in text and "@" not in text
    assert "&lt;!channel&gt;" in text and "＠everyone" in text and "&amp;amp;" in text
    assert len(text.splitlines()) == 2 and "\x1b" not in text


def test_a_long_night_is_cut_with_a_count():
    text = notify.digest(summary([alert(asin=f"B0TEST{i:04d}") for i in range(25)]), "Asia/Tokyo")
    assert len(text.splitlines()) == 1 + notify.MAX_LINES + 1
    assert text.splitlines()[-1] == "… ほか 5件 / and 5 more: watcher alerts"


def test_a_quiet_night_sends_nothing():
    assert not notify.worth_sending(summary())
    assert notify.worth_sending(summary(failed=1)) and notify.worth_sending(summary(status="failed"))
    assert notify.worth_sending(summary([alert()]))


def test_run_sends_one_digest_only_when_something_happened(env, hook):
    path = env / "asins.txt"
    path.write_text("B0DEMO0001 赤いバッグ\nB0DEMO0002\nB0DEMO0003\nB0DEMO0004\n", encoding="utf-8")
    assert invoke("import", path).exit_code == 0
    assert invoke("run", "--scenario", SCENARIO, "--night", 1, "--quiet").exit_code == 0
    assert hook.bodies == []  # the baseline night is silent
    second = invoke("run", "--scenario", SCENARIO, "--night", 2)
    assert second.exit_code == 3 and "digest sent to 127.0.0.1" in second.output
    assert TOKEN not in second.output and "SECRET" not in second.output
    assert len(hook.bodies) == 1 and set(hook.bodies[0]) == {"text"}
    text = hook.bodies[0]["text"]
    assert "B0DEMO0001 赤いバッグ: main image recolored" in text and "seller joined" in text
    assert "未解決のアラート 計3件 / 3 open in all" in text
    assert invoke("run", "--scenario", SCENARIO, "--night", 2, "--quiet").exit_code == 0
    assert len(hook.bodies) == 1  # nothing new on a re-run: no second message


def test_a_refusing_webhook_keeps_the_exit_code_and_never_shows_its_url(env, hook):
    hook.status = 404
    path = env / "asins.txt"
    path.write_text("B0DEMO0001\nB0DEMO0002\n", encoding="utf-8")
    invoke("import", path)
    invoke("run", "--scenario", SCENARIO, "--night", 1)
    result = invoke("run", "--scenario", SCENARIO, "--night", 2)
    assert result.exit_code == 3  # the alerts were raised and stored; the hook's "no" changes nothing
    assert "Warning: notification to 127.0.0.1 failed: HTTP 404" in result.output
    assert "SECRET" not in result.output and len(hook.bodies) == 1  # a 404 is not asked again
    assert "main image" in invoke("alerts").output


def test_notify_test_command(env, hook):
    result = invoke("notify-test")
    assert result.exit_code == 0 and result.output.strip() == "sent to 127.0.0.1"
    assert "テスト通知" in hook.bodies[0]["text"]


def test_webhook_from_the_config_file_and_bad_values(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[notify]\nurl = "https://hooks.example.com/services/abc"\n', encoding="utf-8")
    config.chmod(0o600)
    settings = load_settings(env={"WATCHER_CONFIG": str(config)})
    assert settings.notify_url == "https://hooks.example.com/services/abc"
    assert "abc" not in repr(settings)
    with pytest.raises(ConfigError) as info:
        load_settings(env={"WATCHER_CONFIG": str(config), "WATCHER_NOTIFY_URL": "hooks.example.com/SECRET"})
    assert "SECRET" not in str(info.value)


def test_a_run_that_cannot_run_at_all_is_told_to_the_chat_without_secrets(env, hook, monkeypatch):
    invoke("add", "B0DEMO0001")
    monkeypatch.setenv("LWA_APP_ID", "amzn1.application-oa2-client.APPID")
    monkeypatch.setenv("LWA_CLIENT_SECRET", "CLIENTSECRETVALUE")
    monkeypatch.setenv("SP_API_REFRESH_TOKEN", "Atzr|REFRESHTOKENVALUE")
    # Nothing listens on the discard port: the token request fails as when offline.
    monkeypatch.setenv("WATCHER_LWA_TOKEN_URL", "http://127.0.0.1:9/auth/o2/token")
    monkeypatch.setenv("WATCHER_SPAPI_RETRIES", "1")  # no backoff waits in a test
    result = invoke("run", "--quiet")
    assert result.exit_code == 1
    assert len(hook.bodies) == 1
    text = hook.bodies[0]["text"]
    assert "実行に失敗しました" in text and "access-token request" in text
    assert "CLIENTSECRETVALUE" not in text and "REFRESHTOKENVALUE" not in text


def test_notify_always_also_reports_a_quiet_night(env, hook, monkeypatch):
    monkeypatch.setenv("WATCHER_NOTIFY_ALWAYS", "true")
    invoke("add", "B0DEMO0001")
    assert invoke("run", "--scenario", SCENARIO, "--night", 1).exit_code == 0
    assert len(hook.bodies) == 1 and "変更はありません / nothing changed" in hook.bodies[0]["text"]
    monkeypatch.setenv("WATCHER_NOTIFY_ALWAYS", "sometimes")
    result = invoke("run", "--scenario", SCENARIO, "--night", 1)
    assert result.exit_code == 2 and "WATCHER_NOTIFY_ALWAYS must be true or false" in result.output
