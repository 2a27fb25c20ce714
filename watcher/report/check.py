"""The return check: what did the listing show when the customer ordered, and was it the
seller's registered content?

`check_order` answers for an order time (a moment, or a whole day when only a date is
known); `check_window` answers "did the listing differ from the baseline at any time in
this span" (the 30 days before a return). Both read the store and return a `CheckResult`;
rendering is in `watcher.report.text`.

Which versions were shown follows `watcher.report.timeline` (covered, between two
observations, after the last one up to 36 hours, never guessed beyond). The comparison is
with the baseline in force at that time (`watcher.report.baseline`): an order placed
before the seller accepted a new state is judged against what was registered then.

Exit codes for the CLI (`CheckResult.exit_code`): 0 matched, 3 differed, 1 the history
cannot tell (not covered, or the customer may have seen either side of a change).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Mapping, Sequence

from sqlite_utils import Database

from .. import store
from ..images import Fingerprint
from ..model import Catalog, Offers
from ..render import clean, truncate
from ..timeutil import from_db, is_date_only, parse_user_time, show, to_db, utc_now
from .baseline import Baseline, accepted_after, baseline_at
from .fields import FieldCheck, check_fields, field_same, image_ids, value
from .timeline import MAX_STALE, Located, Span, clamp, locate

Status = Literal["matched", "differed", "unknown"]
Kind = Literal["moment", "day", "window"]


@dataclass(frozen=True)
class Sellers:
    """Who sold on the listing at the offers observation nearest before a moment."""

    first_seen: str
    last_seen: str
    others: tuple[str, ...]  # neither the seller nor Amazon retail
    new: tuple[str, ...]  # others that were not on the listing at baseline
    buybox: tuple[str, ...]


@dataclass(frozen=True)
class Difference:
    """A field that was not as registered, and how long the listing showed it."""

    check: FieldCheck
    version: int
    first_seen: str  # first observation showing this value (of this field)
    until: str  # last observation showing it
    still_shown: bool  # the latest observation still shows it


@dataclass(frozen=True)
class Shown:
    """One version the listing (may have) shown during the span, compared with the baseline."""

    version: store.Version
    certain: bool
    baseline: Baseline  # the baseline it is compared with
    fields: tuple[FieldCheck, ...]
    differences: tuple[Difference, ...]
    sellers: Sellers | None

    @property
    def catalog(self) -> Catalog | None:
        return self.version.content if isinstance(self.version.content, Catalog) else None

    @property
    def status(self) -> Status:
        if any(f.mismatch for f in self.fields):
            return "differed"
        return "unknown" if any(f.same is None for f in self.fields) else "matched"


@dataclass(frozen=True)
class CheckResult:
    asin: str
    label: str | None
    start: str  # UTC ISO
    end: str
    kind: Kind
    located: Located
    first_seen: str | None  # first and latest observation of the listing
    last_seen: str | None
    baseline: Baseline | None
    shown: tuple[Shown, ...]
    status: Status
    verdict: str
    checked_at: str = ""  # when the check ran (UTC ISO): "still shown now" is judged against it
    accepted_later: str | None = None  # when the seller later accepted a differing version shown
    missed: tuple[str, ...] = ()  # failed fetches within MAX_STALE of the order time (UTC ISO)

    @property
    def exit_code(self) -> int:
        return {"matched": 0, "differed": 3, "unknown": 1}[self.status]

    @property
    def differences(self) -> list[Difference]:
        return [d for s in self.shown for d in s.differences]

    def to_json(self) -> dict[str, Any]:
        """{"asin", "ordered_at", "observed", "matches_baseline", "differences", "verdict", ...}.

        `observed` is the first version that may have been shown (for a moment between two
        observations: the last one before it); `observed_candidates` lists all of them.
        """
        candidates = [_shown_json(s) for s in self.shown]
        return {
            "asin": self.asin,
            "label": self.label,
            "ordered_at": self.start,
            "ordered_until": self.end if self.end != self.start else None,
            "kind": self.kind,
            "coverage": self.located.coverage,
            "observed": candidates[0] if candidates else None,
            "observed_candidates": candidates,
            "baseline": _baseline_json(self.baseline),
            "matches_baseline": {"matched": True, "differed": False}.get(self.status),
            "status": self.status,
            "differences": [_difference_json(d) for d in self.differences],
            "first_observed": self.first_seen,
            "last_observed": self.last_seen,
            "checked_at": self.checked_at,
            "accepted_later": self.accepted_later,
            "missed_observations": list(self.missed),
            "verdict": self.verdict,
        }


# --- checking ----------------------------------------------------------------------------------


def order_span(text: str, zone: str = "Asia/Tokyo") -> tuple[datetime, datetime | None]:
    """`--ordered-at` -> (start, end): a date alone is that whole day, a time is a moment.

    >>> order_span("2026-11-03")[1].isoformat()
    '2026-11-03T14:59:59.999999+00:00'
    """
    start = parse_user_time(text, zone)
    if is_date_only(text):
        return start, parse_user_time(text, zone, end_of_day=True)
    return start, None


def check_order(
    db: Database, asin: str, start: datetime, end: datetime | None = None, *,
    my_seller_id: str | None = None, zone: str = "Asia/Tokyo", now: datetime | None = None,
) -> CheckResult:
    """What the listing showed at an order time (or during a day: `end` = its last second).

    >>> check_order(db, "B0DEMO0001", parse_user_time("2026-11-03 14:00")).verdict  # doctest: +SKIP
    'At order time the main image differed from your registered image (recolored), ...'
    """
    kind: Kind = "moment" if end is None or end == start else "day"
    end = end or start
    versions = store.catalog_versions(db, asin)
    located = locate([Span(v.first_seen, v.last_seen) for v in versions], start, end)
    return _result(db, asin, versions, located, start, end, kind, my_seller_id, zone, now)


def check_window(
    db: Database, asin: str, start: datetime, end: datetime, *,
    my_seller_id: str | None = None, zone: str = "Asia/Tokyo", now: datetime | None = None,
) -> CheckResult:
    """Did the listing differ from its baseline at any time in [start, end]?

    The span is cut to the observed history (a return's 30-day window often reaches back
    before the first run); only a span with no observation at all is not covered.
    """
    versions = store.catalog_versions(db, asin)
    spans = [Span(v.first_seen, v.last_seen) for v in versions]
    cut = clamp(spans, start, end)
    located = locate(spans, *cut) if cut else Located("none" if not versions else _outside(spans, start))
    return _result(db, asin, versions, located, start, end, "window", my_seller_id, zone, now)


def _outside(spans: Sequence[Span], start: datetime) -> Literal["before_first", "too_late"]:
    return "too_late" if start > from_db(spans[-1].last_seen) else "before_first"


def _result(
    db: Database, asin: str, versions: list[store.Version], located: Located, start: datetime,
    end: datetime, kind: Kind, my_seller_id: str | None, zone: str, now: datetime | None,
) -> CheckResult:
    base = baseline_at(db, asin, start) if versions else None
    shown: tuple[Shown, ...] = ()
    if located.covered and base is not None:
        shown = tuple(
            _shown(db, asin, versions, c.index, c.certain, start, end, kind, base, my_seller_id)
            for c in located.candidates
        )
    status = _combine([s.status for s in shown], kind) if shown else "unknown"
    partial = CheckResult(
        asin, store.label_of(db, asin), to_db(start), to_db(end), kind, located,
        versions[0].first_seen if versions else None, versions[-1].last_seen if versions else None,
        base, shown, status, "", to_db(now or utc_now()),
        accepted_after(db, asin, [s.version.id for s in shown if s.status == "differed"], end),
        tuple(store.failed_fetches(db, asin, start - MAX_STALE, end + MAX_STALE)) if kind != "window" else (),
    )
    return _with_verdict(partial, zone)


def _cat(version: store.Version) -> Catalog | None:
    return version.content if isinstance(version.content, Catalog) else None


def _combine(statuses: list[Status], kind: Kind) -> Status:
    """A moment: every version the customer may have seen must agree, else "cannot tell".
    A window: one differing version is enough."""
    if kind == "window":
        for status in ("differed", "unknown"):
            if status in statuses:
                return status  # type: ignore[return-value]
        return "matched"
    return statuses[0] if len(set(statuses)) == 1 else "unknown"


def _shown(
    db: Database, asin: str, versions: list[store.Version], index: int, certain: bool, start: datetime,
    end: datetime, kind: Kind, base: Baseline, my_seller_id: str | None,
) -> Shown:
    """One candidate version against the baseline in force when it may have been shown.

    For an order time that is the baseline at the order time. Over a window, each version
    is judged by the baseline in force at its last observation inside the window, so a
    state the seller accepted in the middle of the window is not reported as a difference.
    """
    version = versions[index]
    # The observation of this version nearest the span: whose offers were seen with it.
    moment = min(max(start, from_db(version.first_seen)), from_db(version.last_seen))
    if kind == "window":
        base = baseline_at(db, asin, min(from_db(version.last_seen), end)) or base
    base_cat = _cat(base.catalog)
    fps = store.fingerprints(db, image_ids(base_cat, *(_cat(v) for v in versions)))
    fields = check_fields(base_cat, _cat(version), fps)
    if version.status == "not_found":
        # The catalog answered "not found" (a blip, or the listing gone), yet the customer
        # ordered from a page: what that page showed is unknown, not "different".
        fields = tuple(replace(f, same=None, severity=None) for f in fields)
    diffs = tuple(_difference(versions, index, f, fps) for f in fields if f.same is not True)
    return Shown(version, certain, base, fields, diffs, _sellers(db, asin, moment, base, my_seller_id))


def _difference(
    versions: list[store.Version], index: int, check: FieldCheck, fps: Mapping[str, Fingerprint]
) -> Difference:
    """How long the listing showed this field's value: walk the versions both ways."""
    name = check.field
    here = _cat(versions[index])
    lo = index
    while lo > 0 and field_same(_cat(versions[lo - 1]), here, name, fps):
        lo -= 1
    hi = index
    while hi < len(versions) - 1 and field_same(_cat(versions[hi + 1]), here, name, fps):
        hi += 1
    return Difference(
        check, versions[index].version, versions[lo].first_seen, versions[hi].last_seen, hi == len(versions) - 1
    )


