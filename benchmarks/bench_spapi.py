"""How close SpApiSource runs to the SP-API quotas, and what it costs locally.

Two runs against the bundled fake server over loopback, on a synthetic scenario:

1. Quotas on (documented defaults times --scale, on both sides): for each operation, the
   steady request rate achieved divided by the quota (target >= 0.9), the share of
   requests answered 429 (target < 1%), and the night's wall time against the ideal, the
   slower of the catalog and offers streams run back to back at the quota.
2. Quotas lifted: ASINs per second end to end, i.e. the client's and the fake's own cost.

At the documented quotas (--scale 1) offers take 10 s per 20 ASINs: 1,000 ASINs are
~490 s. --scale 10 multiplies every rate by 10 (bursts unchanged), so the same shape runs
ten times faster; the ratios it reports are the ones that matter.

    python benchmarks/bench_spapi.py                    # 1,000 ASINs at --scale 10 (~50 s)
    python benchmarks/bench_spapi.py --scale 1          # the real quotas (~8 min)
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from watcher.fakeserver import FakeSpApi
from watcher.model import JAPAN
from watcher.source.ratelimit import DEFAULT_QUOTAS, UNLIMITED, scaled_quotas
from watcher.source.spapi import BATCH, SpApiSource

STREAMS = ("searchCatalogItems", "getItemOffersBatch")


def synthetic_scenario(folder: Path, count: int) -> list[str]:
    """`count` ASINs, each with a realistic-sized item and three offers."""
    asins = [f"B{i:09d}" for i in range(count)]
    catalog: dict[str, Any] = {}
    offers: dict[str, Any] = {}
    for code in asins:
        catalog[code] = {
            "asin": code,
            "summaries": [{"marketplaceId": JAPAN, "itemName": f"ベンチマーク用の商品 {code} ボールペン 0.5mm 黒 10本組",
                           "brand": "BenchBrand", "itemClassification": "BASE_PRODUCT",
                           "browseClassification": {"displayName": "ボールペン", "classificationId": "2151982051"}}],
            "classifications": [{"marketplaceId": JAPAN, "classifications": [
                {"displayName": "ボールペン", "classificationId": "2151982051",
                 "parent": {"displayName": "筆記具", "classificationId": "2151981051",
                            "parent": {"displayName": "文房具・オフィス用品", "classificationId": "86731051"}}}]}],
            "images": [{"marketplaceId": JAPAN, "images": [
                {"variant": v, "link": f"https://m.media-amazon.com/images/I/61{code}{v}{s}.jpg",
                 "height": h, "width": h}
                for v in ("MAIN", "PT01", "PT02", "PT03") for s, h in (("", 1500), ("._SL500_", 500), ("._SL75_", 75))]}],
            "productTypes": [{"marketplaceId": JAPAN, "productType": "WRITING_INSTRUMENT"}],
            "salesRanks": [{"marketplaceId": JAPAN, "classificationRanks": [
                {"classificationId": "2151982051", "title": "ボールペン", "rank": 120}]}],
            "relationships": [{"marketplaceId": JAPAN, "relationships": []}],
        }
        offers[code] = {"ASIN": code, "status": "Success", "ItemCondition": "New",
                        "Summary": {"TotalOfferCount": 3},
                        "Offers": [{"SellerId": f"A{n}SELLER", "SubCondition": "new",
                                    "IsFulfilledByAmazon": n == 0, "IsBuyBoxWinner": n == 0}
                                   for n in range(3)]}
    (folder / "nights").mkdir(parents=True)
    (folder / "images").mkdir()
    (folder / "scenario.json").write_text(json.dumps({"marketplace_id": JAPAN, "seller_id": "A0SELLER"}))
    night = {"at": "2025-01-01T18:00:00+00:00", "catalog": catalog, "offers": offers, "faults": {}}
    (folder / "nights" / "1.json").write_text(json.dumps(night, ensure_ascii=False), encoding="utf-8")
    return asins


def run(fake: FakeSpApi, asins: list[str], **source_args: Any) -> tuple[float, dict[str, int]]:
    statuses: dict[str, int] = {}
    source = SpApiSource(fake.settings(), timeout=30, **source_args)
    try:
        started = time.perf_counter()
        for observation in source.observe(asins):
            key = observation.snapshot.status + ("" if observation.snapshot.offers else "/no-offers")
            statuses[key] = statuses.get(key, 0) + 1
        return time.perf_counter() - started, statuses
    finally:
        source.close()


def quota_run(folder: Path, asins: list[str], scale: float) -> None:
    with FakeSpApi(folder, rate_scale=scale) as fake:
        wall, statuses = run(fake, asins, quotas=scaled_quotas(scale))
        stats = fake.stats
    calls = math.ceil(len(asins) / BATCH)
    print(f"quotas on: {len(asins)} ASINs, documented quotas x{scale:g} on both sides")
    print(f"  observations: {statuses}")
    ideal = 0.0
    for op in STREAMS:
        quota = DEFAULT_QUOTAS[op].scaled(scale)
        times = stats.admitted.get(op, [])
        stream_ideal = max(0.0, (calls - quota.burst) / quota.rate)
        ideal = max(ideal, stream_ideal)
        if len(times) > quota.burst and times[-1] > times[0]:
            # Past the initial burst, a bucket admits `rate` calls a second at most.
            achieved = (len(times) - quota.burst) / (times[-1] - times[0])
            ratio = f"{achieved:.3f}/s = {achieved / quota.rate:.3f} of quota"
        else:
            ratio = "too few calls to measure a rate"
        print(f"  {op:20s} calls={len(times):4d} 429s={stats.throttled[op]:3d}  "
              f"quota {quota.rate:g}/s burst {quota.burst:g}; steady rate {ratio}")
    api_requests = sum(n for op, n in stats.requests.items() if op != "token")
    print(f"  429 share: {sum(stats.throttled.values())}/{api_requests} = "
          f"{sum(stats.throttled.values()) / max(1, api_requests):.2%} of API requests")
    print(f"  wall {wall:.2f}s vs ideal {ideal:.2f}s (slowest stream at quota) = {wall / ideal:.3f}x"
          if ideal else f"  wall {wall:.2f}s (ideal 0: everything fits in the bursts)")


def lifted_run(folder: Path, asins: list[str]) -> None:
    unlimited = {op: UNLIMITED for op in DEFAULT_QUOTAS}
    with FakeSpApi(folder, quotas=False) as fake:
        run(fake, asins[:40], quotas=unlimited)  # warm-up: imports, first connections
        wall, statuses = run(fake, asins, quotas=unlimited)
        calls = dict(fake.stats.requests)
    print(f"quotas lifted: {len(asins)} ASINs in {wall:.2f}s = {len(asins) / wall:,.0f} ASINs/s end to end")
    print(f"  observations: {statuses}; server calls (incl. warm-up): {calls}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--asins", type=int, default=1000, help="ASINs in the quota run (default 1000)")
    parser.add_argument("--scale", type=float, default=10.0, help="quota multiplier, both sides (default 10)")
    parser.add_argument("--lifted-asins", type=int, default=1000, help="ASINs in the quota-less run")
    parser.add_argument("--skip-quota-run", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scenario"
        asins = synthetic_scenario(folder, max(args.asins, args.lifted_asins))
        if not args.skip_quota_run:
            quota_run(folder, asins[: args.asins], args.scale)
        lifted_run(folder, asins[: args.lifted_asins])


if __name__ == "__main__":
    main()
