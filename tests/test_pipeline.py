"""The alert lifecycle over several nights, against real SQLite and real images."""

from datetime import datetime, timedelta, timezone

import pytest

from helpers import ME, ListSource, catalog, failed, not_found, offers, ok, product_image
from watcher import alerts, pipeline, store

T0 = datetime(2026, 11, 1, 18, 10, tzinfo=timezone.utc)
IMAGES = {
    "61RedBag001": product_image((200, 30, 30)),
    "61RedBag002": product_image((200, 30, 30), size=1200),
    "61BlueBag01": product_image((30, 60, 200)),
    "61Pen000001": product_image((20, 20, 20), shape="pen"),
}
BAG, PEN = "B0TEST0001", "B0TEST0002"
PEN_CAT = catalog(title="ゲルインク ボールペン 0.5mm 黒", image_id="61Pen000001", node=("89085051", "ボールペン"),
                  product_type="WRITING_INSTRUMENT")


@pytest.fixture
def db(tmp_path):
    database = store.open_db(tmp_path / "w.db")
    store.add_asins(database, [(BAG, "赤いバッグ"), (PEN, "ボールペン")], T0)
    yield database
    database.close()


def night(db, n, observations, images=IMAGES):
    source = ListSource(observations, images)
    summary = pipeline.run(db, source, now=T0 + timedelta(days=n - 1), my_seller_id=ME)
    return summary, source


def open_kinds(db, asin=None):
    return sorted((a.asin, a.kind) for a in store.alerts(db, asin=asin))


def test_first_night_is_a_silent_baseline(db):
    summary, _ = night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    assert summary.checked == 2 and summary.new_alerts == [] and summary.changed == 2
    assert all(w.has_baseline for w in store.watched(db))