def _sellers(db: Database, asin: str, moment: datetime, base: Baseline, my_seller_id: str | None) -> Sellers | None:
    version = store.offer_version_at(db, asin, to_db(moment))
    if version is None or not isinstance(version.content, Offers):
        return None
    if from_db(version.last_seen) + MAX_STALE < moment:
        return None  # the offers calls failed for too long: who was there is unknown
    others = version.content.other_seller_ids(my_seller_id)
    base_offers = base.offers.content if base.offers is not None else None
    before = base_offers.other_seller_ids(my_seller_id) if isinstance(base_offers, Offers) else frozenset()
    return Sellers(
        version.first_seen, version.last_seen, tuple(sorted(others)), tuple(sorted(others - before)),
        tuple(sorted(version.content.buybox_seller_ids())),
    )


# --- the verdict line ----------------------------------------------------------------------------


def _with_verdict(result: CheckResult, zone: str) -> CheckResult:
    return replace(result, verdict=verdict(result, zone) + _missed(result, zone))


def _missed(r: CheckResult, zone: str) -> str:
    """Nights the listing could not be fetched near the order time: said, never bridged silently."""
    if not r.missed or not r.located.covered:
        return ""
    times = _and([show(t, zone) for t in r.missed])
    return f" Note: the check at {times}, close to the order time, could not fetch the listing (no observation then)."


