"""The spine under stress: killed and concurrent runs, failures between good nights,
parents, accept, unknown images, old databases, text and times. Real SQLite files."""

import sqlite3
import subprocess
import sys
import zlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from helpers import ME, DiesAfter, ListSource, catalog, failed, not_found, offers, ok, product_image
from watcher import alerts, pipeline, store
from watcher.errors import StoreError, UsageError
from watcher.timeutil import JST, show

T0 = datetime(2026, 11, 1, 18, 10, tzinfo=timezone.utc)
IMAGES = {
    "61RedBag001": product_image((200, 30, 30)),
    "61RedBag002": product_image((200, 30, 30), size=1200),
    "61BlueBag01": product_image((30, 60, 200)),
    "61GreenBag1": product_image((30, 170, 50)),
    "61Pen000001": product_image((20, 20, 20), shape="pen"),
    "61Pen000002": product_image((20, 20, 20), shape="pen", size=1200),
}
BAG, PEN, PARENT = "B0TEST0001", "B0TEST0002", "B0PARENT01"
PEN_CAT = catalog(title="ゲルインク ボールペン 0.5mm 黒", image_id="61Pen000001", node=("89085051", "ボールペン"),
                  product_type="WRITING_INSTRUMENT")


@pytest.fixture
def path(tmp_path):
    return tmp_path / "w.db"


@pytest.fixture
def db(path):
    database = store.open_db(path)
    store.add_asins(database, [(BAG, "赤いバッグ"), (PEN, "ボールペン")], T0)
    yield database
    database.close()


def at(n):
    return T0 + timedelta(days=n - 1)


def night(db, n, observations, images=IMAGES):
    return pipeline.run(db, ListSource(observations, images), now=at(n), my_seller_id=ME)


def base(db):
    return night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])


def kinds(items):
    return sorted(a["kind"] if isinstance(a, dict) else a.kind for a in items)


# --- killed and failed runs ----------------------------------------------------------------


def test_source_error_midway_keeps_finished_asins_and_the_next_run_is_right(db):
    base(db)
    hijacked = [ok(BAG, catalog(title="偽物 トートバッグ")), ok(PEN, replace(PEN_CAT, title="偽物 ペン"))]
    with pytest.raises(RuntimeError):
        pipeline.run(db, DiesAfter(hijacked, IMAGES, 1, RuntimeError("socket closed")), now=at(2), my_seller_id=ME)
    run = store.runs(db)[0]
    # Not a KeyboardInterrupt: a failed run, with the reason kept.
    assert run["status"] == "failed" and "socket closed" in run["error"] and run["checked"] == 1
    assert store.latest_snapshot(db, BAG).catalog.title == "偽物 トートバッグ"
    assert store.latest_snapshot(db, PEN).catalog.title == PEN_CAT.title
    assert store.alerts(db) == []  # stored, not judged yet
    s3 = night(db, 3, hijacked)
    assert sorted((a["asin"], a["kind"]) for a in s3.new_alerts) == [(BAG, "title_changed"), (PEN, "title_changed")]
    assert night(db, 4, hijacked).new_alerts == []
    assert len(store.alerts(db)) == 2


def test_alerts_raised_by_a_killed_run_are_reported_by_the_next_run_once(db, monkeypatch):
    base(db)
    hijacked = [ok(BAG, catalog(title="偽物 トートバッグ")), ok(PEN, replace(PEN_CAT, title="偽物 ペン"))]
    real, judged = alerts.evaluate, []

    def killed_on_second(database, asin, *args):
        judged.append(asin)
        if len(judged) == 2:
            raise KeyboardInterrupt
        return real(database, asin, *args)

    monkeypatch.setattr(alerts, "evaluate", killed_on_second)
    with pytest.raises(KeyboardInterrupt):
        night(db, 2, hijacked)
    monkeypatch.setattr(alerts, "evaluate", real)
    assert store.runs(db)[0]["status"] == "interrupted"
    assert [a.asin for a in store.alerts(db)] == [BAG]  # committed, never printed
    s3 = night(db, 3, hijacked)
    assert sorted(a["asin"] for a in s3.new_alerts) == [BAG, PEN]
    assert night(db, 4, hijacked).new_alerts == []
    assert len(store.alerts(db, include_closed=True)) == 2


