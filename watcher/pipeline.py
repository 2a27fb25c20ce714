"""One night's run: source -> images -> store -> diff -> alerts.

Each ASIN is written in its own transaction as soon as it is observed, so a killed run
keeps every ASIN it finished. Alerts are evaluated after the variation parents have been
observed too, because a parent rewrite is recognised by comparing child and parent.
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
from .model import Observation
from .source import Source
from .timeutil import to_db, utc_now

log = logging.getLogger("watcher")


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
            **self.counts(),
            "parents_checked": self.parents_checked,
            "new_alerts": self.new_alerts,
            "resolved": self.resolved_alerts,
            "failures": self.failures,
        }


def _fingerprint_main_image(db: Database, source: Source, run_id: int, obs: Observation, now: datetime) -> bool:
    """Download and fingerprint the main image only when its id is new to us. True if saved."""
    catalog = obs.snapshot.catalog
    if catalog is None or catalog.main_image is None:
        return False
    image = catalog.main_image
    if store.has_fingerprint(db, image.image_id):
        return False
    try:
        fingerprint, copy = analyse(source.fetch_image(image.link))
    except ImageError as exc:
        # Unknown is not a change: without a fingerprint the diff holds its verdict back.
        store.record_failure(db, run_id, obs.snapshot.asin, "image", str(exc))
        log.warning("%s: main image %s: %s", obs.snapshot.asin, image.image_id, exc)
        return False
    store.save_image(db, image.image_id, fingerprint, copy, image.link, now)
    return True


def _record(db: Database, heads: store.Heads, source: Source, run_id: int, obs: Observation,
            now: datetime, summary: RunSummary) -> None:
    snap = obs.snapshot
    new_image = snap.status == "ok" and _fingerprint_main_image(db, source, run_id, obs, now)
    recorded = store.record_observation(db, heads, run_id, obs, now, new_image)
    summary.changed += recorded.changed
    if snap.status == "fetch_failed":
        summary.failed += 1
        summary.failures.append({"asin": snap.asin, "stage": "catalog", "error": snap.error})
        log.warning("%s: fetch failed: %s", snap.asin, snap.error)
    elif snap.status == "not_found":
        summary.not_found += 1
    if obs.offers_error:
        summary.failures.append({"asin": snap.asin, "stage": "offers", "error": obs.offers_error})


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
    watch = list(asins) if asins is not None else [w.asin for w in store.watched(db)]
    run_id = store.start_run(db, now, source_name)
    summary = RunSummary(run_id=run_id, started_at=to_db(now))
    heads = store.Heads(db)
    try:
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
            _record(db, heads, source, run_id, obs, now, summary)
            summary.parents_checked += 1
        # Only ASINs where something moved: an unchanged night costs no diff at all.
        for asin in store.needing_evaluation(db):
            outcome = alerts.evaluate(db, asin, run_id, now, my_seller_id)
            summary.new_alerts.extend(outcome.opened)
            summary.resolved_alerts.extend(outcome.resolved)
    except WatcherError as exc:
        summary.status = "failed"
        store.finish_run(db, run_id, utc_now(), "failed", summary.counts(), str(exc))
        raise
    except BaseException:
        store.finish_run(db, run_id, utc_now(), "interrupted", summary.counts(), "interrupted")
        raise
    store.finish_run(db, run_id, utc_now(), "ok", summary.counts())
    return summary
