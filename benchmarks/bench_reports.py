"""Speed of the reports over a realistic history: check, check --returns, evidence.

    python benchmarks/bench_reports.py [--asins 1000] [--nights 90] [--profile]
    python benchmarks/bench_reports.py --db /tmp/reports.db   # build once, then reuse it

Builds the history through the real pipeline (`watcher.pipeline.run`, a real SQLite file,
real JPEG main images fingerprinted by `watcher.images`): --asins watched ASINs observed
over --nights nightly runs. A few percent of the ASINs change at some night (the title,
the main image recoloured under a new id, another seller joining), about half of them
change back later, one in ten is contested (the hijacker and the seller undo each other
every few nights), a few more get title noise the diff ignores (a full-width space), and
a few nights fail: every 22nd-ish a fifth of the fetches, every 60th all of them.

Then prints:

1. `check_order` calls per second, random ASINs and order times (and changed ASINs only);
2. `check --returns` over a 1,000-row FBA returns report written as TSV, through the
   calls the CLI makes (read, parse, check each 30-day window, render): rows per second;
3. `watcher evidence` (gather + write the bundle) for the changed ASIN with the most
   versions, whole history: the median of --repeat;
4. the database size.

--profile prints the top of a cProfile of each measured part on stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

from PIL import Image, ImageDraw

from watcher import pipeline, store
from watcher.model import JAPAN, Observation, Snapshot
from watcher.parse import parse_catalog_item, parse_offers
from watcher.render import to_json
from watcher.report import returns as returns_report
from watcher.report import text as report_text
from watcher.report.bundle import write_bundle
from watcher.report.check import check_order
from watcher.report.evidence import gather

ME = "A2DEMOSELLER01"
HIJACKER = "A3HIJACKER0001"
REGULARS = ("A1REGULAR00001", "A1REGULAR00002")
T0 = datetime(2026, 8, 1, 18, 10, tzinfo=timezone.utc)  # 03:10 JST, as cron runs it
IMAGE_SIDE = 600  # small, yet not low_res (>= 500 px)


# --- the synthetic history ----------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What happens to one ASIN over the nights."""

    index: int
    asin: str
    kinds: frozenset[str] = frozenset()  # title, image, seller
    flips: tuple[int, ...] = ()  # nights the changed content appears, goes, appears again...
    noise: int | None = None  # night a full-width space enters the title (no alert)

    def changed_on(self, night: int) -> bool:
        return sum(f <= night for f in self.flips) % 2 == 1


def plans(count: int, nights: int, changed_share: float, rng: random.Random) -> list[Plan]:
    """Changed ASINs: one change (half of them put back later); one in ten of them contested,
    the seller and the hijacker undoing each other every few nights. Some title noise."""
    out = []
    contested = 0
    for i in range(count):
        asin = f"B0{i:08d}"
        roll = rng.random()
        if roll < changed_share and nights >= 4:
            kinds = {rng.choice(("title", "image", "seller"))}
            if rng.random() < 0.3:
                kinds.add(rng.choice(("title", "image", "seller")))
            night = rng.randint(2, nights - 1)
            flips = [night]
            if roll < changed_share * 0.1 or not contested:
                contested += 1
                kinds = {"image", "seller"}
                while (night := night + rng.randint(2, 6)) <= nights:
                    flips.append(night)
            elif rng.random() < 0.5 and night + 1 <= nights:
                flips.append(min(nights, night + rng.randint(1, 20)))
            out.append(Plan(i, asin, frozenset(kinds), tuple(flips)))
        elif roll < changed_share * 1.75 and nights >= 3:
            out.append(Plan(i, asin, noise=rng.randint(2, nights)))
        else:
            out.append(Plan(i, asin))
    return out


