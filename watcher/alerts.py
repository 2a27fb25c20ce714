"""Alert lifecycle: one open alert per (ASIN, kind) while the listing differs from its baseline.

The decisions are pure (`plan`); `evaluate` reads the store, plans and writes. An alert is
not raised again every night; it resolves itself when the listing returns to baseline, and
`accept` makes the current state the new baseline.

Likely cause, per alert:
- `parent_rewrite`: the variation parent appeared or changed in the same window (or the
  parent differs from baseline now), or the child's new title / main image / browse node
  equals its new parent's;
- `other_seller`: another seller joined in the same window, or is on the listing now and
  was not at baseline;
- `unknown` otherwise.

The window is what moved since the alerts last judged the ASIN, not since the last run:
a run killed between storing and judging leaves the window to the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlite_utils import Database

from . import store
from .diff import CONTENT_KINDS, Change, diff, normalize_text, unknown_kinds
from .errors import ImageError, UsageError
from .images import Fingerprint, compare
from .model import MainImage, Snapshot


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


def _same_picture(a: MainImage | None, b: MainImage | None, fps: Mapping[str, Fingerprint]) -> bool:
    """Same image id, or two ids whose fingerprints show the same picture."""
    if a is None or b is None:
        return False
    if a.image_id == b.image_id:
        return True
    fa, fb = fps.get(a.image_id), fps.get(b.image_id)
    if fa is None or fb is None:
        return False
    try:
        return compare(fa, fb).verdict == "same"
    except ImageError:
        return False


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
        if change.kind == "main_image_changed":
            if _same_picture(parent.catalog.main_image, cur.main_image, ctx.fingerprints):
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
    if _matches_parent(change, ctx) or "parent_changed" in window_kinds or _parent_moved(ctx):
        return "parent_rewrite"
    if "seller_joined" in window_kinds or _others_now(ctx):
        return "other_seller"
    return "unknown"


def _parent_moved(ctx: Context) -> bool:
    """The variation parents differ from baseline now: an edit seen after the parent came
    (an image fingerprinted a night late, say) still has the parent as its likely source."""
    cur, base = ctx.current.catalog, ctx.baseline.catalog
    return cur is not None and base is not None and set(cur.parent_asins) != set(base.parent_asins)


def _others_now(ctx: Context) -> bool:
    """Another seller is on the listing now who was not there at baseline."""
    if ctx.current.offers is None or ctx.baseline.offers is None:
        return False
    now = ctx.current.offers.other_seller_ids(ctx.my_seller_id)
    then = ctx.baseline.offers.other_seller_ids(ctx.my_seller_id)
    return bool(now - then)


# A listing is "gone" only after two "not found" answers in a row that are this far apart:
# a re-run the same night (or a catalog that 404s for a while during an edit) must not
# raise the most alarming alert there is.
GONE_AFTER = timedelta(hours=12)


def gone_confirmed(streak: int, since: datetime | None, now: datetime) -> bool:
    """Whether a run of `streak` consecutive not_found answers, the first at `since`, proves
    the listing gone by `now`."""
    return streak >= 2 and since is not None and now - since >= GONE_AFTER


def plan(
    changes: list[Change],
    open_alerts: Mapping[str, store.AlertRow],
    ctx: Context,
    listing_gone_confirmed: bool,
    unknown: frozenset[str] = frozenset(),
) -> AlertPlan:
    """Pure: compare today's differences from baseline with the alerts already open.

    `unknown` holds the kinds that could not be judged today (see `diff.unknown_kinds`):
    their open alerts stay exactly as they are, since not knowing is not "back to normal".
    """
    if not listing_gone_confirmed and any(c.kind == "listing_gone" for c in changes):
        # One not_found is not proof: wait for the second before saying anything at all.
        return AlertPlan()
    by_kind = {c.kind: c for c in changes if c.kind not in unknown}
    to_open = tuple((c, likely_cause(c, ctx)) for k, c in by_kind.items() if k not in open_alerts)
    to_update = tuple(
        (open_alerts[k].id, c)
        for k, c in by_kind.items()
        if k in open_alerts and (open_alerts[k].after != _plain(c.after) or open_alerts[k].severity != c.severity)
    )
    gone = "listing_gone" in by_kind
    # While the listing is gone, the other alerts stay as they were: nothing is known.
    to_resolve = () if gone else tuple(
        a.id for k, a in open_alerts.items() if k not in by_kind and k not in unknown
    )
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
        if base_cat is None:
            store.mark_judged(db, asin, cat_id, off_id)
            if current.status == "ok":
                # First good observation: it becomes the baseline, silently.
                store.set_baseline(db, asin, cat_id, off_id, now, how="first_run")
            return Outcome()
        if base_off is None and off_id is not None:
            store.set_baseline_offers(db, asin, off_id)
            base_off = off_id
        baseline = store.snapshot_of(db, asin, base_cat, base_off)
        assert baseline is not None
        ctx = _context(db, asin, run_id, current, baseline, my_seller_id)
        changes = diff(baseline, current, ctx.fingerprints, my_seller_id)
        unknown = unknown_kinds(baseline, current, ctx.fingerprints)
        # What cannot be judged yet is judged again next run (the image stage retries).
        store.mark_judged(db, asin, cat_id, off_id, pending=bool(unknown))
        confirmed = gone_confirmed(store.not_found_streak(db, asin), store.not_found_since(db, asin), now)
        open_now = store.open_alerts_by_kind(db, asin)
        decided = plan(changes, open_now, ctx, confirmed, unknown)
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


def _context(db: Database, asin: str, run_id: int, current: Snapshot, baseline: Snapshot,
             my_seller_id: str | None) -> Context:
    judged = store.judged_ids(db, asin)
    # Before the first judgement recorded (a database from before 0003_judged_state),
    # the best guess at the window is what this run changed.
    window_start = judged if judged[0] is not None else store.previous_ids(db, asin, run_id)
    previous = store.snapshot_of(db, asin, *window_start)
    parents = {
        p: snap
        for p in (current.catalog.parent_asins if current.catalog else ())
        if (snap := store.latest_snapshot(db, p)) is not None
    }
    image_ids = [_image_id(s) for s in (baseline, current, previous, *parents.values()) if s]
    return Context(previous, current, baseline, parents, store.fingerprints(db, image_ids), my_seller_id)


def as_new(alert: store.AlertRow) -> dict[str, Any]:
    """A stored open alert in the shape a run reports its new alerts in."""
    return {"asin": alert.asin, "kind": alert.kind, "severity": alert.severity, "cause": alert.cause,
            "before": alert.before, "after": alert.after, "detail": alert.detail}


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
    latest = store.catalog_version(db, cat_id)
    if latest is not None and latest.status != "ok":
        # A baseline of "not found" would compare nothing ever again, so a listing that
        # comes back hijacked would raise no alert at all.
        raise UsageError(
            f"{asin} is not found on Amazon now, so there is nothing to accept: its alerts resolve "
            "by themselves when it returns (`watcher remove` stops watching it)"
        )
    with db.atomic():
        store.set_baseline(db, asin, cat_id, off_id, now)
        open_now = store.open_alerts_by_kind(db, asin)
        for alert in open_now.values():
            store.close_alert(db, alert.id, "accepted", None, now)
    return len(open_now)