def test_killed_before_judging_keeps_the_window_for_the_cause(db):
    base(db)
    rewritten = ok(BAG, catalog(node=("89085051", "ボールペン"), parents=(PARENT,)))
    parent = ok(PARENT, catalog(title="親 ASIN", image_id="61Pen000001", node=("1", "x")))
    observations = [rewritten, ok(PEN, PEN_CAT), parent]
    # Killed while observing the parents: the child's new version is stored, not judged.
    with pytest.raises(KeyboardInterrupt):
        pipeline.run(db, DiesInParents(observations, IMAGES), now=at(2), my_seller_id=ME)
    s = night(db, 2, observations)
    causes = {a["kind"]: a["cause"] for a in s.new_alerts}
    assert causes == {"browse_node_changed": "parent_rewrite", "parent_changed": "parent_rewrite"}


class DiesInParents(ListSource):
    def observe(self, asins, with_offers=True):
        if not with_offers:
            raise KeyboardInterrupt
        yield from super().observe(asins, with_offers)


# --- two runs at once ----------------------------------------------------------------------


def test_a_second_run_on_the_same_database_is_refused(db, path):
    base(db)
    second = store.open_db(path)
    refused = []

    class Slow(ListSource):
        def observe(self, asins, with_offers=True):
            for obs in super().observe(asins, with_offers):
                if with_offers and not refused:
                    with pytest.raises(StoreError, match="another `watcher run`") as exc:
                        night(second, 2, [ok(BAG, catalog(title="x")), ok(PEN, PEN_CAT)])
                    refused.append(exc.value)
                yield obs

    s = pipeline.run(db, Slow([ok(BAG, catalog()), ok(PEN, PEN_CAT)], IMAGES), now=at(2), my_seller_id=ME)
    assert refused and s.new_alerts == []
    # The refused run left no trace: two runs, both finished, one version per ASIN.
    assert [r["status"] for r in store.runs(db)] == ["ok", "ok"]
    assert [v.version for v in store.catalog_versions(db, BAG)] == [1]
    # ... and the lock is free again afterwards.
    assert night(second, 3, [ok(BAG, catalog()), ok(PEN, PEN_CAT)]).checked == 2
    second.close()


def test_the_lock_of_a_killed_process_goes_with_it(db, path):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from watcher import store\n"
         "db = store.open_db(sys.argv[1])\n"
         "with store.run_lock(db):\n"
         "    print('locked', flush=True); sys.stdin.read()\n",
         str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError):
            base(db)
    finally:
        holder.kill()
        holder.wait()
    assert base(db).checked == 2


# --- failures and not_found between good nights --------------------------------------------


def test_fetch_failed_night_between_ok_nights(db):
    base(db)
    night(db, 2, [ok(BAG, catalog(title="別の商品")), ok(PEN, PEN_CAT)])
    s3 = night(db, 3, [failed(BAG), ok(PEN, PEN_CAT)])
    assert s3.new_alerts == [] and s3.resolved_alerts == [] and s3.failed == 1
    (version,) = [v for v in store.catalog_versions(db, BAG) if v.version == 2]
    assert version.last_seen == "2026-11-02T18:10:00Z"  # the failed night saw nothing
    assert store.offer_versions(db, BAG)[-1].last_seen == "2026-11-02T18:10:00Z"
    s4 = night(db, 4, [ok(BAG, catalog(title="別の商品")), ok(PEN, PEN_CAT)])
    assert s4.new_alerts == [] and s4.resolved_alerts == []
    assert kinds(store.alerts(db)) == ["title_changed"]


