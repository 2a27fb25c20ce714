"""The facts behind a complaint, gathered from the store into plain data.

`gather` reads one ASIN's history over a window (default: all of it) and returns an
`Evidence`: the versions shown (those in the window, plus the last one before it for
context), every change between consecutive observations inside the window (noise
filtered as the alerts filter it), who sold on the listing on each side of each change,
the latest state against the registered one, the alert history, the stored image copies
and the raw API answers. `watcher.report.bundle` writes it out; nothing here writes.

A window that opens while the listing already showed changed content reaches back to the
change that started it: a bundle for "the week the wrong photo was up" must say when the
photo was swapped, not that nothing changed that week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlite_utils import Database

from .. import store
from ..errors import UsageError
from ..images import Fingerprint
from ..model import Catalog, Offers
from ..timeutil import from_db, show, to_db
from .baseline import Baseline, baseline_at
from .fields import FieldCheck, check_fields, field_same, image_ids


@dataclass(frozen=True)
class OfferState:
    """The offers observed at one moment: who else sold, who held the Buy Box."""

    version: store.Version
    others: tuple[str, ...]
    buybox: tuple[str, ...]
    mine: bool

    @property
    def offers(self) -> Offers:
        assert isinstance(self.version.content, Offers)
        return self.version.content


@dataclass(frozen=True)
class FieldChange:
    check: FieldCheck
    from_registered: bool  # the value before was the registered one
    to_registered: bool  # the change put the registered value back


@dataclass(frozen=True)
class Transition:
    """What changed between two consecutive observations of the catalog."""

    before: store.Version
    after: store.Version
    changes: tuple[FieldChange, ...]
    offers_before: OfferState | None  # observed together with `before`'s last observation
    offers_after: OfferState | None  # observed together with `after`'s first observation

    @property
    def joined(self) -> tuple[str, ...]:
        if self.offers_after is None or self.offers_before is None:
            return ()
        return tuple(s for s in self.offers_after.others if s not in self.offers_before.others)


@dataclass(frozen=True)
class Evidence:
    asin: str
    label: str | None
    generated_at: str
    window_from: str | None
    window_to: str | None
    seller_id: str | None
    baseline: Baseline
    versions: tuple[store.Version, ...]  # catalog versions shown, oldest first
    window_versions: tuple[store.Version, ...]  # those observed inside the window
    offers: tuple[OfferState, ...]  # offer versions over the same span
    transitions: tuple[Transition, ...]
    latest: store.Version
    latest_fields: tuple[FieldCheck, ...]  # the latest observation against the registered state
    alerts: tuple[store.AlertRow, ...]
    images: Mapping[str, store.ImageRecord]
    fingerprints: Mapping[str, Fingerprint]
    raw: Mapping[str, Any]  # bundle file name under raw/ -> stored API answer
    # From the observation before changed content was first seen, to the first observation
    # showing the registered content again (None: still changed at the latest observation).
    changed_period: tuple[str, str | None] | None = None

    def catalog(self, version: store.Version) -> Catalog | None:
        return version.content if isinstance(version.content, Catalog) else None

    @property
    def registered(self) -> Catalog | None:
        return self.catalog(self.baseline.catalog)

    @property
    def still_differs(self) -> tuple[FieldCheck, ...]:
        return tuple(f for f in self.latest_fields if f.mismatch)


def gather(
    db: Database, asin: str, start: datetime | None, end: datetime | None, now: datetime,
    my_seller_id: str | None = None,
) -> Evidence:
    """Everything the bundle shows, for `asin` between `start` and `end` (None: open)."""
    store.require_known(db, asin)
    if start is not None and end is not None and start > end:
        raise UsageError(f"--from ({show(start)}) is after --to ({show(end)})")
    history = store.catalog_versions(db, asin)
    if not history:
        raise UsageError(f"{asin} has not been observed yet: run `watcher run` first")
    inside = [i for i, v in enumerate(history) if _overlaps(v, start, end)]
    if not inside:
        span = f"{show(start) if start else 'the start'} to {show(end) if end else 'now'}"
        raise UsageError(f"no observation of {asin} from {span} (history: {show(history[0].first_seen)} to "
                         f"{show(history[-1].last_seen)})")
    offer_history = store.offer_versions(db, asin)
    my_seller_id = my_seller_id or own_seller_id(offer_history)
    first_step = _first_step(db, asin, history, inside, start)
    steps = range(max(first_step, 1), inside[-1] + 1)  # the changes into these versions are shown
    shown = tuple(history[max(min(first_step, inside[0]) - 1, 0):inside[-1] + 1])
    base = baseline_at(db, asin, from_db(history[steps[0] - 1].last_seen) if steps else (start or now))
    if base is None:
        raise UsageError(f"{asin} has no baseline yet (never observed with status ok)")
    registered = base.catalog.content if isinstance(base.catalog.content, Catalog) else None
    fps = store.fingerprints(db, image_ids(registered, *(_cat(v) for v in history)))
    transitions = tuple(
        t for i in steps
        if (t := _transition(db, asin, history[i - 1], history[i], registered, fps, my_seller_id)).changes
    )
    offers = tuple(
        _offer_state(v, my_seller_id)
        for v in offer_history
        if v.last_seen >= shown[0].first_seen and v.first_seen <= shown[-1].last_seen
    )
    latest = history[-1]
    return Evidence(
        asin=asin,
        label=store.label_of(db, asin),
        generated_at=to_db(now),
        window_from=to_db(start) if start else None,
        window_to=to_db(end) if end else None,
        seller_id=my_seller_id,
        baseline=base,
        versions=shown,
        window_versions=tuple(history[inside[0]:inside[-1] + 1]),
        offers=offers,
        transitions=transitions,
        latest=latest,
        latest_fields=check_fields(registered, _cat(latest), fps),
        alerts=tuple(a for a in store.alerts(db, include_closed=True, asin=asin) if _alert_in(a, start, end)),
        images=_images(db, registered, shown),
        fingerprints=fps,
        raw=_raw(db, asin, base, shown, offers),
        changed_period=_changed_period(history, [differs(registered, _cat(v), fps) for v in history],
                                       max(first_step - 1, 0), inside[-1]),
    )


def own_seller_id(offer_history: list[store.Version]) -> str | None:
    """The seller's own id as Amazon marked it (`MyOffer`) in the latest offers that have
    one: the case names the seller even when WATCHER_SELLER_ID is not set."""
    for version in reversed(offer_history):
        if isinstance(version.content, Offers):
            for offer in version.content.offers:
                if offer.mine and offer.seller_id:
                    return offer.seller_id
    return None


def differs(registered: Catalog | None, catalog: Catalog | None, fps: Mapping[str, Fingerprint]) -> bool:
    """The listing's content was not the registered one (a "not found" answer is not content)."""
    if catalog is None:
        return False
    return any(f.mismatch for f in check_fields(registered, catalog, fps))


