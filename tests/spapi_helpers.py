"""Shared helpers for the SP-API client and fake-server tests: small scenarios and a fake clock."""

from __future__ import annotations

import io
import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from PIL import Image

from watcher.model import JAPAN
from watcher.source.replay import Scenario

SELLER = "A2MYSELLER0001"
OTHER = "A3OTHERSELLER01"
AMAZON = "AN1VRQENFRJN5"


class FakeClock:
    """A clock that only moves when someone sleeps on it. Shared by client and server, it
    lets quotas of 0.1 call/s pass in no real time. Thread-safe; sleeps add up."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        self.sleep(seconds)


def asin(n: int) -> str:
    return f"B0TEST{n:04d}"


def make_item(code: str, *, title: str | None = None, image_id: str | None = None,
              parents: Iterable[str] = ()) -> dict[str, Any]:
    image_id = image_id or f"61img{code}"
    item: dict[str, Any] = {
        "asin": code,
        "summaries": [{
            "marketplaceId": JAPAN,
            "itemName": title or f"テスト商品 {code}",
            "brand": "TestBrand",
            "itemClassification": "BASE_PRODUCT",
            "browseClassification": {"displayName": "ボールペン", "classificationId": "2151982051"},
        }],
        "classifications": [{"marketplaceId": JAPAN, "classifications": [
            {"displayName": "ボールペン", "classificationId": "2151982051",
             "parent": {"displayName": "文房具", "classificationId": "86731051"}}]}],
        "images": [{"marketplaceId": JAPAN, "images": [
            {"variant": "MAIN", "link": f"https://m.media-amazon.com/images/I/{image_id}.jpg",
             "height": 1500, "width": 1500},
            {"variant": "MAIN", "link": f"https://m.media-amazon.com/images/I/{image_id}._SL75_.jpg",
             "height": 75, "width": 75},
            {"variant": "PT01", "link": f"https://m.media-amazon.com/images/I/71pt{code}.jpg",
             "height": 1000, "width": 1000},
        ]}],
        "productTypes": [{"marketplaceId": JAPAN, "productType": "WRITING_INSTRUMENT"}],
        "salesRanks": [{"marketplaceId": JAPAN, "classificationRanks": [
            {"classificationId": "2151982051", "title": "ボールペン", "rank": 12}]}],
        "relationships": [{"marketplaceId": JAPAN, "relationships": []}],
    }
    if parents:
        item["relationships"][0]["relationships"] = [{
            "type": "VARIATION", "parentAsins": list(parents),
            "variationTheme": {"attributes": ["color"], "theme": "COLOR"}}]
    return item


def make_offers(code: str, sellers: Iterable[str] = (SELLER,), buybox: str | None = SELLER) -> dict[str, Any]:
    offers = [
        {"SellerId": s, "SubCondition": "new", "IsFulfilledByAmazon": s == AMAZON,
         "IsBuyBoxWinner": s == buybox, "MyOffer": False}
        for s in sellers
    ]
    return {"ASIN": code, "status": "Success", "ItemCondition": "New",
            "Summary": {"TotalOfferCount": len(offers)}, "Offers": offers}


@lru_cache(maxsize=None)
def jpeg(colour: tuple[int, int, int] = (200, 30, 30), size: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "JPEG")
    return out.getvalue()


def write_scenario(folder: Path, nights: dict[int, dict[str, Any]], *,
                   seller_id: str | None = SELLER) -> Scenario:
    """Write a scenario folder. Each night: {"catalog": {...}, "offers": {...}, "faults": {...}}.

    Every MAIN image id found in the catalog gets a small JPEG in images/.
    """
    (folder / "nights").mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    watch = sorted({a for night in nights.values() for a in night.get("catalog", {})})
    (folder / "scenario.json").write_text(json.dumps({
        "marketplace_id": JAPAN, "seller_id": seller_id,
        "watch": [{"asin": a, "label": a} for a in watch]}), encoding="utf-8")
    for number, night in nights.items():
        data = {"at": f"2025-01-{number:02d}T18:00:00+00:00", "catalog": {}, "offers": {}, "faults": {}}
        data.update(night)
        (folder / "nights" / f"{number}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        for item in data["catalog"].values():
            for image in item["images"][0]["images"]:
                image_id = image["link"].rsplit("/", 1)[1].split(".", 1)[0]
                (folder / "images" / f"{image_id}.jpg").write_bytes(jpeg())
    return Scenario(folder)


def simple_scenario(folder: Path, count: int, **night: Any) -> Scenario:
    """One night of `count` ASINs, each with an offers payload; extra keys override the night."""
    codes = [asin(i) for i in range(count)]
    base = {
        "catalog": {c: make_item(c) for c in codes},
        "offers": {c: make_offers(c, sellers=(SELLER, OTHER)) for c in codes},
    }
    base.update(night)
    return write_scenario(folder, {1: base})
