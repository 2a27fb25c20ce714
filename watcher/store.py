"""The SQLite history: watch list, versions, images, raw answers, runs and alerts.

History is kept as versions, as simonw/git-history does: a listing gets a new version row
only when its content hash changes; otherwise the current version's `last_seen` moves
forward. "What did it show at time T" is the version whose first/last seen covers T, and
an unchanged night writes no new rows. The catalog part and the offers part of a listing
are versioned separately because they come from separate calls that fail separately.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sqlite3
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

try:
    import fcntl
except ImportError:  # Windows: msvcrt instead (see _try_lock)
    fcntl = None  # type: ignore[assignment]

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .errors import StoreError, UsageError
from .images import ALGORITHM, Fingerprint
from .model import (
    Catalog,
    Observation,
    Offers,
    Snapshot,
    canonical_json,
    catalog_from_json,
    offers_from_json,
)
from .timeutil import from_db, to_db

migrations = Migrations("watcher")


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE asins (
            asin TEXT PRIMARY KEY,
            label TEXT,
            role TEXT NOT NULL DEFAULT 'watched',   -- 'watched' or 'parent'
            added_at TEXT NOT NULL,
            baseline_catalog INTEGER,               -- catalog_versions.id
            baseline_offers INTEGER,                -- offer_versions.id
            baseline_at TEXT,
            not_found_streak INTEGER NOT NULL DEFAULT 0,
            needs_eval INTEGER NOT NULL DEFAULT 0,  -- observed something alerts have not judged yet
            last_status TEXT,
            last_checked TEXT
        );
        CREATE TABLE raw_answers (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            body BLOB NOT NULL                      -- zlib-compressed JSON
        );
        CREATE TABLE catalog_versions (
            id INTEGER PRIMARY KEY,
            asin TEXT NOT NULL,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,                   -- 'ok' or 'not_found'
            content TEXT,                           -- canonical JSON of Catalog
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            first_run INTEGER NOT NULL,
            last_run INTEGER NOT NULL,
            raw_id INTEGER REFERENCES raw_answers(id),
            UNIQUE (asin, version)
        );
        CREATE TABLE offer_versions (
            id INTEGER PRIMARY KEY,
            asin TEXT NOT NULL,
            version INTEGER NOT NULL,
            content TEXT NOT NULL,                  -- canonical JSON of Offers
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            first_run INTEGER NOT NULL,
            last_run INTEGER NOT NULL,
            raw_id INTEGER REFERENCES raw_answers(id),
            UNIQUE (asin, version)
        );
        CREATE TABLE images (
            image_id TEXT PRIMARY KEY,
            algorithm TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            width INTEGER,
            height INTEGER,
            copy BLOB,                              -- JPEG, longest side <= 1000 px
            link TEXT,
            first_seen TEXT NOT NULL
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            source TEXT NOT NULL,
            status TEXT NOT NULL,                   -- running, ok, failed, interrupted
            checked INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            not_found INTEGER NOT NULL DEFAULT 0,
            new_alerts INTEGER NOT NULL DEFAULT 0,
            resolved_alerts INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );
        CREATE TABLE run_failures (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            asin TEXT NOT NULL,
            stage TEXT NOT NULL,                    -- catalog, offers, image
            error TEXT NOT NULL
        );
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            asin TEXT NOT NULL,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            cause TEXT NOT NULL,
            status TEXT NOT NULL,                   -- open, resolved, accepted, removed
            opened_at TEXT NOT NULL,
            opened_run INTEGER,
            updated_at TEXT NOT NULL,
            closed_at TEXT,
            closed_run INTEGER,
            before TEXT,
            after TEXT,
            detail TEXT
        );
        CREATE UNIQUE INDEX alerts_one_open ON alerts (asin, kind) WHERE status = 'open';
        CREATE INDEX alerts_by_status ON alerts (status, opened_at);
        CREATE INDEX run_failures_by_run ON run_failures (run_id);
        """
    )