def verdict(r: CheckResult, zone: str = "Asia/Tokyo") -> str:
    """One line: what the history says, and what to do."""
    if not r.located.covered:
        return _not_covered(r, zone)
    if r.baseline is None:
        return f"No baseline has been recorded for {r.asin} yet (no good observation): nothing to compare with."
    if r.kind == "window":
        return _window_verdict(r, zone)
    when = "At order time"
    if r.located.coverage == "after_last" and r.located.stale_by is not None:
        when += f" (judged from the last observation, {show(r.last_seen, zone)}, {_duration(r.located.stale_by)} earlier)"
    elif len(r.shown) > 1:
        when += " (whichever of the observed versions the customer saw)"
    if r.status == "differed":
        return f"{when} {_differences_text(r, r.differences, zone)}.{_accepted_later(r, zone)} {_evidence_advice(r.asin)}"
    if r.status == "matched" and r.kind == "moment" and r.located.coverage == "between":
        return (
            f"The order time falls between the observations at {show(r.shown[0].version.last_seen, zone)} and "
            f"{show(r.shown[-1].version.first_seen, zone)}, and both showed the listing as registered "
            f"({_baseline_text(r.baseline, zone)}). "
            "The listing is not the cause; handle the return under your usual policy."
        )
    if r.status == "matched":
        return (
            f"{when} the listing matched your baseline ({_baseline_text(r.baseline, zone)}): title, brand, "
            "browse node, main image and parent as registered. The listing is not the cause; "
            "handle the return under your usual policy."
        )
    if len(r.shown) == 1:
        return (
            f"{when} {_differences_text(r, r.differences, zone)}; watcher cannot say whether the listing "
            "matched your baseline."
        )
    return _ambiguous(r, zone)