@pytest.mark.parametrize(
    "middle, raised",
    [
        # A failure says nothing about the listing: the two not_found answers are still
        # consecutive answers, and the alert is raised on a not_found, never on a failure.
        (failed(BAG), ["listing_gone"]),
        # An ok answer in between resets the count.
        (ok(BAG, catalog()), []),
    ],
)
def test_not_found_around_another_night(db, middle, raised):
    base(db)
    assert night(db, 2, [not_found(BAG), ok(PEN, PEN_CAT)]).new_alerts == []
    assert night(db, 3, [middle, ok(PEN, PEN_CAT)]).new_alerts == []
    assert kinds(night(db, 4, [not_found(BAG), ok(PEN, PEN_CAT)]).new_alerts) == raised


def test_listing_gone_keeps_other_alerts_and_resolves_when_the_listing_returns(db):
    base(db)
    night(db, 2, [ok(BAG, catalog(title="偽物")), ok(PEN, PEN_CAT)])
    night(db, 3, [not_found(BAG), ok(PEN, PEN_CAT)])
    s4 = night(db, 4, [not_found(BAG), ok(PEN, PEN_CAT)])
    assert kinds(s4.new_alerts) == ["listing_gone"]
    assert kinds(store.alerts(db)) == ["listing_gone", "title_changed"]
    s5 = night(db, 5, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    assert kinds(s5.resolved_alerts) == ["listing_gone", "title_changed"] and store.alerts(db) == []


def test_a_parents_failure_is_not_a_watched_asins_failure(db):
    night(db, 1, [ok(BAG, catalog(parents=(PARENT,))), ok(PEN, PEN_CAT), ok(PARENT, catalog())])
    s = night(db, 2, [ok(BAG, catalog(parents=(PARENT,))), ok(PEN, PEN_CAT), failed(PARENT)])
    assert (s.checked, s.failed, s.not_found, s.parents_checked) == (2, 0, 0, 1)
    assert [f["asin"] for f in s.failures] == [PARENT]  # still listed
    assert store.runs(db)[0]["failed"] == 0


# --- images that cannot be judged yet --------------------------------------------------------


def test_an_image_that_cannot_be_fetched_neither_resolves_nor_moves_an_open_alert(db):
    base(db)
    night(db, 2, [ok(BAG, catalog(image_id="61BlueBag01")), ok(PEN, PEN_CAT)])
    (alert,) = store.alerts(db)
    without_green = {k: v for k, v in IMAGES.items() if k != "61GreenBag1"}
    s3 = night(db, 3, [ok(BAG, catalog(image_id="61GreenBag1")), ok(PEN, PEN_CAT)], images=without_green)
    assert s3.resolved_alerts == [] and store.alerts(db)[0].after == "61BlueBag01"
    # Next night the picture can be had: the alert follows it, still the same alert.
    s4 = night(db, 4, [ok(BAG, catalog(image_id="61GreenBag1")), ok(PEN, PEN_CAT)])
    assert s4.new_alerts == [] and [(a.id, a.after) for a in store.alerts(db)] == [(alert.id, "61GreenBag1")]
    # The same picture as the baseline under a new id: back to normal.
    s5 = night(db, 5, [ok(BAG, catalog(image_id="61RedBag002")), ok(PEN, PEN_CAT)])
    assert kinds(s5.resolved_alerts) == ["main_image_changed"]


def test_a_baseline_image_missed_on_the_first_night_is_fetched_later(db):
    without_red = {k: v for k, v in IMAGES.items() if k != "61RedBag001"}
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)], images=without_red)
    hijacked = [ok(BAG, catalog(image_id="61BlueBag01")), ok(PEN, PEN_CAT)]
    # The baseline picture still cannot be had: nothing is known, nothing is said ...
    assert night(db, 2, hijacked, images=without_red).new_alerts == []
    # ... and the ASIN is judged again once it can, though the listing did not move.
    s3 = night(db, 3, hijacked)
    assert [(a["kind"], a["detail"]["verdict"]) for a in s3.new_alerts] == [("main_image_changed", "recolored")]
    assert night(db, 4, hijacked).new_alerts == []


