"""The return check over a multi-night history, and the returns report, against real SQLite
and real images.

Nights run at 03:10 JST (18:10 UTC). B0TEST0001 (a red bag): night 2 another seller joins
and the main image turns blue; night 3 the fetch fails; night 4 still blue; night 5 red
again. B0TEST0002 (a pen) never changes, apart from a full-width space from night 3 on.
"""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import ME, ListSource, catalog, failed, offers, ok, product_image
from watcher import alerts, pipeline, store
from watcher.errors import UsageError
from watcher.report.check import check_order, check_window, order_span
from watcher.report.returns import check_returns, exit_code, parse_return_date, parse_returns, returns_json
from watcher.report.text import render_check, render_returns
from watcher.report.timeline import Span, locate
from watcher.timeutil import parse_user_time

T0 = datetime(2026, 11, 1, 18, 10, tzinfo=timezone.utc)  # 2026-11-02 03:10 JST
IMAGES = {
    "61RedBag001": product_image((200, 30, 30)),
    "61BlueBag01": product_image((30, 60, 200)),
    "61Pen000001": product_image((20, 20, 20), shape="pen"),
}
BAG, PEN = "B0TEST0001", "B0TEST0002"
HIJACKER = "A3HIJACKER0001"
PEN_TITLE = "ゲルインク ボールペン 0.5mm 黒"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "returns"


def pen(title=PEN_TITLE):
    return catalog(title=title, image_id="61Pen000001", node=("89085051", "ボールペン"), product_type="WRITING_INSTRUMENT")


def night(db, n, observations, images=IMAGES):
    return pipeline.run(db, ListSource(observations, images), now=T0 + timedelta(days=n - 1), my_seller_id=ME)


def build_history(db):
    red, blue = catalog(), catalog(image_id="61BlueBag01")
    hijacked = ok(BAG, blue, offers(HIJACKER, buybox=HIJACKER))
    pen_noise = pen("ゲルインク\u3000ボールペン 0.5mm 黒")  # the same title after NFKC
    night(db, 1, [ok(BAG, red), ok(PEN, pen())])
    night(db, 2, [hijacked, ok(PEN, pen())])
    night(db, 3, [failed(BAG), ok(PEN, pen_noise)])
    night(db, 4, [hijacked, ok(PEN, pen_noise)])
    night(db, 5, [ok(BAG, red), ok(PEN, pen_noise)])


@pytest.fixture
def db(tmp_path):
    database = store.open_db(tmp_path / "w.db")
    store.add_asins(database, [(BAG, "赤いバッグ"), (PEN, "ボールペン")], T0)
    build_history(database)
    yield database
    database.close()


def check(db, asin, text):
    start, end = order_span(text)
    return check_order(db, asin, start, end, my_seller_id=ME)


# --- one order time -----------------------------------------------------------------------


def test_history_is_what_the_tests_assume(db):
    spans = [(v.first_seen, v.last_seen) for v in store.catalog_versions(db, BAG)]
    assert spans == [
        ("2026-11-01T18:10:00Z", "2026-11-01T18:10:00Z"),
        ("2026-11-02T18:10:00Z", "2026-11-04T18:10:00Z"),  # night 3 failed inside this version
        ("2026-11-05T18:10:00Z", "2026-11-05T18:10:00Z"),
    ]


def test_order_inside_a_version_that_differed(db):
    result = check(db, BAG, "2026-11-03 14:00")
    assert (result.status, result.exit_code, result.located.coverage) == ("differed", 3, "covered")
    (shown,) = result.shown
    assert shown.version.version == 2 and shown.certain
    (diff,) = [d for d in result.differences if d.check.mismatch]
    assert diff.check.field == "main_image" and diff.check.verdict == "recolored"
    assert (diff.first_seen, diff.until, diff.still_shown) == ("2026-11-02T18:10:00Z", "2026-11-04T18:10:00Z", False)
    assert shown.sellers is not None and shown.sellers.others == (HIJACKER,) and shown.sellers.new == (HIJACKER,)
    assert result.verdict.startswith("At order time the main image differed from your registered image (recolored)")
    assert "first seen 2026-11-03 03:10 JST, last seen 2026-11-05 03:10 JST" in result.verdict
    assert f"watcher evidence {BAG}" in result.verdict
    fields = {f.field: f for f in shown.fields}
    assert fields["title"].same and fields["brand"].same and fields["browse_node"].same and fields["parent"].same
    text = render_check(result)
    assert "differs (recolored)" in text and HIJACKER in text and "赤いバッグ" in text