def _not_covered(r: CheckResult, zone: str) -> str:
    coverage, when = r.located.coverage, _when(r, zone)
    if coverage == "none":
        return f"watcher has never observed {r.asin}, so it cannot say what the listing showed at {when}."
    if coverage == "before_first":
        hint = ""
        if r.kind == "day" and from_db(r.end) >= from_db(r.first_seen or r.end):
            hint = " If the order was placed after that, give its time (--ordered-at '2026-11-03 14:30')."
        return (
            f"The history of {r.asin} starts at {show(r.first_seen, zone)}, after {when}: "
            f"watcher cannot say what the listing showed then.{hint}"
        )
    stale = _duration(r.located.stale_by or timedelta(0))
    return (
        f"The last observation of {r.asin} was {show(r.last_seen, zone)}, {stale} before {when}: "
        f"more than {_duration(MAX_STALE)}, so watcher cannot say what the listing showed then."
    )


def _ambiguous(r: CheckResult, zone: str) -> str:
    parts = []
    for s in r.shown:
        state = "it matched your baseline" if s.status == "matched" else _differences_text(r, s.differences, zone, brief=True)
        parts.append(f"{_observed(s.version, zone)}: {state}")
    window = ""
    if r.kind == "moment" and len(r.shown) == 2:
        window = (
            f"The order time falls between the observations at {show(r.shown[0].version.last_seen, zone)} "
            f"and {show(r.shown[1].version.first_seen, zone)}, and the listing changed in that window. "
        )
    else:
        window = f"The listing changed during {_when(r, zone)}. "
    return (
        window + "; ".join(parts) + ". watcher cannot tell which one the customer saw; check the exact "
        "order time in Seller Central and run the check again with it."
    )


def _window_verdict(r: CheckResult, zone: str) -> str:
    span = f"From {show(r.start, zone)} to {show(r.end, zone)}"
    if r.first_seen and r.last_seen and (r.start < r.first_seen or r.end > r.last_seen):
        # Part of the window was never observed: say which part the answer stands on.
        span += f" (observed only from {show(max(r.start, r.first_seen), zone)} to {show(min(r.end, r.last_seen), zone)})"
    if r.status == "matched":
        return f"{span} the listing matched your baseline at every observation."
    if r.status == "unknown":
        return f"{span} {_differences_text(r, r.differences, zone)}; watcher cannot say whether it matched."
    mismatches = [d for d in r.differences if d.check.mismatch]
    return f"{span} {_differences_text(r, mismatches, zone)}."


def _differences_text(r: CheckResult, diffs: Sequence[Difference], zone: str, brief: bool = False) -> str:
    """Phrases for the differences, those shown over the same span sharing one time note."""
    seen: set[tuple[str, str]] = set()
    groups: dict[tuple[str, str, bool], list[str]] = {}
    for d in diffs:
        key = (d.check.field, repr(d.check.after))
        if d.check.severity == "info" or key in seen:
            continue
        seen.add(key)
        groups.setdefault((d.first_seen, d.until, d.still_shown), []).append(phrase(d.check))
    parts = []
    for (first, until, still), phrases in groups.items():
        text = _and(phrases)
        if not brief:
            text += f", first seen {show(first, zone)}, " + (_still(r, zone) if still else f"last seen {show(until, zone)}")
        parts.append(text)
    return "; ".join(parts) or "nothing differed"


def latest_is_recent(r: CheckResult) -> bool:
    """The latest observation may speak for "now": it is at most `MAX_STALE` old."""
    return from_db(r.checked_at) - from_db(r.last_seen or r.checked_at) <= MAX_STALE


def _still(r: CheckResult, zone: str) -> str:
    if latest_is_recent(r):
        return "still shown now"
    # Runs stopped, or kept failing for this ASIN: say when it was last seen, not "now".
    age = _duration(from_db(r.checked_at) - from_db(r.last_seen or r.checked_at))
    return f"still shown at the last observation, {show(r.last_seen, zone)} ({age} before this check)"


