"""The store: migrations, versions, raw answers, images, and what a snapshot costs."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from helpers import ListSource, catalog, ok, product_image
from watcher import pipeline, store
from watcher.errors import StoreError, UsageError
from watcher.model import Observation, Snapshot
from watcher.timeutil import to_db

T0 = datetime(2026, 11, 1, 18, 10, tzinfo=timezone.utc)


def test_migrations_are_recorded_and_reopening_is_harmless(tmp_path):
    path = tmp_path / "w.db"
    store.open_db(path).close()
    db = store.open_db(path)
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'watcher'")]
    assert names == ["0001_initial", "0002_baseline_history", "0003_judged_state"]
    assert {"asins", "catalog_versions", "offer_versions", "images", "runs", "alerts", "raw_answers"} <= set(db.table_names())


def test_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no database"):
        store.open_db(tmp_path / "nope.db", create=False)


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        store.open_db(path)


def test_versions_first_and_last_seen_and_raw_answers(tmp_path):
    db = store.open_db(tmp_path / "w.db")
    store.add_asins(db, [("B0TEST0001", None)], T0)
    images = {"61RedBag001": product_image()}
    for n, title in enumerate(["A", "A", "B", "B", "A"]):
        obs = ok("B0TEST0001", catalog(title=title))
        pipeline.run(db, ListSource([obs], images), now=T0 + timedelta(days=n))
    versions = store.catalog_versions(db, "B0TEST0001")
    assert [(v.version, v.content.title) for v in versions] == [(1, "A"), (2, "B"), (3, "A")]
    assert versions[0].first_seen == "2026-11-01T18:10:00Z" and versions[0].last_seen == "2026-11-02T18:10:00Z"
    assert versions[1].first_seen == "2026-11-03T18:10:00Z" and versions[1].last_seen == "2026-11-04T18:10:00Z"
    # The raw answer behind a version is kept compressed and comes back intact.
    assert store.raw_answer(db, versions[0].raw_id) == {"asin": "B0TEST0001", "summaries": [{"itemName": "A"}]}
    # The same raw answer is stored once, however many versions point at it.
    assert db.execute("SELECT COUNT(*) FROM raw_answers").fetchone()[0] == 3  # 2 catalog + 1 offers


def test_image_is_stored_once_with_its_algorithm(tmp_path):
    db = store.open_db(tmp_path / "w.db")
    store.add_asins(db, [("B0TEST0001", None), ("B0TEST0002", None)], T0)
    source = ListSource([ok("B0TEST0001", catalog()), ok("B0TEST0002", catalog())], {"61RedBag001": product_image()})
    pipeline.run(db, source, now=T0)
    assert len(source.image_fetches) == 1
    row = db.execute("SELECT algorithm, length(copy) FROM images").fetchone()
    assert row[0] == store.ALGORITHM and row[1] > 1000


def test_stale_algorithm_fingerprint_is_remade(tmp_path):
    db = store.open_db(tmp_path / "w.db")
    store.add_asins(db, [("B0TEST0001", None)], T0)
    source = ListSource([ok("B0TEST0001", catalog())], {"61RedBag001": product_image()})
    pipeline.run(db, source, now=T0)
    db.execute("UPDATE images SET algorithm = 'old-algo'")
    assert store.fingerprints(db, ["61RedBag001"]) == {}
    pipeline.run(db, source, now=T0 + timedelta(days=1))
    assert len(source.image_fetches) == 2
    assert set(store.fingerprints(db, ["61RedBag001"])) == {"61RedBag001"}


def test_each_asin_is_one_transaction(tmp_path):
    """A failure in the middle of writing one ASIN leaves nothing half-written."""
    db = store.open_db(tmp_path / "w.db")
    store.add_asins(db, [("B0TEST0001", None)], T0)
    heads = store.Heads(db)
    run_id = store.start_run(db, T0, "test")
    bad = Observation(Snapshot("B0TEST0001", "ok", catalog=catalog()), raw_catalog={"x": {1, 2}})  # a set is not JSON
    with pytest.raises(TypeError):
        store.record_observation(db, heads, run_id, bad, T0)
    assert db.execute("SELECT COUNT(*) FROM catalog_versions").fetchone()[0] == 0
    assert db.execute("SELECT last_checked FROM asins").fetchone()[0] is None


def test_add_relabel_remove(tmp_path):
    db = store.open_db(tmp_path / "w.db")
    assert store.add_asins(db, [("B0TEST0001", "赤"), ("B0TEST0002", None)], T0) == (2, 0)
    assert store.add_asins(db, [("B0TEST0001", "青")], T0) == (0, 1)
    assert store.label_of(db, "B0TEST0001") == "青"
    run_id = store.start_run(db, T0, "test")
    store.open_alert(db, "B0TEST0002", "title_changed", "critical", "unknown", "a", "b", {}, run_id, T0)
    later = T0 + timedelta(days=3)
    store.remove_asin(db, "B0TEST0002", later)
    assert [w.asin for w in store.watched(db)] == ["B0TEST0001"]
    # Nobody saw the listing return: the alert is closed as removed, at the time of removal.
    [alert] = store.alerts(db, include_closed=True, asin="B0TEST0002")
    assert (alert.status, alert.closed_at) == ("removed", to_db(later))
    with pytest.raises(UsageError):
        store.remove_asin(db, "B0TEST0002", later)


def test_a_database_from_a_newer_watcher_is_refused_untouched(tmp_path):
    path = tmp_path / "w.db"
    store.open_db(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                    "VALUES ('watcher', '0099_from_the_future', '2027-01-01')")
    with pytest.raises(StoreError, match="newer watcher .*0099_from_the_future.*upgrade"):
        store.open_db(path)