def _first_step(
    db: Database, asin: str, history: list[store.Version], inside: list[int], start: datetime | None
) -> int:
    """Index of the first version whose change into it the bundle shows.

    Normally the first version first seen inside the window. When the window opens while
    changed content was shown (or with that content being put back), the version where
    that content first appeared: the case must say what was changed, and when.
    """
    first = inside[0]
    if start is None:
        return first
    if from_db(history[first].first_seen) < start:
        first += 1  # the change into it happened before the window
    base = baseline_at(db, asin, start)
    registered = _cat(base.catalog) if base else None
    fps = store.fingerprints(db, image_ids(registered, *(_cat(v) for v in history[:first])))
    while first > 0 and differs(registered, _cat(history[first - 1]), fps):
        first -= 1
    return first


def _changed_period(
    history: list[store.Version], flags: list[bool], lo: int, hi: int
) -> tuple[str, str | None] | None:
    """When changed content (`flags`) was shown, from versions lo..hi on until it ended."""
    changed = [i for i in range(lo, hi + 1) if flags[i]]
    if not changed:
        return None
    first, last = changed[0], changed[-1]
    since = history[first - 1].last_seen if first > 0 else history[first].first_seen
    back = next((i for i in range(last + 1, len(history)) if history[i].status == "ok" and not flags[i]), None)
    return since, history[back].first_seen if back is not None else None


def _cat(version: store.Version) -> Catalog | None:
    return version.content if isinstance(version.content, Catalog) else None


def _overlaps(version: store.Version, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or from_db(version.last_seen) >= start) and (end is None or from_db(version.first_seen) <= end)


def _alert_in(alert: store.AlertRow, start: datetime | None, end: datetime | None) -> bool:
    opened, closed = from_db(alert.opened_at), from_db(alert.closed_at) if alert.closed_at else None
    return (end is None or opened <= end) and (start is None or closed is None or closed >= start)


def _offer_state(version: store.Version, my_seller_id: str | None) -> OfferState:
    offers = version.content
    assert isinstance(offers, Offers)
    others = offers.other_seller_ids(my_seller_id)
    mine = any(o.mine or o.seller_id == my_seller_id for o in offers.offers)
    return OfferState(version, tuple(sorted(others)), tuple(sorted(offers.buybox_seller_ids())), mine)


def _offers_at(db: Database, asin: str, moment: str, my_seller_id: str | None) -> OfferState | None:
    """The offers observed in the same run as `moment`; None when that call failed."""
    version = store.offer_version_at(db, asin, moment)
    if version is None or version.last_seen < moment:
        return None
    return _offer_state(version, my_seller_id)


def _transition(
    db: Database, asin: str, before: store.Version, after: store.Version, registered: Catalog | None,
    fps: Mapping[str, Fingerprint], my_seller_id: str | None,
) -> Transition:
    old, new = _cat(before), _cat(after)
    changes = tuple(
        FieldChange(c, field_same(registered, old, c.field, fps), field_same(registered, new, c.field, fps))
        for c in check_fields(old, new, fps)
        if c.same is not True
    )
    return Transition(
        before, after, changes,
        _offers_at(db, asin, before.last_seen, my_seller_id),
        _offers_at(db, asin, after.first_seen, my_seller_id),
    )


def _images(db: Database, registered: Catalog | None, shown: tuple[store.Version, ...]) -> dict[str, store.ImageRecord]:
    out: dict[str, store.ImageRecord] = {}
    for image_id in image_ids(registered, *(_cat(v) for v in shown)):
        record = store.image_record(db, image_id)
        if record is not None:
            out[image_id] = record
    return out


def _raw(
    db: Database, asin: str, base: Baseline, shown: tuple[store.Version, ...], offers: tuple[OfferState, ...]
) -> dict[str, Any]:
    """The stored API answers behind every version shown, by bundle file name."""
    out: dict[str, Any] = {}
    for version in (base.catalog, *shown):
        answer = store.raw_answer(db, version.raw_id)
        if answer is not None:
            out[f"catalog-v{version.version}.json"] = answer
    for offer_version in ([base.offers] if base.offers else []) + [o.version for o in offers]:
        answer = store.raw_answer(db, offer_version.raw_id)
        if answer is not None:
            out[f"offers-v{offer_version.version}.json"] = answer
    return out
