"""Which stored versions the listing may have shown during a span of time. Pure.

Each version of a listing has `first_seen` and `last_seen`: the first and last nightly
observation that found it. Between two versions lies a window with no observation (the
night the change happened, or more when runs failed). The rules:

- A moment inside [first_seen, last_seen] of a version is *covered*: that version was shown.
- A moment between version k's last_seen and version k+1's first_seen may have shown
  either; the change happened in that window. Both are candidates.
- Before the first observation nothing is known: *before_first*, not covered.
- After the last observation, the last version is reported with how long before the moment
  it was observed, as long as that is at most `MAX_STALE` (36 hours: one nightly run
  missed, plus slack). Beyond that: *too_late*, not covered. Never guessed.

A span (a whole day, or the 30 days before a return) collects every version that may have
been shown at some moment of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Sequence

from ..timeutil import from_db

MAX_STALE = timedelta(hours=36)

Coverage = Literal["covered", "between", "after_last", "before_first", "too_late", "none"]


@dataclass(frozen=True)
class Span:
    first_seen: str
    last_seen: str


@dataclass(frozen=True)
class Candidate:
    index: int  # into the versions given
    certain: bool  # the span overlaps this version's own [first_seen, last_seen]


@dataclass(frozen=True)
class Located:
    coverage: Coverage
    candidates: tuple[Candidate, ...] = ()
    stale_by: timedelta | None = None  # after_last / too_late: end of span minus last observation

    @property
    def covered(self) -> bool:
        return self.coverage in ("covered", "between", "after_last")


def locate(versions: Sequence[Span], start: datetime, end: datetime, max_stale: timedelta = MAX_STALE) -> Located:
    """The versions that may have been shown at some moment of [start, end]."""
    if not versions:
        return Located("none")
    first, last = from_db(versions[0].first_seen), from_db(versions[-1].last_seen)
    if start < first:
        return Located("before_first")
    if end > last + max_stale:
        return Located("too_late", stale_by=end - last)
    found = []
    for i, version in enumerate(versions):
        after_previous = i == 0 or end > from_db(versions[i - 1].last_seen)
        before_next = i == len(versions) - 1 or start < from_db(versions[i + 1].first_seen)
        if after_previous and before_next:
            certain = start <= from_db(version.last_seen) and end >= from_db(version.first_seen)
            found.append(Candidate(i, certain))
    if end > last:
        return Located("after_last", tuple(found), stale_by=end - last)
    return Located("covered" if len(found) == 1 else "between", tuple(found))


def clamp(versions: Sequence[Span], start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """[start, end] cut to the observed history; None when they do not overlap."""
    if not versions:
        return None
    lo = max(start, from_db(versions[0].first_seen))
    hi = min(end, from_db(versions[-1].last_seen))
    return (lo, hi) if lo <= hi else None