# --- parents -----------------------------------------------------------------------------------


def test_parent_with_the_same_picture_under_another_image_id_is_the_cause(db):
    base(db)
    in_family = catalog(title=PEN_CAT.title, image_id="61Pen000001", node=("89085051", "ボールペン"),
                        product_type="WRITING_INSTRUMENT", parents=(PARENT,))
    parent = ok(PARENT, catalog(title="親", image_id="61RedBag002"))
    night(db, 2, [ok(BAG, catalog()), ok(PEN, in_family), parent])
    alerts.accept(db, PEN, at(2))  # the seller accepted the family, so the parent is baseline
    # The child now shows the parent's picture, under the child's own new image id.
    child = ok(PEN, replace(in_family, main_image=catalog(image_id="61RedBag001").main_image))
    s3 = night(db, 3, [ok(BAG, catalog()), child, parent])
    assert [(a["kind"], a["cause"]) for a in s3.new_alerts] == [("main_image_changed", "parent_rewrite")]


def test_an_image_judged_a_night_late_keeps_the_parent_as_cause(db):
    base(db)
    bag_title = "【2026新作】大容量 トートバッグ"
    rewritten = ok(PEN, catalog(title=bag_title, image_id="61BlueBag01", parents=(PARENT,)))
    parent = ok(PARENT, catalog(title="別の親の名前", image_id="61GreenBag1"))
    without_blue = {k: v for k, v in IMAGES.items() if k != "61BlueBag01"}
    s2 = night(db, 2, [ok(BAG, catalog()), rewritten, parent], images=without_blue)
    assert "main_image_changed" not in kinds(s2.new_alerts)
    s3 = night(db, 3, [ok(BAG, catalog()), rewritten, parent])
    assert [(a["kind"], a["cause"]) for a in s3.new_alerts] == [("main_image_changed", "parent_rewrite")]


def test_a_parent_that_is_itself_watched(db):
    store.add_asins(db, [(PARENT, "親")], T0)
    family = catalog(title="ショルダーバッグ 親", image_id="61BlueBag01")
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT), ok(PARENT, family)])
    child = ok(BAG, catalog(title=family.title, image_id="61BlueBag01", parents=(PARENT,)))
    source = ListSource([child, ok(PEN, PEN_CAT), ok(PARENT, family)], IMAGES)
    s2 = pipeline.run(db, source, now=at(2), my_seller_id=ME)
    assert s2.parents_checked == 0 and s2.checked == 3  # observed once, as a watched ASIN
    assert {a["cause"] for a in s2.new_alerts} == {"parent_rewrite"}
    assert {a["asin"] for a in s2.new_alerts} == {BAG}
    assert store.latest_snapshot(db, PARENT).offers is not None  # watched: its offers too


# --- accept and later moves ----------------------------------------------------------------------


def test_accept_while_alerts_are_open_then_the_listing_moves_again(db):
    base(db)
    first = ok(BAG, catalog(title="偽物 1", image_id="61BlueBag01"), offers("A3HIJACKER0001"))
    night(db, 2, [first, ok(PEN, PEN_CAT)])
    assert alerts.accept(db, BAG, at(2) + timedelta(hours=1)) == 3
    assert night(db, 3, [first, ok(PEN, PEN_CAT)]).new_alerts == []
    s4 = night(db, 4, [ok(BAG, catalog(title="偽物 2", image_id="61BlueBag01")), ok(PEN, PEN_CAT)])
    by_kind = {a["kind"]: a for a in s4.new_alerts}
    assert set(by_kind) == {"title_changed", "seller_left"}
    assert by_kind["title_changed"]["before"] == "偽物 1"  # from the accepted state
    statuses = sorted(a.status for a in store.alerts(db, include_closed=True))
    assert statuses == ["accepted", "accepted", "accepted", "open", "open"]


