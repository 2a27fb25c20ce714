"""Alert lifecycle: one open alert per (ASIN, kind) while the listing differs from its baseline.

The decisions are pure (`plan`); `evaluate` reads the store, plans and writes. An alert is
not raised again every night; it resolves itself when the listing returns to baseline, and
`accept` makes the current state the new baseline.

Likely cause, per alert:
- `parent_rewrite`: the variation parent appeared or changed in the same window, or the
  child's new title / main image equals its new parent's;
- `other_seller`: another seller joined in the same window, or is on the listing now and
  was not at baseline;
- `unknown` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from sqlite_utils import Database

from . import store
from .diff import CONTENT_KINDS, Change, diff, normalize_text
from .errors import UsageError
from .images import Fingerprint
from .model import Snapshot



@dataclass(frozen=True)
class AlertPlan:
    """What to do for one ASIN: alerts to open, to update in place, and to resolve."""

    open: tuple[tuple[Change, str], ...] = ()  # (change, cause)
    update: tuple[tuple[int, Change], ...] = ()  # (alert id, change)
    resolve: tuple[int, ...] = ()


@dataclass(frozen=True)
class Context:
    """Everything the cause needs, as values."""

    previous: Snapshot | None
    current: Snapshot
    baseline: Snapshot
    parents: Mapping[str, Snapshot] = field(default_factory=dict)
    fingerprints: Mapping[str, Fingerprint] = field(default_factory=dict)
    my_seller_id: str | None = None


def _matches_parent(change: Change, ctx: Context) -> bool:
    """The child now shows its parent's title or main image: the parent's data won."""
    cur = ctx.current.catalog
    if cur is None:
        return False
    for parent_asin in cur.parent_asins:
        parent = ctx.parents.get(parent_asin)
        if parent is None or parent.catalog is None:
            continue
        if change.kind == "title_changed" and normalize_text(parent.catalog.title) == normalize_text(cur.title):
            return True
        if change.kind == "main_image_changed" and parent.catalog.main_image and cur.main_image:
            if parent.catalog.main_image.image_id == cur.main_image.image_id:
                return True
        if change.kind == "browse_node_changed" and parent.catalog.browse_node and cur.browse_node:
            if parent.catalog.browse_node.id == cur.browse_node.id:
                return True
    return False


def likely_cause(change: Change, ctx: Context) -> str:
    if change.kind in ("seller_joined", "buybox_lost"):
        return "other_seller" if change.kind == "seller_joined" or _others_now(ctx) else "unknown"
    if change.kind == "parent_changed":
        return "parent_rewrite"
    if change.kind not in CONTENT_KINDS:  # causes only explain edits to content
        return "unknown"
    window = diff(ctx.previous, ctx.current, ctx.fingerprints, ctx.my_seller_id) if ctx.previous else []
    window_kinds = {c.kind for c in window}
    if _matches_parent(change, ctx) or "parent_changed" in window_kinds:
        return "parent_rewrite"
    if "seller_joined" in window_kinds or _others_now(ctx):
        return "other_seller"
    return "unknown"


def _others_now(ctx: Context) -> bool:
    """Another seller is on the listing now who was not there at baseline."""
    if ctx.current.offers is None or ctx.baseline.offers is None:
        return False
    now = ctx.current.offers.other_seller_ids(ctx.my_seller_id)
    then = ctx.baseline.offers.other_seller_ids(ctx.my_seller_id)
    return bool(now - then)


def plan(
    changes: list[Change],
    open_alerts: Mapping[str, store.AlertRow],
    ctx: Context,
    listing_gone_confirmed: bool,
) -> AlertPlan:
    """Pure: compare today's differences from baseline with the alerts already open."""
    if not listing_gone_confirmed and any(c.kind == "listing_gone" for c in changes):
        # One not_found is not proof: wait for the second before saying anything at all.
        return AlertPlan()
    by_kind = {c.kind: c for c in changes}
    to_open = tuple((c, likely_cause(c, ctx)) for k, c in by_kind.items() if k not in open_alerts)
    to_update = tuple(
        (open_alerts[k].id, c)
        for k, c in by_kind.items()
        if k in open_alerts and (open_alerts[k].after != _plain(c.after) or open_alerts[k].severity != c.severity)
    )
    gone = "listing_gone" in by_kind
    # While the listing is gone, the other alerts stay as they were: nothing is known.
    to_resolve = () if gone else tuple(a.id for k, a in open_alerts.items() if k not in by_kind)
    return AlertPlan(to_open, to_update, to_resolve)


