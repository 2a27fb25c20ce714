"""`watcher demo`: the bundled four-night scenario through the real pipeline.

The scenario is served night by night by the bundled fake SP-API server on loopback, and
read by the real SP-API client: the demo exercises auth, batching, quotas, retries and
image downloads over real HTTP, with no credentials and no network.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from pathlib import Path

import typer

from . import pipeline, store
from .errors import UsageError
from .render import describe, table
from .fakeserver import FakeSpApi
from .source.replay import Scenario
from .timeutil import show

SCENARIO = Path(__file__).parent / "demo_data" / "scenario"


def _say(text: str = "") -> None:
    typer.echo(text)


def _refuse_unless_demo(path: Path, demo_asins: set[str]) -> None:
    """The demo starts afresh, but only ever over an earlier demo: `--db watcher.db` by
    mistake must not cost a seller their history."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as raw:
            watched = {row[0] for row in raw.execute("SELECT asin FROM asins WHERE role = 'watched'")}
    except sqlite3.Error:
        watched = None
    if not watched or not watched <= demo_asins:
        raise UsageError(f"{path} exists and is not a demo database; the demo will not overwrite it "
                         "(pass a new file name, e.g. --db demo.db)")


def run_demo(db_path: Path | None = None) -> int:
    # Failures are part of the story and reported per night; no duplicate log lines.
    logging.getLogger("watcher").setLevel(logging.ERROR)
    scenario = Scenario(SCENARIO)
    with tempfile.TemporaryDirectory(prefix="watcher-demo-") as tmp:
        path = db_path or Path(tmp) / "demo.db"
        if path.exists():
            _refuse_unless_demo(path, {w["asin"] for w in scenario.watch})
            path.unlink()
        db = store.open_db(path)
        try:
            store.add_asins(db, [(w["asin"], w.get("label")) for w in scenario.watch], scenario.night(1).at)
            # Quotas scaled up 100x so four nights take seconds, not minutes.
            with FakeSpApi(scenario, rate_scale=100) as fake:
                _say(f"Fake SP-API server on {fake.url} (recorded scenario, real HTTP client)")
                _say()
                for number in scenario.nights:
                    fake.set_night(number)
                    with fake.source(path) as source:
                        summary = pipeline.run(
                            db, source, now=scenario.night(number).at, my_seller_id=scenario.seller_id,
                            source_name=f"demo#{number}",
                        )
                    _report_night(number, summary)
            _say("Open alerts now (watcher alerts):")
            rows = store.alerts(db)
            _say(table(
                ["ASIN", "label", "severity", "cause", "what"],
                [[a.asin, a.label or "", a.severity, a.cause, describe(a.kind, a.before, a.after, a.detail)] for a in rows],
                max_col=60,
            ))
            _say()
            _say(f"Database: {path if db_path else '(temporary; pass --db demo.db to keep it)'}")
            _say(f"Then try, with --db {path if db_path else 'demo.db'}:")
            _say("  watcher history B0DEMO0002        the versions of the pen listing")
            _say("  watcher alerts --all              open and resolved alerts")
            _say("  watcher check B0DEMO0001 --ordered-at 2026-11-03T12:00   what a customer saw")
            _say("  watcher evidence B0DEMO0002 --out evidence-B0DEMO0002    the case for Amazon")
            _say("  watcher runs --failures           each night's counts and what failed")
        finally:
            db.close()
    return 0


def _report_night(number: int, summary: pipeline.RunSummary) -> None:
    _say(f"Night {number} ({show(summary.started_at)}): checked {summary.checked}, "
         f"failed {summary.failed}, new alerts {len(summary.new_alerts)}, resolved {len(summary.resolved_alerts)}")
    if number == 1:
        _say("  first run: baselines recorded silently")
    for failure in summary.failures:
        _say(f"  ! {failure['asin']}: {failure['stage']} failed ({failure['error']}); no alert raised")
    for alert in summary.new_alerts:
        what = describe(alert["kind"], alert["before"], alert["after"], alert["detail"])
        _say(f"  + [{alert['severity']}] {alert['asin']} {what}  (cause: {alert['cause']})")
    for alert in summary.resolved_alerts:
        _say(f"  - resolved: {alert['asin']} {alert['kind']} (the listing is back to its baseline)")
    _say()