def test_accept_while_the_listing_is_not_found_is_refused(db):
    base(db)
    night(db, 2, [not_found(BAG), ok(PEN, PEN_CAT)])
    night(db, 3, [not_found(BAG), ok(PEN, PEN_CAT)])
    with pytest.raises(UsageError, match="not found"):
        alerts.accept(db, BAG, at(3))
    assert kinds(store.alerts(db)) == ["listing_gone"]
    # The baseline still stands, so a listing that returns hijacked is caught.
    s4 = night(db, 4, [ok(BAG, catalog(title="偽物")), ok(PEN, PEN_CAT)])
    assert kinds(s4.new_alerts) == ["title_changed"] and kinds(s4.resolved_alerts) == ["listing_gone"]


def test_open_alert_after_follows_the_listing(db):
    base(db)
    night(db, 2, [ok(BAG, catalog(image_id="61BlueBag01")), ok(PEN, PEN_CAT)])
    night(db, 3, [ok(BAG, catalog(image_id="61Pen000001")), ok(PEN, PEN_CAT)])
    (alert,) = store.alerts(db)
    assert (alert.before, alert.after, alert.detail["verdict"], alert.severity) == (
        "61RedBag001", "61Pen000001", "different", "critical")


# --- storage: bytes, old databases, text, times ----------------------------------------------------


def test_an_unchanged_night_costs_under_100_bytes_per_asin(tmp_path):
    path = tmp_path / "w.db"
    db = store.open_db(path)
    asins = [f"B0{i:08d}" for i in range(400)]
    store.add_asins(db, [(a, None) for a in asins], T0)
    observations = [ok(a, catalog(title=f"商品 {i}")) for i, a in enumerate(asins)]

    def size():
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return path.stat().st_size

    pipeline.run(db, ListSource(observations, IMAGES), now=at(1), my_seller_id=ME)
    before = size(), db.execute("SELECT COUNT(*) FROM catalog_versions").fetchone()[0]
    s2 = pipeline.run(db, ListSource(observations, IMAGES), now=at(2), my_seller_id=ME)
    assert s2.changed == 0 and db.execute("SELECT COUNT(*) FROM catalog_versions").fetchone()[0] == before[1]
    assert (size() - before[0]) / len(asins) < 100
    db.close()


def test_a_database_from_before_the_latest_migrations_is_brought_up_to_date(path):
    old = store.Database(path)
    store.migrations.apply(old, stop_before="0002_baseline_history")
    base_db_rows(old)
    old.close()
    db = store.open_db(path)
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'watcher'")]
    assert names == ["0001_initial", "0002_baseline_history", "0003_judged_state"]
    assert [(b.catalog_version, b.how) for b in store.baseline_history(db, BAG)] == [(1, "first_run")]
    assert store.judged_ids(db, BAG) == (1, None)
    # The old history carries on: unchanged is quiet, a change is an alert.
    assert night(db, 2, [ok(BAG, catalog(), offers()), ok(PEN, PEN_CAT)]).new_alerts == []
    assert kinds(night(db, 3, [ok(BAG, catalog(title="偽物")), ok(PEN, PEN_CAT)]).new_alerts) == ["title_changed"]
    db.close()


def base_db_rows(old):
    """What an 0001-era run left: one ASIN observed and baselined, one never observed."""
    content = store.canonical_json(catalog())
    old.execute("INSERT INTO asins (asin, role, added_at, baseline_catalog, baseline_at, last_status) "
                "VALUES (?, 'watched', ?, 1, ?, 'ok')", [BAG, "2026-10-31T00:00:00Z", "2026-11-01T18:10:00Z"])
    old.execute("INSERT INTO asins (asin, role, added_at) VALUES (?, 'watched', ?)", [PEN, "2026-10-31T00:00:00Z"])
    old.execute("INSERT INTO runs (id, started_at, finished_at, source, status) VALUES (1, ?, ?, 'spapi', 'ok')",
                ["2026-11-01T18:10:00Z", "2026-11-01T18:11:00Z"])
    old.execute("INSERT INTO catalog_versions (asin, version, status, content, content_hash, first_seen, last_seen, "
                "first_run, last_run) VALUES (?, 1, 'ok', ?, ?, ?, ?, 1, 1)",
                [BAG, content, store._hash(f"ok|{content}"), "2026-11-01T18:10:00Z", "2026-11-01T18:10:00Z"])