@migrations(name="0002_baseline_history")
def _baseline_history(db: Database) -> None:
    """Every baseline ever in force, so a return check compares an order with the baseline
    the seller had at order time, not one accepted later."""
    db.executescript(
        """
        CREATE TABLE baselines (
            id INTEGER PRIMARY KEY,
            asin TEXT NOT NULL,
            catalog_version INTEGER NOT NULL,       -- catalog_versions.id
            offers_version INTEGER,                 -- offer_versions.id
            set_at TEXT NOT NULL,
            how TEXT NOT NULL                       -- 'first_run' or 'accepted'
        );
        CREATE INDEX baselines_by_asin ON baselines (asin, set_at);
        INSERT INTO baselines (asin, catalog_version, offers_version, set_at, how)
            SELECT asin, baseline_catalog, baseline_offers, COALESCE(baseline_at, added_at), 'first_run'
            FROM asins WHERE baseline_catalog IS NOT NULL;
        """
    )


@migrations(name="0003_judged_state")
def _judged_state(db: Database) -> None:
    """The versions the alerts last judged, so the next judgement knows what moved since
    (the window a likely cause is read from), even when the run that stored the versions
    was killed before it judged them."""
    db.execute("ALTER TABLE asins ADD COLUMN judged_catalog INTEGER")  # catalog_versions.id
    db.execute("ALTER TABLE asins ADD COLUMN judged_offers INTEGER")  # offer_versions.id
    # An ASIN with nothing pending was judged on its latest versions.
    db.execute(
        "UPDATE asins SET "
        "judged_catalog = (SELECT MAX(id) FROM catalog_versions v WHERE v.asin = asins.asin), "
        "judged_offers = (SELECT MAX(id) FROM offer_versions v WHERE v.asin = asins.asin) "
        "WHERE needs_eval = 0 AND baseline_catalog IS NOT NULL"
    )


def open_db(path: Path | str, create: bool = True) -> Database:
    """Open (and migrate) the database. `create=False` refuses a missing file."""
    path = Path(path)
    if not create and not path.exists():
        raise StoreError(f"no database at {path}: run `watcher add` or `watcher import` first")
    if path.parent and not path.parent.exists():
        raise StoreError(f"folder does not exist for database: {path.parent}")
    try:
        db = Database(path)
        db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a commit per ASIN costs no fsync, and a killed run loses at most
        # the ASIN in flight; every committed ASIN survives.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=5000")
        _refuse_newer(db, path)
        migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from None
    return db


@functools.cache
def _known_migrations() -> frozenset[str]:
    """Every migration this watcher has (all of them are pending on an empty database)."""
    return frozenset(m.name for m in migrations.pending(Database(memory=True)))


def _refuse_newer(db: Database, path: Path) -> None:
    """A database a newer watcher has migrated may hold what this one would misread:
    refuse it rather than write history the newer version cannot trust."""
    unknown = [m.name for m in migrations.applied(db) if m.name not in _known_migrations()]
    if unknown:
        raise StoreError(
            f"{path} was written by a newer watcher (schema {unknown[-1]}); upgrade watcher to use it"
        )


def memory_db() -> Database:
    db = Database(memory=True)
    migrations.apply(db)
    return db


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


# --- watch list -------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchedAsin:
    asin: str
    label: str | None
    added_at: str
    last_status: str | None
    last_checked: str | None
    has_baseline: bool


def add_asins(db: Database, entries: Iterable[tuple[str, str | None]], now: datetime) -> tuple[int, int]:
    """Add or relabel ASINs. Returns (added, updated). A known parent becomes watched."""
    added = updated = 0
    with db.atomic():
        for asin, label in entries:
            row = db.execute("SELECT label, role FROM asins WHERE asin = ?", [asin]).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO asins (asin, label, role, added_at) VALUES (?, ?, 'watched', ?)",
                    [asin, label, to_db(now)],
                )
                added += 1
            elif (label and label != row[0]) or row[1] != "watched":
                db.execute(
                    "UPDATE asins SET label = COALESCE(?, label), role = 'watched' WHERE asin = ?",
                    [label, asin],
                )
                updated += 1
    return added, updated