def product_image(i: int, recoloured: bool) -> bytes:
    """A product on white (a bag or a pen, as tests/helpers.py draws them). Real JPEG bytes."""
    hue = (i * 47) % 200
    colour = (30 + hue // 4, 60, 220 - hue // 2) if recoloured else (200 - hue // 2, 30 + hue // 3, 30)
    image = Image.new("RGB", (IMAGE_SIDE, IMAGE_SIDE), "white")
    draw = ImageDraw.Draw(image)
    s = IMAGE_SIDE / 100
    if i % 2 == 0:
        draw.rounded_rectangle((20 * s, 35 * s, 80 * s, 90 * s), radius=int(6 * s), fill=colour)
        draw.arc((32 * s, 10 * s, 68 * s, 50 * s), 180, 360, fill=colour, width=int(4 * s))
        draw.rectangle((45 * s, 55 * s, 55 * s, 62 * s), fill=(240, 220, 120))
    else:
        draw.line((15 * s, 85 * s, 85 * s, 15 * s), fill=colour, width=int(7 * s))
        draw.ellipse((78 * s, 10 * s, 90 * s, 22 * s), fill=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def image_id(i: int, recoloured: bool) -> str:
    return f"61{'Rc' if recoloured else 'Rb'}{i:07d}"


def item(plan: Plan, changed: bool, noisy: bool) -> dict[str, Any]:
    """An SP-API catalog item (2022-04-01 shape) for the ASIN in that state."""
    i = plan.index
    title = f"本革 ショルダーバッグ レディース No.{i} 赤" if i % 2 == 0 else f"ゲルインク ボールペン 0.5mm 黒 {i}本組"
    if changed and "title" in plan.kinds:
        title = f"【最新版】互換品 {i} 高品質 送料無料 ノーブランド"
    if noisy:
        title = title.replace(" ", "\u3000", 1)
    main = image_id(i, changed and "image" in plan.kinds)
    node = ("2221077051", "ショルダーバッグ") if i % 2 == 0 else ("89085051", "ボールペン")
    link = f"https://m.media-amazon.com/images/I/{main}._AC_SL{IMAGE_SIDE}_.jpg"
    gallery = [{"variant": f"PT0{k}", "link": f"https://m.media-amazon.com/images/I/51G{i:07d}{k}.jpg",
                "width": 500, "height": 500} for k in (1, 2, 3)]
    return {
        "asin": plan.asin,
        "summaries": [{"marketplaceId": JAPAN, "itemName": title, "brand": "ミナト革工房" if i % 2 == 0 else "ベンチ文具",
                       "itemClassification": "BASE_PRODUCT",
                       "browseClassification": {"displayName": node[1], "classificationId": node[0]}}],
        "classifications": [{"marketplaceId": JAPAN, "classifications": [
            {"displayName": node[1], "classificationId": node[0],
             "parent": {"displayName": "バッグ" if i % 2 == 0 else "筆記具", "classificationId": "100",
                        "parent": {"displayName": "ファッション" if i % 2 == 0 else "文房具", "classificationId": "1"}}}]}],
        "images": [{"marketplaceId": JAPAN, "images": [
            {"variant": "MAIN", "link": link, "width": IMAGE_SIDE, "height": IMAGE_SIDE}, *gallery]}],
        "productTypes": [{"marketplaceId": JAPAN, "productType": "HANDBAG" if i % 2 == 0 else "WRITING_INSTRUMENT"}],
        "relationships": [{"marketplaceId": JAPAN, "relationships": []}],
        "salesRanks": [{"marketplaceId": JAPAN, "classificationRanks": [
            {"classificationId": node[0], "title": node[1], "rank": 100 + i}]}],
    }


def offers_payload(plan: Plan, changed: bool) -> dict[str, Any]:
    """A getItemOffers payload: the seller, 0-2 regular others, and the hijacker if joined."""
    hijacked = changed and "seller" in plan.kinds
    rows = [{"SellerId": ME, "MyOffer": True, "IsFulfilledByAmazon": True, "IsBuyBoxWinner": not hijacked,
             "SubCondition": "new"}]
    rows += [{"SellerId": s, "MyOffer": False, "IsFulfilledByAmazon": False, "IsBuyBoxWinner": False,
              "SubCondition": "new"} for s in REGULARS[: plan.index % 3]]
    if hijacked:
        rows.append({"SellerId": HIJACKER, "MyOffer": False, "IsFulfilledByAmazon": False, "IsBuyBoxWinner": True,
                     "SubCondition": "new"})
    return {"ASIN": plan.asin, "status": "Success", "Summary": {"TotalOfferCount": len(rows)}, "Offers": rows}


class NightSource:
    """An in-process source: each ASIN's observation on one night, parsed from SP-API shapes."""

    marketplace_id = JAPAN

    def __init__(self, by_asin: dict[str, Plan], failed_nights: dict[int, float], seed: int):
        self.by_asin, self.failed_nights, self.seed = by_asin, failed_nights, seed
        self.night = 1
        self._observations: dict[tuple[str, bool, bool], Observation] = {}
        self._images: dict[str, bytes] = {}

    def observe(self, asins: Sequence[str], with_offers: bool = True) -> Iterator[Observation]:
        failing = self.failed_nights.get(self.night, 0.0)
        rng = random.Random(self.seed * 1000 + self.night)
        for asin in asins:
            if failing and rng.random() < failing:
                yield Observation(Snapshot(asin, "fetch_failed", error="HTTP 503 after 5 tries"))
                continue
            plan = self.by_asin[asin]
            yield self._observation(plan, plan.changed_on(self.night),
                                    plan.noise is not None and plan.noise <= self.night)

    def _observation(self, plan: Plan, changed: bool, noisy: bool) -> Observation:
        key = (plan.asin, changed, noisy)
        if key not in self._observations:
            raw, payload = item(plan, changed, noisy), offers_payload(plan, changed)
            snap = Snapshot(plan.asin, "ok", catalog=parse_catalog_item(raw, JAPAN), offers=parse_offers(payload, ME))
            self._observations[key] = Observation(snap, raw_catalog=raw, raw_offers=payload)
        return self._observations[key]

    def fetch_image(self, link: str) -> bytes:
        name = link.rsplit("/", 1)[-1].split(".", 1)[0]
        return product_image(int(name[4:]), name.startswith("61Rc"))

    def close(self) -> None:
        pass


def failed_nights(nights: int) -> dict[int, float]:
    """Every 22 nights one where a fifth of the fetches fail; every 60 one where all fail."""
    out = {n: 0.2 for n in range(18, nights + 1, 22)}
    out.update({n: 1.0 for n in range(45, nights + 1, 60)})
    return out


def build(path: Path, count: int, nights: int, changed_share: float, seed: int) -> None:
    rng = random.Random(seed)
    all_plans = plans(count, nights, changed_share, rng)
    db = store.open_db(path)
    store.add_asins(db, [(p.asin, None) for p in all_plans], T0)
    source = NightSource({p.asin: p for p in all_plans}, failed_nights(nights), seed)
    start = time.perf_counter()
    alerts = 0
    for night in range(1, nights + 1):
        source.night = night
        summary = pipeline.run(db, source, now=T0 + timedelta(days=night - 1), my_seller_id=ME,
                               source_name="bench")
        alerts += len(summary.new_alerts)
        if night % 10 == 0 or night == nights:
            print(f"  night {night}/{nights}: {time.perf_counter() - start:.0f} s, {alerts} alerts so far",
                  file=sys.stderr)
    db.close()
    changed = [p for p in all_plans if p.flips]
    print(f"built {count} ASINs x {nights} nights in {time.perf_counter() - start:.1f} s: {len(changed)} ASINs "
          f"changed ({sum(len(p.flips) == 2 for p in changed)} changed back, "
          f"{sum(len(p.flips) > 2 for p in changed)} contested), {sum(p.noise is not None for p in all_plans)} "
          f"with title noise; failed nights {', '.join(f'{n} ({s:.0%})' for n, s in source.failed_nights.items())}")


# --- measuring ------------------------------------------------------------------------------------


class Profiler:
    def __init__(self, enabled: bool, top: int = 18):
        self.enabled, self.top = enabled, top

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        profile = cProfile.Profile()
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(self.top)
            print(f"\n=== profile: {name} ===\n{out.getvalue()}", file=sys.stderr)


@dataclass(frozen=True)
class History:
    asins: list[str]
    changed: list[str]  # ASINs that raised an alert at some point
    first: datetime
    last: datetime


def history(db: Any) -> History:
    asins = [w.asin for w in store.watched(db)]
    changed = sorted({a.asin for a in store.alerts(db, include_closed=True)})
    first, last = db.execute("SELECT MIN(first_seen), MAX(last_seen) FROM catalog_versions").fetchone()
    parse = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
    return History(asins, changed, parse(first), parse(last))


def random_moment(rng: random.Random, h: History) -> datetime:
    """Mostly inside the history; a few orders before it starts or after it ends."""
    lo, hi = h.first - timedelta(days=1), h.last + timedelta(days=2)
    return lo + timedelta(seconds=rng.uniform(0, (hi - lo).total_seconds()))


def bench_checks(db: Any, h: History, count: int, rng: random.Random, prof: Profiler, now: datetime) -> None:
    for name, pool in (("random ASINs", h.asins), ("changed ASINs only", h.changed)):
        if not pool:
            continue
        calls = [(rng.choice(pool), random_moment(rng, h)) for _ in range(count)]
        statuses: dict[str, int] = {}
        with prof.section(f"check_order, {name}"):
            start = time.perf_counter()
            for asin, moment in calls:
                result = check_order(db, asin, moment, my_seller_id=ME, now=now)
                statuses[result.status] = statuses.get(result.status, 0) + 1
            elapsed = time.perf_counter() - start
        print(f"check_order, {name}: {count / elapsed:,.0f} calls/s ({elapsed / count * 1000:.2f} ms each; "
              f"{', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))})")


FBA_COLUMNS = ("return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity",
               "fulfillment-center-id", "detailed-disposition", "reason", "status", "license-plate-number",
               "customer-comments")
REASONS = (("NOT_AS_DESCRIBED", "写真と色が違う"), ("DEFECTIVE", "動かない"), ("UNWANTED_ITEM", ""),
           ("ORDERED_WRONG_ITEM", "サイズ間違い"), ("SWITCHEROO", "別の商品が届いた"))


def returns_file(path: Path, h: History, rows: int, rng: random.Random) -> None:
    """An FBA returns report: return dates over the history's last 60 days, a quarter of the
    returns on ASINs that changed (a hijacked listing draws returns)."""
    lo = max(h.first, h.last - timedelta(days=60))
    lines = ["\t".join(FBA_COLUMNS)]
    for n in range(rows):
        asin = rng.choice(h.changed) if h.changed and rng.random() < 0.25 else rng.choice(h.asins)
        when = lo + timedelta(seconds=rng.uniform(0, (h.last + timedelta(days=1) - lo).total_seconds()))
        reason, comment = rng.choice(REASONS)
        lines.append("\t".join((
            when.strftime("%Y-%m-%dT%H:%M:%S+00:00"), f"503-{n:07d}-{rng.randint(0, 9999999):07d}",
            f"SKU-{asin}", asin, f"X00{asin[-7:]}", "ベンチマーク 商品", "1", "NRT1", "CUSTOMER_DAMAGED",
            reason, "Unit returned to inventory", f"LPN{n:09d}", comment,
        )))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def returns_command(db_path: Path, report_path: Path, now: datetime, as_json: bool) -> tuple[dict[str, float], int]:
    """What `watcher check --returns FILE [--json]` does, timed stage by stage; the number
    of returns whose listing differed."""
    times: dict[str, float] = {}
    t = time.perf_counter()
    data = report_path.read_bytes()
    db = store.open_db(db_path, create=False)
    times["open"] = time.perf_counter() - t
    try:
        t = time.perf_counter()
        report = returns_report.parse_returns(data, str(report_path))
        report_text.render_problems(report.problems, str(report_path))
        times["parse"] = time.perf_counter() - t
        t = time.perf_counter()
        checks = returns_report.check_returns(db, report, 30, my_seller_id=ME, now=now)
        times["check"] = time.perf_counter() - t
    finally:
        db.close()
    t = time.perf_counter()
    out = (to_json(returns_report.returns_json(checks, report.problems)) if as_json
           else report_text.render_returns(checks))
    times["render"] = time.perf_counter() - t
    assert out
    return times, sum(c.result.status == "differed" for c in checks)


def bench_returns(db_path: Path, h: History, rows: int, rng: random.Random, prof: Profiler, now: datetime,
                  folder: Path) -> None:
    path = folder / "returns.tsv"
    returns_file(path, h, rows, rng)
    for as_json in (False, True):
        label = "check --returns --json" if as_json else "check --returns"
        with prof.section(label):
            start = time.perf_counter()
            times, differed = returns_command(db_path, path, now, as_json)
            elapsed = time.perf_counter() - start
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in times.items())
        print(f"{label}: {rows} rows in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s ({parts}; {differed} differed)")


def pick_evidence_asin(db: Any, h: History) -> str:
    counts = {a: len(store.catalog_versions(db, a)) + len(store.offer_versions(db, a)) for a in h.changed}
    return max(sorted(counts), key=lambda a: counts[a]) if counts else h.asins[0]


def bench_evidence(db: Any, asin: str, repeat: int, prof: Profiler, now: datetime, folder: Path) -> None:
    gathered, written = [], []
    for n in range(repeat):
        with prof.section("evidence") if n == 0 else _nothing():
            start = time.perf_counter()
            facts = gather(db, asin, None, None, now, ME)
            middle = time.perf_counter()
            bundle = write_bundle(facts, folder / f"evidence-{n}")
            end = time.perf_counter()
        gathered.append(middle - start)
        written.append(end - middle)
    total = [g + w for g, w in zip(gathered, written)]
    print(f"evidence {asin} ({len(facts.versions)} catalog versions, {len(facts.offers)} offer versions, "
          f"{len(facts.transitions)} changes, {len(bundle.files)} files): median {statistics.median(total) * 1000:.0f} ms "
          f"(gather {statistics.median(gathered) * 1000:.0f} ms, write {statistics.median(written) * 1000:.0f} ms; "
          f"{repeat} runs)")


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def database_size(db: Any, path: Path, count: int) -> None:
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = os.path.getsize(path)
    rows = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("catalog_versions", "offer_versions", "raw_answers", "images", "alerts", "run_failures")}
    print(f"database: {size / 1e6:.1f} MB ({size / count / 1e3:.1f} kB per ASIN); "
          + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    try:
        by_table = db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 5").fetchall()
    except Exception:  # noqa: BLE001 - dbstat is a compile-time option of SQLite
        return
    print("  largest: " + ", ".join(f"{name} {pages / 1e6:.1f} MB" for name, pages in by_table))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asins", type=int, default=1_000)
    parser.add_argument("--nights", type=int, default=90)
    parser.add_argument("--changed", type=float, default=0.04, help="share of ASINs that change (default 0.04)")
    parser.add_argument("--checks", type=int, default=2_000, help="check_order calls per measure")
    parser.add_argument("--returns", type=int, default=1_000, help="rows in the returns report")
    parser.add_argument("--repeat", type=int, default=5, help="evidence bundles built (the median is printed)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="keep the history in this file; reused when it exists")
    parser.add_argument("--profile", action="store_true", help="cProfile each measured part (stderr)")
    args = parser.parse_args()
    logging.getLogger("watcher").setLevel(logging.ERROR)  # the failed nights' one line per ASIN
    prof = Profiler(args.profile)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = args.db or folder / "bench.db"
        if path.exists():
            print(f"reusing {path}")
        else:
            build(path, args.asins, args.nights, args.changed, args.seed)
        db = store.open_db(path, create=False)
        h = history(db)
        now = h.last + timedelta(hours=8)  # the morning after the last run
        rng = random.Random(args.seed + 1)
        bench_checks(db, h, args.checks, rng, prof, now)
        bench_returns(path, h, args.returns, rng, prof, now, folder)
        bench_evidence(db, pick_evidence_asin(db, h), args.repeat, prof, now, folder)
        database_size(db, path, len(h.asins))
        db.close()
    print(f"python {sys.version.split()[0]}, sqlite {store.sqlite3.sqlite_version}, {len(h.asins)} ASINs "
          f"({len(h.changed)} with alerts), history {h.first:%Y-%m-%d} to {h.last:%Y-%m-%d}")


if __name__ == "__main__":
    main()