def test_hijack_opens_once_then_resolves(db):
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    hijacked = ok(BAG, catalog(image_id="61BlueBag01"), offers("A3HIJACKER0001", buybox="A3HIJACKER0001"))
    s2, _ = night(db, 2, [hijacked, ok(PEN, PEN_CAT)])
    assert sorted(a["kind"] for a in s2.new_alerts) == ["buybox_lost", "main_image_changed", "seller_joined"]
    image_alert = next(a for a in s2.new_alerts if a["kind"] == "main_image_changed")
    assert image_alert["detail"]["verdict"] == "recolored"
    assert image_alert["cause"] == "other_seller"
    # Same state next night: nothing new, the alerts stay open.
    s3, source = night(db, 3, [hijacked, ok(PEN, PEN_CAT)])
    assert s3.new_alerts == [] and s3.changed == 0
    assert source.image_fetches == []  # known image ids are never downloaded again
    assert len(open_kinds(db, BAG)) == 3
    # Back to baseline: every alert resolves itself.
    s4, _ = night(db, 4, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    assert len(s4.resolved_alerts) == 3 and open_kinds(db) == []
    assert {a.status for a in store.alerts(db, include_closed=True)} == {"resolved"}


def test_parent_rewrite_is_attributed_to_the_parent(db):
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    bag_title = "【2026新作】大容量 トートバッグ"
    rewritten = catalog(title=bag_title, image_id="61RedBag001", parents=("B0PARENT01",))
    parent = ok("B0PARENT01", catalog(title=bag_title, image_id="61RedBag001"))
    s2, _ = night(db, 2, [ok(BAG, catalog()), ok(PEN, rewritten), parent])
    by_kind = {a["kind"]: a for a in s2.new_alerts}
    assert set(by_kind) >= {"title_changed", "main_image_changed", "parent_changed", "browse_node_changed"}
    assert {a["cause"] for a in by_kind.values()} == {"parent_rewrite"}
    assert by_kind["main_image_changed"]["detail"]["verdict"] == "different"
    # The parent was snapshotted too, but raises no alerts of its own.
    assert store.latest_snapshot(db, "B0PARENT01").catalog.title == bag_title
    assert s2.parents_checked == 1
    assert all(a["asin"] == PEN for a in s2.new_alerts)


def test_fetch_failure_is_never_an_alert_and_keeps_alerts_open(db):
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    night(db, 2, [ok(BAG, catalog(title="別の商品")), ok(PEN, PEN_CAT)])
    s3, _ = night(db, 3, [failed(BAG), failed(PEN)])
    assert s3.failed == 2 and s3.new_alerts == [] and s3.resolved_alerts == []
    assert open_kinds(db) == [(BAG, "title_changed")]
    assert [f["asin"] for f in store.run_failures(db, s3.run_id)] == [BAG, PEN]
    # A failure writes no version: last_seen of the current version stays at night 2.
    assert store.catalog_versions(db, BAG)[-1].last_seen == "2026-11-02T18:10:00Z"


def test_listing_gone_only_after_two_consecutive_not_found(db):
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    s2, _ = night(db, 2, [not_found(BAG), ok(PEN, PEN_CAT)])
    assert s2.new_alerts == []
    s3, _ = night(db, 3, [failed(BAG), ok(PEN, PEN_CAT)])  # a failure neither counts nor resets
    assert s3.new_alerts == []
    s4, _ = night(db, 4, [not_found(BAG), ok(PEN, PEN_CAT)])
    assert [a["kind"] for a in s4.new_alerts] == ["listing_gone"]
    s5, _ = night(db, 5, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    assert s5.resolved_alerts == [{"asin": BAG, "kind": "listing_gone"}] and open_kinds(db) == []


def test_a_rerun_the_same_night_does_not_make_a_listing_gone(db):
    def at(hours, observations):
        return pipeline.run(db, ListSource(observations, IMAGES), now=T0 + timedelta(hours=hours), my_seller_id=ME)

    at(0, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    at(24, [not_found(BAG), ok(PEN, PEN_CAT)])
    rerun = at(25, [not_found(BAG), ok(PEN, PEN_CAT)])  # two in a row, an hour apart
    assert rerun.new_alerts == [] and store.not_found_streak(db, BAG) == 2
    later = at(36, [not_found(BAG), ok(PEN, PEN_CAT)])  # twelve hours after the first
    assert [a["kind"] for a in later.new_alerts] == ["listing_gone"]


@pytest.mark.parametrize(
    ("streak", "hours", "gone"),
    [(1, 48, False), (2, 11.9, False), (2, 12, True), (5, 3, False), (3, 30, True)],
)
def test_gone_confirmed(streak, hours, gone):
    assert alerts.gone_confirmed(streak, T0, T0 + timedelta(hours=hours)) is gone
    assert alerts.gone_confirmed(streak, None, T0 + timedelta(hours=hours)) is False


def test_not_found_then_ok_raises_nothing(db):
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    night(db, 2, [not_found(BAG), ok(PEN, PEN_CAT)])
    s3, _ = night(db, 3, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    assert s3.new_alerts == [] and open_kinds(db) == []


def test_accept_rebaselines_and_closes(db):
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    renamed = ok(BAG, catalog(title="本革 ショルダーバッグ 赤 2026年モデル"))
    night(db, 2, [renamed, ok(PEN, PEN_CAT)])
    assert alerts.accept(db, BAG, T0 + timedelta(days=1, hours=1)) == 1
    assert open_kinds(db) == []
    s3, _ = night(db, 3, [renamed, ok(PEN, PEN_CAT)])
    assert s3.new_alerts == []
    # ... and the old state is now a change from the new baseline.
    s4, _ = night(db, 4, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    assert [a["kind"] for a in s4.new_alerts] == ["title_changed"]
    assert {a.status for a in store.alerts(db, include_closed=True) if a.id != 0} >= {"accepted", "open"}


def test_open_alert_follows_later_changes_without_repeating(db):
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    night(db, 2, [ok(BAG, catalog(title="偽物 1")), ok(PEN, PEN_CAT)])
    s3, _ = night(db, 3, [ok(BAG, catalog(title="偽物 2")), ok(PEN, PEN_CAT)])
    assert s3.new_alerts == []
    (alert,) = store.alerts(db)
    assert alert.after == "偽物 2" and alert.before == catalog().title


def test_image_download_failure_is_not_a_change_and_is_retried(db):
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    missing = {k: v for k, v in IMAGES.items() if k != "61BlueBag01"}
    s2, _ = night(db, 2, [ok(BAG, catalog(image_id="61BlueBag01")), ok(PEN, PEN_CAT)], images=missing)
    assert s2.new_alerts == []
    assert [f["stage"] for f in store.run_failures(db, s2.run_id)] == ["image"]
    assert [(f["asin"], f["stage"]) for f in s2.failures] == [(BAG, "image")]  # in `run --json` too
    s3, source = night(db, 3, [ok(BAG, catalog(image_id="61BlueBag01")), ok(PEN, PEN_CAT)])
    assert len(source.image_fetches) == 1
    assert [a["kind"] for a in s3.new_alerts] == ["main_image_changed"]


def test_an_outage_logs_a_few_lines_and_keeps_every_failure(tmp_path, caplog):
    database = store.open_db(tmp_path / "many.db")
    codes = [f"B0FAIL{i:04d}" for i in range(pipeline.LOGGED_FAILURES + 30)]
    store.add_asins(database, [(code, None) for code in codes], T0)
    with caplog.at_level("WARNING", logger="watcher"):
        summary = pipeline.run(database, ListSource([failed(c) for c in codes], IMAGES), now=T0)
    assert summary.failed == len(codes) and len(summary.failures) == len(codes)
    assert len(store.run_failures(database, summary.run_id)) == len(codes)
    lines = [r.getMessage() for r in caplog.records if r.name == "watcher"]
    assert len(lines) == pipeline.LOGGED_FAILURES + 1
    assert lines[-1] == "... and 30 more failures (`watcher run --json` lists them all)"
    database.close()


def test_unchanged_night_writes_no_versions(db):
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    count = db.execute("SELECT COUNT(*) FROM catalog_versions").fetchone()[0]
    night(db, 2, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    assert db.execute("SELECT COUNT(*) FROM catalog_versions").fetchone()[0] == count
    assert db.execute("SELECT COUNT(*) FROM offer_versions").fetchone()[0] == 2
    assert [r["checked"] for r in store.runs(db)] == [2, 2]


def test_killed_run_is_marked_interrupted_and_keeps_finished_asins(db):
    class Boom(ListSource):
        def observe(self, asins, with_offers=True):
            yield from super().observe(asins[:1], with_offers)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pipeline.run(db, Boom([ok(BAG, catalog()), ok(PEN, PEN_CAT)], IMAGES), now=T0, my_seller_id=ME)
    assert store.latest_snapshot(db, BAG) is not None and store.latest_snapshot(db, PEN) is None
    assert store.runs(db)[0]["status"] == "interrupted"
    # The next run still judges what the killed run stored but never evaluated.
    night(db, 1, [ok(BAG, catalog()), ok(PEN, PEN_CAT)])
    s2, _ = night(db, 2, [ok(BAG, catalog(title="別の商品")), ok(PEN, PEN_CAT)])
    killed = Boom([ok(BAG, catalog(title="別の商品 2")), ok(PEN, PEN_CAT)], IMAGES)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run(db, killed, now=T0 + timedelta(days=2), my_seller_id=ME)
    night(db, 3, [ok(BAG, catalog(title="別の商品 2")), ok(PEN, PEN_CAT)])
    assert store.alerts(db)[0].after == "別の商品 2"