def remove_asin(db: Database, asin: str, now: datetime) -> None:
    """Stop watching; the history stays, so old evidence can still be built.

    Open alerts close as 'removed', not 'resolved': nobody saw the listing return to its
    baseline, and the evidence's alert history must not say so.
    """
    with db.atomic():
        cursor = db.execute("UPDATE asins SET role = 'removed' WHERE asin = ? AND role = 'watched'", [asin])
        if cursor.rowcount == 0:
            raise UsageError(f"{asin} is not on the watch list")
        db.execute(
            "UPDATE alerts SET status = 'removed', closed_at = ?, updated_at = ? WHERE asin = ? AND status = 'open'",
            [to_db(now), to_db(now), asin],
        )


def watched(db: Database, role: str = "watched") -> list[WatchedAsin]:
    rows = db.execute(
        "SELECT asin, label, added_at, last_status, last_checked, baseline_catalog IS NOT NULL "
        "FROM asins WHERE role = ? ORDER BY added_at, asin",
        [role],
    ).fetchall()
    return [WatchedAsin(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]


def ensure_parent(db: Database, asin: str, now: datetime) -> None:
    db.execute(
        "INSERT OR IGNORE INTO asins (asin, role, added_at) VALUES (?, 'parent', ?)",
        [asin, to_db(now)],
    )


def label_of(db: Database, asin: str) -> str | None:
    row = db.execute("SELECT label FROM asins WHERE asin = ?", [asin]).fetchone()
    return row[0] if row else None


def require_known(db: Database, asin: str) -> None:
    if db.execute("SELECT 1 FROM asins WHERE asin = ?", [asin]).fetchone() is None:
        raise UsageError(f"{asin} is not known to this database (see `watcher list`)")


# --- runs ---------------------------------------------------------------------------------


def _file_of(db: Database) -> str | None:
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or None  # "" for an in-memory database
    return None


@contextlib.contextmanager
def run_lock(db: Database) -> Iterator[None]:
    """One run at a time per database file; a second one gets a `StoreError` at once.

    Two interleaved runs would each trust their own idea of the latest versions and write
    history out of order. The lock is the OS's, on a file next to the database, so a
    killed run lets go of it with its process and never leaves a stale lock behind.
    """
    path = _file_of(db)
    if path is None:
        yield
        return
    with open(f"{path}.lock", "a+b") as handle:
        try:
            _try_lock(handle.fileno())
        except OSError:
            raise StoreError(f"another `watcher run` is using {path}: wait for it to finish") from None
        yield  # closing the file releases the lock


def _try_lock(fd: int) -> None:
    """An exclusive lock that fails at once (OSError) when held; released on close or exit."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    import msvcrt  # Windows: lock the first byte; the OS drops it with the handle

    os.lseek(fd, 0, os.SEEK_SET)
    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]


def start_run(db: Database, now: datetime, source: str) -> int:
    """Record a new run. Call it holding `run_lock`."""
    with db.atomic():
        # Under the run lock, a run still marked "running" was killed: say so.
        db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        cursor = db.execute(
            "INSERT INTO runs (started_at, source, status) VALUES (?, ?, 'running')",
            [to_db(now), source],
        )
    return int(cursor.lastrowid or 0)


def finish_run(db: Database, run_id: int, now: datetime, status: str, counts: dict[str, int], error: str | None = None) -> None:
    with db.atomic():
        db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, checked = ?, changed = ?, failed = ?, "
            "not_found = ?, new_alerts = ?, resolved_alerts = ?, error = ? WHERE id = ?",
            [
                to_db(now),
                status,
                counts.get("checked", 0),
                counts.get("changed", 0),
                counts.get("failed", 0),
                counts.get("not_found", 0),
                counts.get("new_alerts", 0),
                counts.get("resolved_alerts", 0),
                error,
                run_id,
            ],
        )


def record_failure(db: Database, run_id: int, asin: str, stage: str, error: str) -> None:
    db.execute(
        "INSERT INTO run_failures (run_id, asin, stage, error) VALUES (?, ?, ?, ?)",
        [run_id, asin, stage, error[:500]],
    )


def run_failures(db: Database, run_id: int) -> list[dict[str, Any]]:
    return [
        {"asin": r[0], "stage": r[1], "error": r[2]}
        for r in db.execute("SELECT asin, stage, error FROM run_failures WHERE run_id = ? ORDER BY rowid", [run_id])
    ]


def failed_fetches(db: Database, asin: str, start: datetime, end: datetime) -> list[str]:
    """When the listing could not be fetched (catalog stage) in [start, end], UTC ISO.

    The versions' first/last seen bridge such a night when the content was the same on
    both sides; the return check says so instead of letting the bridge pass for a look.
    """
    rows = db.execute(
        "SELECT DISTINCT r.started_at FROM run_failures f JOIN runs r ON r.id = f.run_id "
        "WHERE f.asin = ? AND f.stage = 'catalog' AND r.started_at BETWEEN ? AND ? ORDER BY r.started_at",
        [asin, to_db(start), to_db(end)],
    ).fetchall()
    return [r[0] for r in rows]


def runs(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    cursor = db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# --- versions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The latest version of one stream of one ASIN."""

    id: int
    version: int
    content_hash: str


class Heads:
    """Latest catalog and offers versions per ASIN, loaded once per run (the hot path)."""

    def __init__(self, db: Database):
        self.catalog = self._load(db, "catalog_versions")
        self.offers = self._load(db, "offer_versions")

    @staticmethod
    def _load(db: Database, table: str) -> dict[str, Head]:
        rows = db.execute(
            f"SELECT asin, id, version, content_hash FROM {table} v "
            f"WHERE version = (SELECT MAX(version) FROM {table} WHERE asin = v.asin)"
        ).fetchall()
        return {r[0]: Head(r[1], r[2], r[3]) for r in rows}


def _save_raw(db: Database, raw: dict[str, Any] | None) -> int | None:
    if raw is None:
        return None
    text = json.dumps(raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row = db.execute("SELECT id FROM raw_answers WHERE sha256 = ?", [digest]).fetchone()
    if row:
        return int(row[0])
    cursor = db.execute(
        "INSERT INTO raw_answers (sha256, body) VALUES (?, ?)",
        [digest, zlib.compress(text.encode("utf-8"), 6)],
    )
    return int(cursor.lastrowid or 0)


def _write_version(
    db: Database,
    table: str,
    head: Head | None,
    asin: str,
    content: str | None,
    extra: dict[str, Any],
    raw: dict[str, Any] | None,
    run_id: int,
    seen: str,
) -> Head | None:
    """Move last_seen forward, or add a version when the content changed. The new head if added."""
    digest = _hash(f"{extra.get('status', '')}|{content}")
    if head is not None and head.content_hash == digest:
        db.execute(f"UPDATE {table} SET last_seen = ?, last_run = ? WHERE id = ?", [seen, run_id, head.id])
        return None
    version = head.version + 1 if head else 1
    columns = {
        "asin": asin,
        "version": version,
        "content": content,
        "content_hash": digest,
        "first_seen": seen,
        "last_seen": seen,
        "first_run": run_id,
        "last_run": run_id,
        "raw_id": _save_raw(db, raw),
        **extra,
    }
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    cursor = db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(columns.values()))
    return Head(int(cursor.lastrowid or 0), version, digest)


@dataclass(frozen=True)
class Recorded:
    changed: bool
    not_found_streak: int


def record_observation(
    db: Database, heads: Heads, run_id: int, observation: Observation, now: datetime, new_image: bool = False
) -> Recorded:
    """Write one ASIN's result in one transaction. A failure writes no version at all.

    The ASIN is flagged for alert evaluation when anything the alerts depend on moved:
    a new version, a not_found (the streak counts), or a newly fingerprinted image. The
    flag lives in the database so that a run killed before its alerts were evaluated
    still gets them evaluated by the next run.
    """
    snap = observation.snapshot
    seen = to_db(now)
    new_catalog = new_offers = None
    with db.atomic():
        row = db.execute("SELECT not_found_streak FROM asins WHERE asin = ?", [snap.asin]).fetchone()
        streak = int(row[0]) if row else 0
        if snap.status == "fetch_failed":
            # Says nothing about the listing: the streak neither grows nor resets, so
            # not_found, fetch_failed, not_found is two not_found answers in a row, and
            # listing_gone is only ever raised on a not_found answer.
            record_failure(db, run_id, snap.asin, "catalog", snap.error or "fetch failed")
        else:
            content = canonical_json(snap.catalog) if snap.catalog is not None else None
            new_catalog = _write_version(
                db, "catalog_versions", heads.catalog.get(snap.asin), snap.asin, content,
                {"status": snap.status}, observation.raw_catalog, run_id, seen,
            )
            streak = streak + 1 if snap.status == "not_found" else 0
        if snap.offers is not None:
            new_offers = _write_version(
                db, "offer_versions", heads.offers.get(snap.asin), snap.asin, canonical_json(snap.offers),
                {}, observation.raw_offers, run_id, seen,
            )
        elif observation.offers_error:
            record_failure(db, run_id, snap.asin, "offers", observation.offers_error)
        changed = new_catalog is not None or new_offers is not None
        dirty = changed or new_image or snap.status == "not_found"
        db.execute(
            "UPDATE asins SET last_status = ?, last_checked = ?, not_found_streak = ?, "
            "needs_eval = MAX(needs_eval, ?) WHERE asin = ?",
            [snap.status, seen, streak, int(dirty), snap.asin],
        )
    # Only once committed: a rolled-back version must not become the head.
    if new_catalog is not None:
        heads.catalog[snap.asin] = new_catalog
    if new_offers is not None:
        heads.offers[snap.asin] = new_offers
    return Recorded(changed, streak)


def needing_evaluation(db: Database) -> list[str]:
    """Watched ASINs whose alerts must be brought up to date (or that have no baseline yet)."""
    rows = db.execute(
        "SELECT asin FROM asins WHERE role = 'watched' AND (needs_eval = 1 OR baseline_catalog IS NULL) "
        "ORDER BY asin"
    ).fetchall()
    return [r[0] for r in rows]


def mark_judged(db: Database, asin: str, catalog_id: int | None, offers_id: int | None, pending: bool = False) -> None:
    """The alerts have judged these versions. `pending` keeps the ASIN up for judgement
    next run too: something could not be compared yet (an image without fingerprint)."""
    db.execute(
        "UPDATE asins SET needs_eval = ?, judged_catalog = ?, judged_offers = ? WHERE asin = ?",
        [int(pending), catalog_id, offers_id, asin],
    )


def judged_ids(db: Database, asin: str) -> tuple[int | None, int | None]:
    """The versions the alerts last judged; (None, None) before the first judgement."""
    row = db.execute("SELECT judged_catalog, judged_offers FROM asins WHERE asin = ?", [asin]).fetchone()
    return (row[0], row[1]) if row else (None, None)


# --- reading snapshots back -----------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    id: int
    asin: str
    version: int
    first_seen: str
    last_seen: str
    status: str
    content: Catalog | Offers | None
    raw_id: int | None


def _catalog_version(row: sqlite3.Row | tuple[Any, ...]) -> Version:
    id_, asin, version, status, content, first_seen, last_seen, raw_id = row
    catalog = catalog_from_json(json.loads(content)) if content else None
    return Version(id_, asin, version, first_seen, last_seen, status, catalog, raw_id)


def _offer_version(row: sqlite3.Row | tuple[Any, ...]) -> Version:
    id_, asin, version, content, first_seen, last_seen, raw_id = row
    return Version(id_, asin, version, first_seen, last_seen, "ok", offers_from_json(json.loads(content)), raw_id)


_CATALOG_COLS = "id, asin, version, status, content, first_seen, last_seen, raw_id"
_OFFER_COLS = "id, asin, version, content, first_seen, last_seen, raw_id"


def catalog_versions(db: Database, asin: str) -> list[Version]:
    rows = db.execute(
        f"SELECT {_CATALOG_COLS} FROM catalog_versions WHERE asin = ? ORDER BY version", [asin]
    ).fetchall()
    return [_catalog_version(r) for r in rows]


def offer_versions(db: Database, asin: str) -> list[Version]:
    rows = db.execute(
        f"SELECT {_OFFER_COLS} FROM offer_versions WHERE asin = ? ORDER BY version", [asin]
    ).fetchall()
    return [_offer_version(r) for r in rows]


def catalog_version(db: Database, version_id: int | None) -> Version | None:
    if version_id is None:
        return None
    row = db.execute(f"SELECT {_CATALOG_COLS} FROM catalog_versions WHERE id = ?", [version_id]).fetchone()
    return _catalog_version(row) if row else None


def offer_version(db: Database, version_id: int | None) -> Version | None:
    if version_id is None:
        return None
    row = db.execute(f"SELECT {_OFFER_COLS} FROM offer_versions WHERE id = ?", [version_id]).fetchone()
    return _offer_version(row) if row else None


def latest_ids(db: Database, asin: str) -> tuple[int | None, int | None]:
    cat = db.execute("SELECT MAX(id) FROM catalog_versions WHERE asin = ?", [asin]).fetchone()[0]
    off = db.execute("SELECT MAX(id) FROM offer_versions WHERE asin = ?", [asin]).fetchone()[0]
    return cat, off


def previous_ids(db: Database, asin: str, run_id: int) -> tuple[int | None, int | None]:
    """The versions that were current before `run_id` wrote anything."""
    cat = db.execute(
        "SELECT MAX(id) FROM catalog_versions WHERE asin = ? AND first_run < ?", [asin, run_id]
    ).fetchone()[0]
    off = db.execute(
        "SELECT MAX(id) FROM offer_versions WHERE asin = ? AND first_run < ?", [asin, run_id]
    ).fetchone()[0]
    return cat, off


def snapshot_of(db: Database, asin: str, catalog_id: int | None, offers_id: int | None) -> Snapshot | None:
    cat = catalog_version(db, catalog_id)
    if cat is None:
        return None
    off = offer_version(db, offers_id)
    return Snapshot(
        asin,
        "ok" if cat.status == "ok" else "not_found",
        catalog=cat.content if isinstance(cat.content, Catalog) else None,
        offers=off.content if off and isinstance(off.content, Offers) else None,
    )


def latest_snapshot(db: Database, asin: str) -> Snapshot | None:
    return snapshot_of(db, asin, *latest_ids(db, asin))


def baseline_ids(db: Database, asin: str) -> tuple[int | None, int | None]:
    row = db.execute("SELECT baseline_catalog, baseline_offers FROM asins WHERE asin = ?", [asin]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def set_baseline(
    db: Database, asin: str, catalog_id: int, offers_id: int | None, now: datetime, how: str = "accepted"
) -> None:
    with db.atomic():
        db.execute(
            "UPDATE asins SET baseline_catalog = ?, baseline_offers = ?, baseline_at = ? WHERE asin = ?",
            [catalog_id, offers_id, to_db(now), asin],
        )
        db.execute(
            "INSERT INTO baselines (asin, catalog_version, offers_version, set_at, how) VALUES (?, ?, ?, ?, ?)",
            [asin, catalog_id, offers_id, to_db(now), how],
        )


def set_baseline_offers(db: Database, asin: str, offers_id: int) -> None:
    """The offers part of a baseline whose first run had no offers answer."""
    with db.atomic():
        db.execute("UPDATE asins SET baseline_offers = ? WHERE asin = ?", [offers_id, asin])
        db.execute(
            "UPDATE baselines SET offers_version = ? WHERE id = "
            "(SELECT MAX(id) FROM baselines WHERE asin = ?) AND offers_version IS NULL",
            [offers_id, asin],
        )


def not_found_streak(db: Database, asin: str) -> int:
    row = db.execute("SELECT not_found_streak FROM asins WHERE asin = ?", [asin]).fetchone()
    return int(row[0]) if row else 0


def not_found_since(db: Database, asin: str) -> datetime | None:
    """When the listing's current run of "not found" answers began (None: it is not in one).

    Consecutive not_found answers share one version, so its first_seen is the first of them.
    """
    row = db.execute(
        "SELECT status, first_seen FROM catalog_versions WHERE asin = ? ORDER BY version DESC LIMIT 1", [asin]
    ).fetchone()
    return from_db(row[1]) if row and row[0] == "not_found" else None


def raw_answer(db: Database, raw_id: int | None) -> dict[str, Any] | None:
    if raw_id is None:
        return None
    row = db.execute("SELECT body FROM raw_answers WHERE id = ?", [raw_id]).fetchone()
    return json.loads(zlib.decompress(row[0]).decode("utf-8")) if row else None


# --- images ---------------------------------------------------------------------------------


def has_fingerprint(db: Database, image_id: str) -> bool:
    """True when the image has a fingerprint made by the current algorithm."""
    row = db.execute("SELECT algorithm FROM images WHERE image_id = ?", [image_id]).fetchone()
    return row is not None and row[0] == ALGORITHM


def save_image(db: Database, image_id: str, fingerprint: Fingerprint, copy: bytes, link: str, now: datetime) -> None:
    with db.atomic():
        db.execute(
            "INSERT OR REPLACE INTO images (image_id, algorithm, fingerprint, width, height, copy, link, first_seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [image_id, fingerprint.algorithm, fingerprint.to_json(), fingerprint.width, fingerprint.height, copy, link, to_db(now)],
        )


def fingerprints(db: Database, image_ids: Iterable[str | None]) -> dict[str, Fingerprint]:
    """Fingerprints by image id. One made by another algorithm version is left out (and
    `has_fingerprint` says no, so it is downloaded and made again): hashes of different
    algorithms are never compared."""
    ids = sorted({i for i in image_ids if i})
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = db.execute(
        f"SELECT image_id, algorithm, fingerprint FROM images WHERE image_id IN ({marks})", ids
    ).fetchall()
    return {r[0]: Fingerprint.from_json(r[2]) for r in rows if r[1] == ALGORITHM}


# --- alerts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    id: int
    asin: str
    kind: str
    severity: str
    cause: str
    status: str
    opened_at: str
    updated_at: str
    closed_at: str | None
    before: Any
    after: Any
    detail: dict[str, Any]
    label: str | None = None


_ALERT_COLS = (
    "a.id, a.asin, a.kind, a.severity, a.cause, a.status, a.opened_at, a.updated_at, a.closed_at, "
    "a.before, a.after, a.detail, s.label"
)


def _alert(row: tuple[Any, ...]) -> AlertRow:
    return AlertRow(
        *row[:9],
        before=json.loads(row[9]) if row[9] else None,
        after=json.loads(row[10]) if row[10] else None,
        detail=json.loads(row[11]) if row[11] else {},
        label=row[12],
    )


def alerts(db: Database, include_closed: bool = False, asin: str | None = None) -> list[AlertRow]:
    where = [] if include_closed else ["a.status = 'open'"]
    params: list[Any] = []
    if asin:
        where.append("a.asin = ?")
        params.append(asin)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = db.execute(
        f"SELECT {_ALERT_COLS} FROM alerts a LEFT JOIN asins s ON s.asin = a.asin {clause} "
        "ORDER BY a.opened_at DESC, a.id DESC",
        params,
    ).fetchall()
    return [_alert(r) for r in rows]


def open_alerts_by_kind(db: Database, asin: str) -> dict[str, AlertRow]:
    return {a.kind: a for a in alerts(db, asin=asin)}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def open_alert(db: Database, asin: str, kind: str, severity: str, cause: str, before: Any, after: Any,
               detail: dict[str, Any], run_id: int, now: datetime) -> None:
    db.execute(
        "INSERT INTO alerts (asin, kind, severity, cause, status, opened_at, opened_run, updated_at, before, after, detail) "
        "VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)",
        [asin, kind, severity, cause, to_db(now), run_id, to_db(now), _json(before), _json(after), _json(detail)],
    )


def update_alert(db: Database, alert_id: int, severity: str, after: Any, detail: dict[str, Any], now: datetime) -> None:
    db.execute(
        "UPDATE alerts SET severity = ?, after = ?, detail = ?, updated_at = ? WHERE id = ?",
        [severity, _json(after), _json(detail), to_db(now), alert_id],
    )


def unreported_alerts(db: Database, run_id: int) -> list[AlertRow]:
    """Open alerts raised by runs that never finished since the last finished one.

    A run killed (or failed) after it opened alerts never printed them; the run that
    finishes next reports them, once: after it, they are older than the last good run.
    """
    rows = db.execute(
        f"SELECT {_ALERT_COLS} FROM alerts a LEFT JOIN asins s ON s.asin = a.asin "
        "WHERE a.status = 'open' AND a.opened_run < ? AND a.opened_run > "
        "COALESCE((SELECT MAX(id) FROM runs WHERE status = 'ok' AND id < ?), 0) "
        "ORDER BY a.id",
        [run_id, run_id],
    ).fetchall()
    return [_alert(r) for r in rows]


def close_alert(db: Database, alert_id: int, status: str, run_id: int | None, now: datetime) -> None:
    db.execute(
        "UPDATE alerts SET status = ?, closed_at = ?, closed_run = ?, updated_at = ? WHERE id = ?",
        [status, to_db(now), run_id, to_db(now), alert_id],
    )


# --- queries for reports ---------------------------------------------------------------------
# Read-only helpers for the return check and the evidence bundle (watcher.report).


@dataclass(frozen=True)
class BaselineRow:
    catalog_version: int
    offers_version: int | None
    set_at: str
    how: str
    current: bool


def baseline_history(db: Database, asin: str) -> list[BaselineRow]:
    """Every baseline the ASIN has had, oldest first; the last one is in force now."""
    rows = db.execute(
        "SELECT catalog_version, offers_version, set_at, how FROM baselines WHERE asin = ? ORDER BY set_at, id",
        [asin],
    ).fetchall()
    return [BaselineRow(r[0], r[1], r[2], r[3], i == len(rows) - 1) for i, r in enumerate(rows)]


def offer_version_at(db: Database, asin: str, moment: str) -> Version | None:
    """The latest offers version first seen at or before `moment` (UTC ISO text)."""
    row = db.execute(
        f"SELECT {_OFFER_COLS} FROM offer_versions WHERE asin = ? AND first_seen <= ? "
        "ORDER BY version DESC LIMIT 1",
        [asin, moment],
    ).fetchone()
    return _offer_version(row) if row else None


@dataclass(frozen=True)
class ImageRecord:
    image_id: str
    width: int | None
    height: int | None
    link: str | None
    first_seen: str
    copy: bytes | None  # the stored JPEG copy


def image_record(db: Database, image_id: str) -> ImageRecord | None:
    row = db.execute(
        "SELECT image_id, width, height, link, first_seen, copy FROM images WHERE image_id = ?", [image_id]
    ).fetchone()
    return ImageRecord(*row) if row else None