def test_a_failed_night_inside_a_version_is_still_covered(db):
    result = check(db, BAG, "2026-11-04 03:10")  # the night whose fetch failed
    assert result.located.coverage == "covered" and result.status == "differed"
    assert check(db, BAG, "2026-11-04").status == "differed"  # that whole day


def test_order_between_two_observations_around_a_change_cannot_tell(db):
    result = check(db, BAG, "2026-11-02 20:00")
    assert (result.status, result.exit_code, result.located.coverage) == ("unknown", 1, "between")
    assert [s.version.version for s in result.shown] == [1, 2]
    assert [s.status for s in result.shown] == ["matched", "differed"]
    assert not any(s.certain for s in result.shown)
    assert "between the observations at 2026-11-02 03:10 JST and 2026-11-03 03:10 JST" in result.verdict
    assert "changed in that window" in result.verdict and "cannot tell" in result.verdict
    assert result.to_json()["matches_baseline"] is None


def test_between_two_observations_that_differ_only_in_noise_is_a_plain_match(db):
    result = check(db, PEN, "2026-11-03 20:00")  # v1 last seen night 2, v2 (full-width space) first seen night 3
    assert result.located.coverage == "between" and len(result.shown) == 2
    assert (result.status, result.exit_code) == ("matched", 0)
    assert "both showed the listing as registered" in result.verdict


def test_order_before_the_first_observation_is_not_covered(db):
    result = check(db, BAG, "2026-11-01 12:00")
    assert (result.status, result.exit_code, result.located.coverage) == ("unknown", 1, "before_first")
    assert result.shown == ()
    assert "starts at 2026-11-02 03:10 JST" in result.verdict and "cannot say" in result.verdict
    # A day that began before the first run is not covered either; the message says what to give.
    day = check(db, BAG, "2026-11-02")
    assert day.exit_code == 1 and "--ordered-at" in day.verdict


def test_order_after_the_last_observation_within_36_hours_then_beyond(db):
    recent = check(db, BAG, "2026-11-06 23:10")  # 20 hours after the last run
    assert (recent.status, recent.located.coverage) == ("matched", "after_last")
    assert "judged from the last observation, 2026-11-06 03:10 JST, 20 hours earlier" in recent.verdict
    stale = check(db, BAG, "2026-11-08 12:00")
    assert (stale.status, stale.exit_code, stale.located.coverage) == ("unknown", 1, "too_late")
    assert "more than 36 hours" in stale.verdict


def test_json_has_the_documented_shape(db):
    data = check(db, BAG, "2026-11-03T14:00+09:00").to_json()
    assert {"asin", "ordered_at", "observed", "matches_baseline", "differences", "verdict"} <= set(data)
    assert data["asin"] == BAG and data["ordered_at"] == "2026-11-03T05:00:00Z"
    assert data["matches_baseline"] is False
    assert data["observed"]["catalog"]["main_image"] == "61BlueBag01"
    assert data["observed"]["sellers"]["others"] == [HIJACKER]
    image = next(d for d in data["differences"] if d["field"] == "main_image")
    assert image["baseline"] == "61RedBag001" and image["verdict"] == "recolored" and image["first_seen"]
    json.dumps(data)  # plain data all the way down