def _observed(v: store.Version, zone: str) -> str:
    if v.first_seen == v.last_seen:
        return f"observed once, at {show(v.first_seen, zone)}"
    return f"observed {show(v.first_seen, zone)} to {show(v.last_seen, zone)}"


def _accepted_later(r: CheckResult, zone: str) -> str:
    """A note when the seller later accepted what the customer saw as the new baseline."""
    if r.accepted_later is None:
        return ""
    return (f" You accepted this content as your baseline later ({show(r.accepted_later, zone)}); if the change "
            "was your own, the listing is not the cause.")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def phrase(check: FieldCheck) -> str:
    """`the main image differed from your registered image (recolored)`."""
    after = _short(check.after)
    if check.field == "main_image":
        if check.same is None:
            return "the main image had a new image id that watcher could not download, so it was not compared"
        return f"the main image differed from your registered image ({check.verdict})"
    if check.field == "parent":
        if check.after and not check.before:
            return f"the listing was attached to the variation parent {after}"
        return f"the variation parent differed ({_short(check.before)} -> {after})"
    if check.field == "listing":
        return "the catalog did not return the listing (not found)"
    if check.field == "browse_node":
        return f"the browse node differed from yours (now {after})"
    names = {"title": "title", "brand": "brand", "product_type": "product type", "gallery": "gallery images"}
    name = names.get(check.field, check.field)
    return f'the {name} differed from your registered {name} ("{after}")'


def _short(value: Any, limit: int = 40) -> str:
    if value is None or value == []:
        return "(none)"
    if isinstance(value, dict):
        return truncate(clean(" > ".join(value.get("path") or []) or value.get("name")), limit)
    if isinstance(value, list):
        return ", ".join(clean(v) for v in value)
    return truncate(clean(value), limit)


def _evidence_advice(asin: str) -> str:
    return (
        f"Ask Amazon to cover the return shipping; `watcher evidence {asin} --out evidence-{asin}` "
        "builds the case."
    )


def _baseline_text(base: Baseline, zone: str) -> str:
    how = "recorded on the first run" if base.how == "first_run" else "accepted"
    then = "" if base.current else ", the baseline in force then"
    return f"version {base.catalog.version}, {how} {show(base.since, zone)}{then}"


def _when(r: CheckResult, zone: str) -> str:
    if r.kind == "day":
        return f"{show(r.start, zone)[:10]} (the whole day)"
    if r.kind == "window":
        return f"the window {show(r.start, zone)} to {show(r.end, zone)}"
    return show(r.start, zone)


def _duration(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.1f} days"


# --- JSON ----------------------------------------------------------------------------------------


def catalog_json(catalog: Catalog | None) -> dict[str, Any] | None:
    if catalog is None:
        return None
    return {name: value(catalog, name) for name in ("title", "brand", "browse_node", "product_type", "main_image", "parent", "gallery")}


def _shown_json(s: Shown) -> dict[str, Any]:
    return {
        "version": s.version.version,
        "first_seen": s.version.first_seen,
        "last_seen": s.version.last_seen,
        "certain": s.certain,
        "status": s.version.status,
        "catalog": catalog_json(s.catalog),
        "matches_baseline": {"matched": True, "differed": False}.get(s.status),
        "baseline_version": s.baseline.catalog.version,
        "sellers": None if s.sellers is None else {
            "first_seen": s.sellers.first_seen,
            "last_seen": s.sellers.last_seen,
            "others": list(s.sellers.others),
            "new_since_baseline": list(s.sellers.new),
            "buybox": list(s.sellers.buybox),
        },
    }


def _difference_json(d: Difference) -> dict[str, Any]:
    c = d.check
    return {
        "field": c.field,
        "baseline": c.before,
        "observed": c.after,
        "same": c.same,
        "severity": c.severity,
        "verdict": c.verdict,
        "scores": dict(c.scores),
        "version": d.version,
        "first_seen": d.first_seen,
        "last_seen": d.until,
        "still_shown": d.still_shown,
    }


def _baseline_json(base: Baseline | None) -> dict[str, Any] | None:
    if base is None:
        return None
    return {
        "version": base.catalog.version,
        "since": base.since,
        "how": base.how,
        "current": base.current,
        "catalog": catalog_json(base.catalog.content if isinstance(base.catalog.content, Catalog) else None),
    }