def test_japanese_text_is_stored_as_utf8_text(db, path):
    base(db)
    night(db, 2, [ok(BAG, catalog(title="【2026新作】大容量 トートバッグ")), ok(PEN, PEN_CAT)])
    raw = sqlite3.connect(path)
    content, raw_id = raw.execute("SELECT content, raw_id FROM catalog_versions WHERE asin = ? ORDER BY version", [BAG]).fetchall()[-1]
    assert "【2026新作】大容量 トートバッグ" in content and "\\u" not in content
    body = zlib.decompress(raw.execute("SELECT body FROM raw_answers WHERE id = ?", [raw_id]).fetchone()[0])
    assert "【2026新作】".encode("utf-8") in body
    before, after = raw.execute("SELECT before, after FROM alerts").fetchone()
    assert (before, after) == ('"本革 ショルダーバッグ レディース 赤"', '"【2026新作】大容量 トートバッグ"')
    assert raw.execute("SELECT label FROM asins WHERE asin = ?", [BAG]).fetchone()[0] == "赤いバッグ"
    raw.close()


def test_times_are_utc_in_the_database_and_jst_on_display(db):
    local = datetime(2026, 11, 2, 3, 10, tzinfo=JST)  # = 2026-11-01T18:10Z
    s = pipeline.run(db, ListSource([ok(BAG, catalog()), ok(PEN, PEN_CAT)], IMAGES), now=local, my_seller_id=ME)
    assert s.started_at == "2026-11-01T18:10:00Z"
    version = store.catalog_versions(db, BAG)[0]
    assert version.first_seen == "2026-11-01T18:10:00Z"
    assert all(r["finished_at"].endswith("Z") for r in store.runs(db))
    assert show(version.first_seen) == "2026-11-02 03:10 JST"


def test_a_version_rolled_back_mid_asin_is_written_by_the_next_attempt(db):
    heads = store.Heads(db)
    run_id = store.start_run(db, T0, "test")
    bad = ok(BAG, catalog())
    bad = type(bad)(bad.snapshot, raw_catalog=bad.raw_catalog, raw_offers={"x": {1}})  # a set is not JSON
    with pytest.raises(TypeError):
        store.record_observation(db, heads, run_id, bad, T0)
    store.record_observation(db, heads, run_id, ok(BAG, catalog()), T0)
    assert [v.version for v in store.catalog_versions(db, BAG)] == [1]
    assert [v.version for v in store.offer_versions(db, BAG)] == [1]


def test_plan_leaves_alerts_of_unknown_kinds_alone():
    from watcher.model import Snapshot

    snap = Snapshot(BAG, "ok", catalog=catalog(), offers=offers())
    ctx = alerts.Context(snap, snap, snap)
    row = store.AlertRow(7, BAG, "main_image_changed", "critical", "unknown", "open", "t", "t", None,
                         "61RedBag001", "61BlueBag01", {})
    assert alerts.plan([], {"main_image_changed": row}, ctx, False, frozenset({"main_image_changed"})) == alerts.AlertPlan()
    assert alerts.plan([], {"main_image_changed": row}, ctx, False).resolve == (7,)


def test_benign_noise_is_stored_but_never_an_alert(db):
    base(db)
    noisy = catalog(title="本革　ショルダーバッグ\u200b  レディース 赤", image_id="61RedBag002",
                    node=("2221077051", "ショルダー・ポシェット"))
    s2 = night(db, 2, [ok(BAG, noisy), ok(PEN, PEN_CAT)])
    assert s2.changed == 1 and s2.new_alerts == []  # a new version (history is exact), no alert
    assert store.latest_snapshot(db, BAG).catalog.main_image.image_id == "61RedBag002"