def test_baseline_in_force_at_the_order_time_after_an_accept(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    store.add_asins(db, [(BAG, None)], T0)
    renamed = catalog(title="本革 ショルダーバッグ 赤 2026年モデル")
    night(db, 1, [ok(BAG, catalog())])
    night(db, 2, [ok(BAG, renamed)])
    accepted_at = T0 + timedelta(days=1, hours=1)
    assert alerts.accept(db, BAG, accepted_at) == 1
    night(db, 3, [ok(BAG, renamed)])
    # Ordered under the old title, before the seller accepted the new one: it matched then.
    before = check(db, BAG, "2026-11-02 03:10")
    assert before.status == "matched" and before.baseline is not None
    assert (before.baseline.catalog.version, before.baseline.how, before.baseline.current) == (1, "first_run", False)
    # The new title was shown an hour before the accept: against the old baseline, it differed.
    shown_early = check(db, BAG, "2026-11-03 03:10")
    assert shown_early.status == "differed" and shown_early.differences[0].check.field == "title"
    # After the accept the new title is the registered one.
    after = check(db, BAG, "2026-11-04 03:10")
    assert after.status == "matched" and after.baseline.how == "accepted" and after.baseline.current
    assert after.baseline.catalog.version == 2
    # Over a window, the state the seller accepted is not a difference.
    window = check_window(db, BAG, parse_user_time("2026-11-01"), parse_user_time("2026-11-04 12:00"), my_seller_id=ME)
    assert window.status == "matched" and [s.baseline.catalog.version for s in window.shown] == [1, 2]
    db.close()


def test_a_main_image_that_was_never_downloaded_is_not_vouched_for(tmp_path):
    db = store.open_db(tmp_path / "i.db")
    store.add_asins(db, [(BAG, None)], T0)
    night(db, 1, [ok(BAG, catalog())])
    missing = {k: v for k, v in IMAGES.items() if k != "61BlueBag01"}
    night(db, 2, [ok(BAG, catalog(image_id="61BlueBag01"))], images=missing)
    result = check(db, BAG, "2026-11-03 03:10")
    assert (result.status, result.exit_code) == ("unknown", 1)
    assert "could not download" in result.verdict
    db.close()


def test_window_check_finds_a_change_anywhere_in_the_span(db):
    start = parse_user_time("2026-10-10")
    result = check_window(db, BAG, start, parse_user_time("2026-11-09"), my_seller_id=ME)
    assert result.status == "differed" and [s.version.version for s in result.shown] == [1, 2, 3]
    clean = check_window(db, BAG, parse_user_time("2026-11-06 03:10"), parse_user_time("2026-11-06 04:00"))
    assert clean.status == "matched"


def test_locate_rules_are_pure():
    spans = [Span("2026-11-01T18:10:00Z", "2026-11-02T18:10:00Z"), Span("2026-11-04T18:10:00Z", "2026-11-04T18:10:00Z")]
    t = lambda s: datetime.fromisoformat(s)  # noqa: E731
    assert locate(spans, t("2026-11-02T18:10:00+00:00"), t("2026-11-02T18:10:00+00:00")).coverage == "covered"
    between = locate(spans, t("2026-11-03T00:00:00+00:00"), t("2026-11-03T00:00:00+00:00"))
    assert between.coverage == "between" and [c.index for c in between.candidates] == [0, 1]
    edge = locate(spans, t("2026-11-04T18:10:00+00:00"), t("2026-11-04T18:10:00+00:00"))
    assert [c.index for c in edge.candidates] == [1]
    assert locate([], t("2026-11-03T00:00:00+00:00"), t("2026-11-03T00:00:00+00:00")).coverage == "none"


# --- the returns report ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["returns-utf8.tsv", "returns-cp932.tsv"])
def test_returns_report_in_both_encodings(db, name):
    report = parse_returns((FIXTURES / name).read_bytes(), name)
    assert [r.line for r in report.rows] == [2, 3, 6]
    assert [(p.line, p.text) for p in report.problems] == [(4, "B0BAD"), (5, "11/10/2026")]
    assert report.rows[0].comment == "写真と色が違う。青いバッグが届くと思った"
    checks = check_returns(db, report, 30, my_seller_id=ME)
    assert [c.result.status for c in checks] == ["differed", "matched", "unknown"]
    assert exit_code(checks) == 3
    text = render_returns(checks)
    line = next(row for row in text.splitlines() if "250-1111111-1111111" in row)
    assert "recolored" in line and "NOT_AS_DESCRIBED" in line and "写真と色が違う" in line
    assert "250-2222222-2222222" not in text.split("not covered")[0]  # the matched return is not listed
    assert "line 6" in text and "1 differed, 1 matched, 1 not clear" in text
    data = returns_json(checks, report.problems)
    assert data["differed"] == 1 and [p["line"] for p in data["problems"]] == [4, 5]
    assert data["returns"][0]["check"]["differences"][0]["verdict"] == "recolored"


def test_both_encodings_read_the_same(db):
    utf8 = parse_returns((FIXTURES / "returns-utf8.tsv").read_bytes(), "a")
    cp932 = parse_returns((FIXTURES / "returns-cp932.tsv").read_bytes(), "b")
    assert utf8 == cp932


def test_a_short_window_misses_the_change(db):
    report = parse_returns((FIXTURES / "returns-utf8.tsv").read_bytes(), "r.tsv")
    checks = check_returns(db, report, 1, my_seller_id=ME)
    assert checks[0].result.status != "differed" and exit_code(checks) == 0


def test_a_file_without_the_columns_is_refused():
    with pytest.raises(UsageError, match="needs return-date and asin"):
        parse_returns("sku\tquantity\nA-1\t1\n".encode(), "inventory.tsv")


def test_return_dates_in_the_shapes_reports_use():
    assert parse_return_date("2026-11-05T01:23:45+00:00").isoformat() == "2026-11-05T01:23:45+00:00"
    assert parse_return_date("2026/11/5").isoformat() == "2026-11-05T14:59:59+00:00"  # end of that day, JST
    assert parse_return_date("2026-11-05 10:23 JST").isoformat() == "2026-11-05T01:23:00+00:00"
    with pytest.raises(ValueError):
        parse_return_date("2026-02-30")


# --- the command (once the lead has wired it into cli.py) ------------------------------------


@pytest.fixture
def cli(tmp_path, monkeypatch, db):
    from watcher.cli import app

    if "check" not in {c.name or c.callback.__name__ for c in app.registered_commands}:
        pytest.skip("`watcher check` is not wired into watcher/cli.py yet")
    monkeypatch.setenv("WATCHER_DB", str(tmp_path / "w.db"))
    monkeypatch.setenv("WATCHER_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    (tmp_path / "none.toml").chmod(0o600)
    monkeypatch.setenv("WATCHER_SELLER_ID", ME)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_cli_check_exit_codes_and_json(cli):
    assert cli("check", BAG, "--ordered-at", "2026-11-03 14:00").exit_code == 3
    assert cli("check", BAG, "--ordered-at", "2026-11-06 04:00").exit_code == 0
    assert cli("check", BAG, "--ordered-at", "2026-10-01").exit_code == 1
    result = cli("check", BAG, "--ordered-at", "2026-11-03T14:00", "--json")
    data = json.loads(result.stdout)
    assert data["matches_baseline"] is False and data["asin"] == BAG
    assert cli("check", BAG).exit_code == 2
    assert cli("check", "B0NOTKNOWN", "--ordered-at", "2026-11-03").exit_code == 2


def test_cli_check_returns(cli):
    result = cli("check", "--returns", FIXTURES / "returns-cp932.tsv")
    assert result.exit_code == 3
    assert "写真と色が違う" in result.stdout
    assert "returns-cp932.tsv:4: B0BAD" in result.stderr and "returns-cp932.tsv:5" in result.stderr


def test_a_failed_fetch_near_the_order_time_is_said_not_bridged(db):
    # Night 3 (2026-11-04 03:10 JST) failed for the bag; version 2 spans it all the same.
    result = check(db, BAG, "2026-11-04 12:00")
    assert result.shown[0].version.version == 2 and result.status == "differed"
    assert result.missed == ("2026-11-03T18:10:00Z",)
    assert result.verdict.endswith(
        "Note: the check at 2026-11-04 03:10 JST, close to the order time, could not fetch the listing (no observation then).")
    assert result.to_json()["missed_observations"] == ["2026-11-03T18:10:00Z"]
    # The pen was fetched that night; the bag's first night is too far from the failure.
    assert check(db, PEN, "2026-11-04 12:00").missed == ()
    assert check(db, BAG, "2026-11-02 12:00").missed == ()
