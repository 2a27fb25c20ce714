"""Local cost of a night: N synthetic ASINs recorded for two nights, the second unchanged.

    python benchmarks/bench_pipeline.py [--asins 10000] [--images 100]

Prints ASINs per second for each night, the database size, and the bytes the unchanged
night added. The source hands out prepared observations (parsed from SP-API-shaped JSON
beforehand), so the figures are the pipeline's own work: store, diff, alerts. Distinct
main images are drawn from a pool of --images pictures, so night 1 also shows the cost
of fingerprinting new images.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, Sequence

from PIL import Image, ImageDraw

from watcher import pipeline, store
from watcher.model import Observation
from watcher.parse import parse_catalog_item, parse_offers

MARKET = "A1VC38T7YXB528"


def image_bytes(i: int) -> bytes:
    img = Image.new("RGB", (1000, 1000), "white")
    draw = ImageDraw.Draw(img)
    hue = (i * 37) % 255
    draw.rectangle((150 + i % 50, 200, 850, 800 - i % 70), fill=(hue, 255 - hue, (i * 91) % 255))
    draw.ellipse((300, 100 + i % 30, 700, 400), outline=(20, 20, 20), width=25)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def item(asin: str, i: int, pool: int) -> dict:
    image_id = f"61Bench{i % pool:04d}"
    link = f"https://m.media-amazon.com/images/I/{image_id}._AC_SL1000_.jpg"
    return {
        "asin": asin,
        "summaries": [{"marketplaceId": MARKET, "itemName": f"ベンチマーク商品 {i} ステンレス マグカップ 350ml",
                       "brand": "ベンチ", "itemClassification": "BASE_PRODUCT",
                       "browseClassification": {"displayName": "マグカップ", "classificationId": "2422326051"}}],
        "images": [{"marketplaceId": MARKET, "images": [{"variant": "MAIN", "link": link, "width": 1000, "height": 1000}]}],
        "productTypes": [{"marketplaceId": MARKET, "productType": "DRINKING_CUP"}],
        "relationships": [{"marketplaceId": MARKET, "relationships": []}],
        "salesRanks": [{"marketplaceId": MARKET, "classificationRanks": [{"classificationId": "2422326051", "rank": i}]}],
    }


def offers_payload(asin: str) -> dict:
    return {"ASIN": asin, "Summary": {"TotalOfferCount": 2}, "Offers": [
        {"SellerId": "A2DEMOSELLER01", "MyOffer": True, "IsFulfilledByAmazon": True, "IsBuyBoxWinner": True, "SubCondition": "new"},
        {"SellerId": "A3OTHER000001", "MyOffer": False, "IsFulfilledByAmazon": False, "IsBuyBoxWinner": False, "SubCondition": "new"},
    ]}


class PreparedSource:
    marketplace_id = MARKET

    def __init__(self, observations: dict[str, Observation], images: dict[str, bytes]):
        self.observations, self.images = observations, images

    def observe(self, asins: Sequence[str], with_offers: bool = True) -> Iterator[Observation]:
        for asin in asins:
            yield self.observations[asin]

    def fetch_image(self, link: str) -> bytes:
        return self.images[link.rsplit("/", 1)[-1].split(".", 1)[0]]

    def close(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asins", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=100)
    args = parser.parse_args()
    asins = [f"B0{i:08d}" for i in range(args.asins)]
    images = {f"61Bench{i:04d}": image_bytes(i) for i in range(args.images)}
    observations = {}
    for i, asin in enumerate(asins):
        raw, payload = item(asin, i, args.images), offers_payload(asin)
        from watcher.model import Snapshot
        snap = Snapshot(asin, "ok", catalog=parse_catalog_item(raw, MARKET), offers=parse_offers(payload, "A2DEMOSELLER01"))
        observations[asin] = Observation(snap, raw_catalog=raw, raw_offers=payload)
    source = PreparedSource(observations, images)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        db = store.open_db(path)
        t0 = datetime(2026, 11, 1, 18, 10, tzinfo=timezone.utc)
        store.add_asins(db, [(a, None) for a in asins], t0)

        def size() -> int:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return os.path.getsize(path)

        before = size()
        for night in (1, 2):
            start = time.perf_counter()
            summary = pipeline.run(db, source, now=t0 + timedelta(days=night - 1), my_seller_id="A2DEMOSELLER01")
            elapsed = time.perf_counter() - start
            after = size()
            print(f"night {night}: {summary.checked} ASINs in {elapsed:.2f} s = {summary.checked / elapsed:,.0f} ASINs/s; "
                  f"new versions {summary.changed}, alerts {len(summary.new_alerts)}; "
                  f"database {after / 1e6:.2f} MB (+{after - before:,} bytes, {(after - before) / len(asins):.1f} bytes/ASIN)")
            before = after
        db.close()
    print(f"python {sys.version.split()[0]}, {args.asins} ASINs, {args.images} distinct images")


if __name__ == "__main__":
    main()
