"""Replay a recorded scenario from disk, night by night, through the real parser.

A scenario folder holds:

    scenario.json        {"marketplace_id": ..., "seller_id": ..., "watch": [{"asin", "label"}]}
    nights/<n>.json      {"at": ISO time, "catalog": {asin: item}, "offers": {asin: payload},
                          "faults": {asin: "500" | "timeout" | "drop" | "offers-500" | ...}}
    images/<image id>.<ext>

`catalog` holds Catalog Items 2022-04-01 `item` objects; an ASIN absent from it answers
404 (not found). `offers` holds Product Pricing v0 `payload` objects. A fault makes the
ASIN fail as a real network fault would. The fake SP-API server serves the same files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import ImageError, UsageError
from ..model import Observation, Snapshot
from ..parse import image_id_from_link, parse_catalog_item, parse_offers


@dataclass(frozen=True)
class Night:
    number: int
    at: datetime
    catalog: dict[str, Any]
    offers: dict[str, Any]
    faults: dict[str, str]


class Scenario:
    """A recorded scenario on disk."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        meta_path = self.folder / "scenario.json"
        if not meta_path.is_file():
            raise UsageError(f"not a scenario folder (no scenario.json): {self.folder}")
        self.meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        self.marketplace_id: str = self.meta.get("marketplace_id", "A1VC38T7YXB528")
        self.seller_id: str | None = self.meta.get("seller_id")
        self.nights = sorted(int(p.stem) for p in (self.folder / "nights").glob("*.json"))

    @property
    def watch(self) -> list[dict[str, str]]:
        return list(self.meta.get("watch", []))

    def night(self, number: int) -> Night:
        path = self.folder / "nights" / f"{number}.json"
        if not path.is_file():
            raise UsageError(f"scenario {self.folder.name} has no night {number}")
        data = json.loads(path.read_text(encoding="utf-8"))
        return Night(
            number=number,
            at=datetime.fromisoformat(data["at"]),
            catalog=data.get("catalog", {}),
            offers=data.get("offers", {}),
            faults=data.get("faults", {}),
        )

    def image_path(self, image_id: str) -> Path | None:
        for path in (self.folder / "images").glob(f"{image_id}.*"):
            return path
        return None


class ReplaySource:
    """Observations for one night of a scenario, without HTTP."""

    def __init__(self, scenario: Scenario, night: int, seller_id: str | None = None):
        self.scenario = scenario
        self.night = scenario.night(night)
        self.marketplace_id = scenario.marketplace_id
        self.seller_id = seller_id or scenario.seller_id

    def observe(self, asins: Sequence[str], with_offers: bool = True) -> Iterator[Observation]:
        for asin in asins:
            yield self._observe(asin, with_offers)

    def _observe(self, asin: str, with_offers: bool) -> Observation:
        fault = self.night.faults.get(asin)
        if fault and not fault.startswith("offers-"):
            return Observation(Snapshot(asin, "fetch_failed", error=f"injected fault: {fault}"))
        item = self.night.catalog.get(asin)
        if item is None:
            return Observation(Snapshot(asin, "not_found"), raw_catalog=None)
        catalog = parse_catalog_item(item, self.marketplace_id)
        payload = self.night.offers.get(asin) if with_offers else None
        offers = None
        offers_error = None
        if fault and with_offers:
            offers_error = f"injected fault: {fault}"
        elif payload is not None:
            offers = parse_offers(payload, self.seller_id)
        return Observation(
            Snapshot(asin, "ok", catalog=catalog, offers=offers),
            raw_catalog=item,
            raw_offers=payload if offers is not None else None,
            offers_error=offers_error,
        )

    def fetch_image(self, link: str) -> bytes:
        path = self.scenario.image_path(image_id_from_link(link))
        if path is None:
            raise ImageError(f"image not in scenario: {link}")
        return path.read_bytes()

    def close(self) -> None:
        pass