def _plain(value: Any) -> Any:
    return value if not isinstance(value, tuple) else list(value)


@dataclass(frozen=True)
class Outcome:
    opened: tuple[dict[str, Any], ...] = ()
    resolved: tuple[dict[str, str], ...] = ()


def evaluate(db: Database, asin: str, run_id: int, now: datetime, my_seller_id: str | None) -> Outcome:
    """Bring the alerts of one watched ASIN up to date after this run's observation."""
    cat_id, off_id = store.latest_ids(db, asin)
    current = store.snapshot_of(db, asin, cat_id, off_id)
    if current is None:
        return Outcome()
    base_cat, base_off = store.baseline_ids(db, asin)
    with db.atomic():
        store.clear_evaluation(db, asin)
        if base_cat is None:
            if current.status == "ok":
                # First good observation: it becomes the baseline, silently.
                store.set_baseline(db, asin, cat_id, off_id, now, how="first_run")
            return Outcome()
        if base_off is None and off_id is not None:
            store.set_baseline_offers(db, asin, off_id)
            base_off = off_id
        baseline = store.snapshot_of(db, asin, base_cat, base_off)
        assert baseline is not None
        previous = store.snapshot_of(db, asin, *store.previous_ids(db, asin, run_id))
        parents = {
            p: snap
            for p in (current.catalog.parent_asins if current.catalog else ())
            if (snap := store.latest_snapshot(db, p)) is not None
        }
        image_ids = [_image_id(s) for s in (baseline, current, previous, *parents.values()) if s]
        fps = store.fingerprints(db, image_ids)
        ctx = Context(previous, current, baseline, parents, fps, my_seller_id)
        changes = diff(baseline, current, fps, my_seller_id)
        confirmed = store.not_found_streak(db, asin) >= 2
        open_now = store.open_alerts_by_kind(db, asin)
        decided = plan(changes, open_now, ctx, confirmed)
        opened = []
        for change, cause in decided.open:
            store.open_alert(db, asin, change.kind, change.severity, cause, change.before, change.after, change.detail, run_id, now)
            opened.append({"asin": asin, "kind": change.kind, "severity": change.severity, "cause": cause,
                           "before": change.before, "after": change.after, "detail": change.detail})
        for alert_id, change in decided.update:
            store.update_alert(db, alert_id, change.severity, change.after, change.detail, now)
        for alert_id in decided.resolve:
            store.close_alert(db, alert_id, "resolved", run_id, now)
    resolved = tuple({"asin": asin, "kind": k} for k, a in open_now.items() if a.id in decided.resolve)
    return Outcome(tuple(opened), resolved)


def _image_id(snap: Snapshot) -> str | None:
    if snap.catalog and snap.catalog.main_image:
        return snap.catalog.main_image.image_id
    return None


def accept(db: Database, asin: str, now: datetime) -> int:
    """Make the current state the baseline and close the ASIN's open alerts. Returns how many."""
    store.require_known(db, asin)
    cat_id, off_id = store.latest_ids(db, asin)
    if cat_id is None:
        raise UsageError(f"{asin} has not been observed yet: run `watcher run` first")
    with db.atomic():
        store.set_baseline(db, asin, cat_id, off_id, now)
        open_now = store.open_alerts_by_kind(db, asin)
        for alert in open_now.values():
            store.close_alert(db, alert.id, "accepted", None, now)
    return len(open_now)
