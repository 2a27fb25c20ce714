"""One night's run: source -> images -> store -> diff -> alerts.

Each ASIN is written in its own transaction as soon as it is observed, so a killed run
keeps every ASIN it finished. Alerts are evaluated after the variation parents have been
observed too, because a parent rewrite is recognised by comparing child and parent.
One run at a time per database (`store.run_lock`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Sequence

from sqlite_utils import Database

from . import alerts, store
from .errors import ImageError, WatcherError
from .images import analyse
from .model import Catalog, MainImage, Observation
from .source import Source
from .timeutil import to_db, utc_now

log = logging.getLogger("watcher")

# Failures logged one line each, then counted: an outage must not bury cron's mail under
# thousands of lines (`run --json` and the runs table keep every one).
LOGGED_FAILURES = 20


@dataclass
class RunSummary:
    run_id: int
    started_at: str
    checked: int = 0
    changed: int = 0
    failed: int = 0
    not_found: int = 0
    parents_checked: int = 0
    new_alerts: list[dict[str, Any]] = field(default_factory=list)
    resolved_alerts: list[dict[str, str]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"
    error: str | None = None  # why the run failed, when it did
    unlogged: int = field(default=0, repr=False)

    def fail(self, asin: str, stage: str, error: str | None) -> None:
        """Note a failure; the first `LOGGED_FAILURES` also go to the log."""
        self.failures.append({"asin": asin, "stage": stage, "error": error})
        if len(self.failures) <= LOGGED_FAILURES:
            log.warning("%s: %s failed: %s", asin, stage, error)
        else:
            self.unlogged += 1

    def counts(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "changed": self.changed,
            "failed": self.failed,
            "not_found": self.not_found,
            "new_alerts": len(self.new_alerts),
            "resolved_alerts": len(self.resolved_alerts),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "status": self.status,
            "error": self.error,
            **self.counts(),
            "parents_checked": self.parents_checked,
            "new_alerts": self.new_alerts,
            "resolved": self.resolved_alerts,
            "failures": self.failures,
        }


def _fingerprint(db: Database, source: Source, run_id: int, asin: str, image: MainImage | None,
                 now: datetime, summary: RunSummary) -> bool:
    """Download and fingerprint an image only when its id is new to us. True if saved."""
    if image is None or store.has_fingerprint(db, image.image_id):
        return False
    try:
        fingerprint, copy = analyse(source.fetch_image(image.link))
    except ImageError as exc:
        # Unknown is not a change: without a fingerprint the diff holds its verdict back.
        store.record_failure(db, run_id, asin, "image", str(exc))
        summary.fail(asin, "image", f"main image {image.image_id}: {exc}")
        return False
    store.save_image(db, image.image_id, fingerprint, copy, image.link, now)
    return True


def _fingerprint_baseline(db: Database, source: Source, run_id: int, asin: str, now: datetime,
                          summary: RunSummary) -> None:
    """The baseline's image, if its download failed back then: the listing may have moved
    on to another picture since, and only the baseline's fingerprint can judge it."""
    baseline = store.catalog_version(db, store.baseline_ids(db, asin)[0])
    if baseline is not None and isinstance(baseline.content, Catalog):
        _fingerprint(db, source, run_id, asin, baseline.content.main_image, now, summary)


def _record(db: Database, heads: store.Heads, source: Source, run_id: int, obs: Observation,
            now: datetime, summary: RunSummary, parent: bool = False) -> None:
    snap = obs.snapshot
    image = snap.catalog.main_image if snap.status == "ok" and snap.catalog else None
    new_image = _fingerprint(db, source, run_id, snap.asin, image, now, summary)
    recorded = store.record_observation(db, heads, run_id, obs, now, new_image)
    if snap.status == "fetch_failed":
        summary.fail(snap.asin, "catalog", snap.error)
    if obs.offers_error:
        summary.fail(snap.asin, "offers", obs.offers_error)
    if parent:
        # The counts are about the watch list: a parent's failure is not a watched
        # ASIN's (the CLI calls a run where every watched ASIN failed a failed run).
        return
    summary.changed += recorded.changed
    summary.failed += snap.status == "fetch_failed"
    summary.not_found += snap.status == "not_found"


def run(
    db: Database,
    source: Source,
    *,
    now: datetime | None = None,
    my_seller_id: str | None = None,
    source_name: str = "spapi",
    progress: Callable[[int], None] | None = None,
    asins: Sequence[str] | None = None,
) -> RunSummary:
    """Observe every watched ASIN (and their variation parents), store, diff, alert."""
    now = now or utc_now()
    with store.run_lock(db):
        watch = list(asins) if asins is not None else [w.asin for w in store.watched(db)]
        run_id = store.start_run(db, now, source_name)
        summary = RunSummary(run_id=run_id, started_at=to_db(now))
        try:
            _observe_and_judge(db, source, run_id, watch, now, my_seller_id, summary, progress)
        except (KeyboardInterrupt, SystemExit) as exc:
            summary.status = "interrupted"
            _finish(db, summary, f"interrupted ({type(exc).__name__})")
            raise
        except BaseException as exc:
            # Whatever it was, every ASIN finished so far is kept; the run row says why
            # the rest is missing.
            summary.status = "failed"
            _finish(db, summary, str(exc) if isinstance(exc, WatcherError) else f"{type(exc).__name__}: {exc}")
            raise
        if summary.checked and summary.failed == summary.checked:
            # Nothing was compared: a failed night, in `watcher runs` as in the exit code.
            summary.status = "failed"
            first = next((f["error"] for f in summary.failures if f["stage"] == "catalog"), "no answer")
            summary.error = f"all {summary.checked} watched ASINs failed to fetch ({first})"
        _finish(db, summary, summary.error)
    return summary


def _observe_and_judge(db: Database, source: Source, run_id: int, watch: list[str], now: datetime,
                       my_seller_id: str | None, summary: RunSummary,
                       progress: Callable[[int], None] | None) -> None:
    heads = store.Heads(db)
    parents: set[str] = set()
    for obs in source.observe(watch):
        _record(db, heads, source, run_id, obs, now, summary)
        summary.checked += 1
        if obs.snapshot.catalog:
            parents.update(obs.snapshot.catalog.parent_asins)
        if progress:
            progress(1)
    parent_list = sorted(parents - set(watch))
    for parent in parent_list:
        store.ensure_parent(db, parent, now)
    for obs in source.observe(parent_list, with_offers=False):
        _record(db, heads, source, run_id, obs, now, summary, parent=True)
        summary.parents_checked += 1
    # Only ASINs where something moved: an unchanged night costs no diff at all.
    for asin in store.needing_evaluation(db):
        _fingerprint_baseline(db, source, run_id, asin, now, summary)
        outcome = alerts.evaluate(db, asin, run_id, now, my_seller_id)
        summary.new_alerts.extend(outcome.opened)
        summary.resolved_alerts.extend(outcome.resolved)
    # Raised by a run that died before it could say so: this run's digest carries them.
    summary.new_alerts.extend(alerts.as_new(a) for a in store.unreported_alerts(db, run_id))
    if summary.unlogged:
        log.warning("... and %d more failures (`watcher run --json` lists them all)", summary.unlogged)


def _finish(db: Database, summary: RunSummary, error: str | None = None) -> None:
    try:
        store.finish_run(db, summary.run_id, utc_now(), summary.status, summary.counts(), error)
    except Exception as exc:  # noqa: BLE001 - must not hide the error that ended the run
        if error is None:
            raise
        log.error("could not record the end of run %d: %s", summary.run_id, exc)
