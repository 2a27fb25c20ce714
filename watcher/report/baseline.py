"""The baseline in force at a given moment.

Every baseline is recorded when it is set (table `baselines`): the first good observation,
recorded silently by the first run, then each `watcher accept`. An order is compared with
the baseline the seller had at order time: a customer who ordered under the old photo saw
what the seller had registered then, not a state accepted later. Before the first
baseline there is nothing to compare with, and the first one stands in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from .. import store
from ..timeutil import to_db


@dataclass(frozen=True)
class Baseline:
    catalog: store.Version
    offers: store.Version | None
    since: str  # when it became the baseline (UTC ISO)
    how: Literal["first_run", "accepted"]
    current: bool  # it is the baseline in force now


def baseline_at(db: Database, asin: str, moment: datetime) -> Baseline | None:
    """The baseline the seller had in force at `moment`; None when there never was one."""
    history = store.baseline_history(db, asin)
    if not history:
        return None
    at = to_db(moment)
    in_force = [b for b in history if b.set_at <= at]
    chosen = in_force[-1] if in_force else history[0]
    catalog = store.catalog_version(db, chosen.catalog_version)
    if catalog is None:
        return None
    how: Literal["first_run", "accepted"] = "first_run" if chosen.how == "first_run" else "accepted"
    return Baseline(catalog, store.offer_version(db, chosen.offers_version), chosen.set_at, how, chosen.current)


def accepted_after(db: Database, asin: str, version_ids: list[int], moment: datetime) -> str | None:
    """When the seller accepted one of these catalog versions as the baseline after `moment`.

    A customer may have seen content the seller made and accepted the next morning: the
    check still compares with the baseline at order time, and says this beside it.
    """
    at = to_db(moment)
    return next((b.set_at for b in store.baseline_history(db, asin)
                 if b.how == "accepted" and b.set_at > at and b.catalog_version in version_ids), None)
