"""Edge cases of the return check, the returns report and the evidence bundle, found in an
audit: real SQLite, real images, the same multi-night histories as test_check and
test_evidence (nights at 03:10 JST).
"""

import json
import re
import zipfile
from datetime import timedelta

import pytest

import test_check as tc
import test_evidence as te
from helpers import ME, ListSource, catalog, failed, not_found, offers, ok
from watcher import alerts, pipeline, store
from watcher.errors import UsageError
from watcher.report.bundle import scrub, write_bundle
from watcher.report.check import check_order, check_window, order_span
from watcher.report.complaint import build_case, case_text
from watcher.report.evidence import gather
from watcher.report.returns import check_returns, parse_returns, returns_json
from watcher.report.text import render_returns
from watcher.textfile import read_table
from watcher.timeutil import is_date_only, parse_time, parse_user_time

BAG, PEN = tc.BAG, tc.PEN
T0 = tc.T0
LAST_RUN = T0 + timedelta(days=4)  # night 5, 2026-11-06 03:10 JST


@pytest.fixture
def db(tmp_path):
    """The check history: B0TEST0001 recoloured nights 2-4 (night 3 failed), the pen unchanged."""
    database = store.open_db(tmp_path / "check.db")
    store.add_asins(database, [(tc.BAG, "赤いバッグ"), (tc.PEN, "ボールペン")], tc.T0)
    tc.build_history(database)
    yield database
    database.close()


@pytest.fixture
def edb(tmp_path):
    """The evidence history: the bag recoloured with a hostile title nights 2-3, back night 4;
    the pen attached to a bag parent night 3."""
    database = store.open_db(tmp_path / "evidence.db")
    store.add_asins(database, [(te.BAG, "赤いバッグ"), (te.PEN, "ボールペン")], te.T0)
    te.build_history(database)
    yield database
    database.close()


def check(database, text, asin=BAG, now=LAST_RUN):
    start, end = order_span(text)
    return check_order(database, asin, start, end, my_seller_id=ME, now=now)


def history_db(tmp_path, nights, name="h.db", images=tc.IMAGES):
    """A database with BAG watched and one list of observations per night."""
    database = store.open_db(tmp_path / name)
    store.add_asins(database, [(BAG, "赤いバッグ")], T0)
    for n, observations in enumerate(nights, 1):
        pipeline.run(database, ListSource(observations, images), now=T0 + timedelta(days=n - 1), my_seller_id=ME)
    return database


# --- times as people and Seller Central write them ------------------------------------------------


@pytest.mark.parametrize("text, utc, date_only", [
    ("2026-11-03", "2026-11-02T15:00:00+00:00", True),
    ("2026/11/3", "2026-11-02T15:00:00+00:00", True),
    ("2026年11月3日", "2026-11-02T15:00:00+00:00", True),
    ("２０２６－１１－０３", "2026-11-02T15:00:00+00:00", True),
    ("2026-11-03T12:34:56+00:00", "2026-11-03T12:34:56+00:00", False),
    ("2026-11-03 12:34:56 JST", "2026-11-03T03:34:56+00:00", False),
    ("2026/11/03 12:34", "2026-11-03T03:34:00+00:00", False),
    ("2026-11-03T12:34:56.789Z", "2026-11-03T12:34:56+00:00", False),
    ("2026-11-03T12:34+0900", "2026-11-03T03:34:00+00:00", False),
])
def test_time_shapes(text, utc, date_only):
    assert parse_time(text).replace(microsecond=0).isoformat() == utc
    assert is_date_only(text) is date_only


@pytest.mark.parametrize("text", ["11/10/2026", "2026-02-30", "2026-11-03T25:00", "2026-11-03T12:00+99:00",
                                  "2026-11-03 12:00 PST", ""])
def test_bad_times_are_one_clear_line(text):
    with pytest.raises(ValueError, match=r"^not a date: ") as info:
        parse_time(text)
    assert "timedelta" not in str(info.value)  # no Python internals
    with pytest.raises(UsageError, match="use 2026-11-03"):
        parse_user_time(text)


def test_ordered_at_accepts_a_zone_name_and_a_slashed_day(db):
    assert check(db, "2026-11-03 14:00 JST").to_json() | {"checked_at": None} == \
        check(db, "2026-11-03T05:00:00Z").to_json() | {"checked_at": None}
    day = check(db, "2026/11/4")
    assert day.kind == "day" and day.status == "differed"


# --- the order time against the history ------------------------------------------------------------


def test_exactly_on_the_first_and_last_observation_of_a_version(db):
    on_last = check(db, "2026-11-02 03:10")  # v1 was last seen then
    assert on_last.located.coverage == "covered" and [s.version.version for s in on_last.shown] == [1]
    assert on_last.status == "matched"
    on_first = check(db, "2026-11-03 03:10")  # v2 was first seen then
    assert [s.version.version for s in on_first.shown] == [2] and on_first.status == "differed"
    a_second_later = check(db, "2026-11-02 03:10:01")
    assert a_second_later.located.coverage == "between"


def test_still_shown_now_only_when_the_last_observation_is_recent(tmp_path):
    red, blue = catalog(), catalog(image_id="61BlueBag01")
    database = history_db(tmp_path, [[ok(BAG, red)], [ok(BAG, blue)], [ok(BAG, blue)]])
    last = T0 + timedelta(days=2)
    recent = check(database, "2026-11-03 12:00", now=last + timedelta(hours=10))
    assert recent.status == "differed" and "still shown now" in recent.verdict
    stale = check(database, "2026-11-03 12:00", now=last + timedelta(days=9))
    assert "still shown now" not in stale.verdict
    assert "still shown at the last observation, 2026-11-04 03:10 JST (9.0 days before this check)" in stale.verdict
    assert stale.to_json()["checked_at"] == "2026-11-12T18:10:00Z"
    database.close()


def test_a_not_found_night_is_cannot_tell_not_a_difference(tmp_path):
    red = catalog()
    database = history_db(tmp_path, [[ok(BAG, red)], [not_found(BAG)], [ok(BAG, red)], [ok(BAG, red)]])
    at_blip = check(database, "2026-11-03 03:10")
    assert (at_blip.status, at_blip.exit_code) == ("unknown", 1)
    assert "not found" in at_blip.verdict and "return shipping" not in at_blip.verdict
    window = check_window(database, BAG, parse_user_time("2026-10-10"), parse_user_time("2026-11-06"), now=LAST_RUN)
    assert window.status != "differed"
    database.close()


def test_a_failed_night_between_versions_is_a_window_not_a_guess(tmp_path):
    red, blue = catalog(), catalog(image_id="61BlueBag01")
    database = history_db(tmp_path, [[ok(BAG, red)], [failed(BAG)], [ok(BAG, blue)]])
    result = check(database, "2026-11-03 12:00")  # the failed night's day
    assert result.located.coverage == "between" and result.status == "unknown"
    assert "between the observations at 2026-11-02 03:10 JST and 2026-11-04 03:10 JST" in result.verdict
    assert "observed once, at 2026-11-02 03:10 JST" in result.verdict
    database.close()


def test_content_accepted_later_is_still_judged_then_but_said(tmp_path):
    database = history_db(tmp_path, [[ok(BAG, catalog())], [ok(BAG, catalog(title="本革 ショルダーバッグ 赤 新型"))]])
    accepted = T0 + timedelta(days=1, hours=2)
    alerts.accept(database, BAG, accepted)
    result = check(database, "2026-11-03 04:00")  # shown before the seller accepted it
    assert result.status == "differed"
    assert "You accepted this content as your baseline later (2026-11-03 05:10 JST)" in result.verdict
    assert result.to_json()["accepted_later"] == "2026-11-02T20:10:00Z"
    assert "accepted" not in check(database, "2026-11-02 03:10").verdict
    database.close()


def test_a_window_reaching_past_the_history_says_what_was_observed(db):
    result = check_window(db, PEN, parse_user_time("2026-10-20"), parse_user_time("2026-11-19"), now=LAST_RUN)
    assert result.status == "matched"
    assert "(observed only from 2026-11-02 03:10 JST to 2026-11-06 03:10 JST)" in result.verdict


# --- the returns report as Seller Central (and Excel) write it -----------------------------------

HEADER = "Return Date\tOrder_ID\tSKU\tASIN\tREASON\tCustomer Comments\tStatus"
ROWS = [
    "2026-11-08T02:15:00+00:00\t250-1\tMK-1\tB0TEST0001\tNOT_AS_DESCRIBED\t\"色が違う, 青い\"\tReimbursed",
    "",
    "2026/11/09\t250-2\tSK-2\tb0test0002\tUNWANTED_ITEM\t15.6\" 画面",  # short row, lower-case ASIN
    "2026-11-09 10:00:00 JST\t250-3\tMK-1\tB0NOTWATCH\tDEFECTIVE\t\t\textra\tcells",
    "2026-11-09\t250-4\tMK-1\tB0BAD\tDEFECTIVE\t",
    "2026-13-01\t250-5\tMK-1\tB0TEST0001\tDEFECTIVE\t",
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_real_world_returns_report(db, encoding, newline):
    data = newline.join([HEADER, *ROWS, ""]).encode(encoding)
    report = parse_returns(data, "returns.txt")
    assert [(r.line, r.asin, r.order_id) for r in report.rows] == [
        (2, BAG, "250-1"), (4, PEN, "250-2"), (5, "B0NOTWATCH", "250-3")]
    assert report.rows[0].comment == "色が違う, 青い"  # Excel's quotes are gone
    assert report.rows[1].comment == '15.6" 画面' and report.rows[1].reason == "UNWANTED_ITEM"
    assert [(p.line, p.text) for p in report.problems] == [(6, "B0BAD"), (7, "2026-13-01")]
    assert "month must be in 1..12" in report.problems[1].message
    checks = check_returns(db, report, my_seller_id=ME, now=LAST_RUN)
    assert [c.result.status for c in checks] == ["differed", "matched", "unknown"]
    assert "never observed B0NOTWATCH" in checks[2].result.verdict
    text = render_returns(checks)
    assert "色が違う, 青い" in text and "line 5: B0NOTWATCH" in text


def test_an_order_date_column_narrows_the_check_to_that_day(db):
    lines = ["return-date\torder-date\torder-id\tasin\treason",
             "2026-11-20\t2026-11-02\t250-1\tB0TEST0001\tNOT_AS_DESCRIBED",  # before the recolour
             "2026-11-20\t2026-11-04T12:00:00+09:00\t250-2\tB0TEST0001\tNOT_AS_DESCRIBED",
             "2026-11-20\t\t250-3\tB0TEST0001\tNOT_AS_DESCRIBED",  # no order date: the window
             "2026-11-20\t4/11/2026\t250-4\tB0TEST0001\tNOT_AS_DESCRIBED"]
    report = parse_returns("\n".join(lines).encode(), "r.tsv")
    assert [(p.line, p.text) for p in report.problems] == [(5, "4/11/2026")]
    assert report.problems[0].message.startswith("order date: not a date")
    checks = check_returns(db, report, my_seller_id=ME, now=LAST_RUN)
    assert [c.result.kind for c in checks] == ["day", "moment", "window"]
    assert checks[0].result.located.coverage == "before_first"  # the history starts at 03:10 that day
    assert checks[1].result.status == "differed"
    data = returns_json(checks, report.problems)
    assert data["returns"][1]["ordered"] == ["2026-11-04T03:00:00Z", "2026-11-04T03:00:00Z"]


def test_an_unclosed_quote_in_a_csv_is_reported_not_swallowed():
    text = 'return-date,asin,customer-comments\n2026-11-03,B0TEST0001,"oops\n2026-11-04,B0TEST0002,ok\n'
    with pytest.raises(UsageError, match=r"^r\.csv: line 2: a quoted field is never closed"):
        read_table(text, source="r.csv")
    # A quoted field over two lines, closed, is fine.
    table = read_table('a,b\n1,"x\ny"\n2,z\n')
    assert [(r.line, r.values) for r in table.rows] == [(2, ("1", "x\ny")), (4, ("2", "z"))]


def test_tsv_cells_quoted_whole_are_unquoted_others_kept():
    table = read_table('a\tb\tc\n"x, ""y"""\t"Best" pen\t"\n')
    assert table.rows[0].values == ('x, "y"', '"Best" pen', '"')


def test_column_names_match_across_case_spaces_and_separators():
    table = read_table("Return_Date\tORDER ID\tcustomer comments\n")
    assert table.column("return-date") == 0 and table.column("order-id") == 1
    assert table.column("customer-comments") == 2 and table.column("reason") is None


# --- the evidence bundle -------------------------------------------------------------------------

def facts_lines(text, lang="ja"):
    marker = r"^[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf] " if lang == "ja" else r"^\(\d+\) "
    return [line for line in text.splitlines() if re.match(marker, line)]


def test_a_window_inside_the_changed_period_states_the_change(edb):
    e = gather(edb, BAG, parse_user_time("2026-11-04"), parse_user_time("2026-11-04", end_of_day=True), te.NOW, ME)
    case = build_case(e)
    kinds = [f.kind for f in case.facts]
    assert "change" in kinds and not any("no change" in f.en for f in case.facts)
    image = next(f for f in case.facts if f.kind == "change" and f.data["field"] == "main_image")
    assert image.data["to"] == "61BlueBag01" and image.data["first_observed"] == "2026-11-02T18:10:00Z"
    assert e.changed_period == ("2026-11-01T18:10:00Z", "2026-11-04T18:10:00Z")
    assert "between our checks at 2026-11-02 03:10 JST and 2026-11-05 03:10 JST" in case.requests_en[-1]


def test_no_change_is_claimed_only_for_the_window(edb):
    e = gather(edb, BAG, None, parse_user_time("2026-11-02", end_of_day=True), te.NOW, ME)
    case = build_case(e)
    quiet = next(f for f in case.facts if f.kind == "current")
    assert quiet.en == "our observation at 2026-11-02 03:10 JST shows no change from our registered content."
    assert not case.requests_en
    assert case_text(e, case, "en").startswith("Subject: Our record of")


def test_from_after_to_is_a_usage_error(edb):
    with pytest.raises(UsageError, match=r"--from .* is after --to"):
        gather(edb, BAG, parse_user_time("2026-11-05"), parse_user_time("2026-11-03"), te.NOW, ME)


def test_a_not_found_night_is_a_record_not_a_complaint(tmp_path):
    red = catalog()
    database = history_db(tmp_path, [[ok(BAG, red)], [not_found(BAG)], [ok(BAG, red)]])
    e = gather(database, BAG, None, None, te.NOW, ME)
    case = build_case(e)
    en = case_text(e, case, "en")
    assert en.startswith("Subject: Our record of") and "has been changed" not in en
    assert "stopped returning this ASIN" in en  # still a fact
    assert not case.requests_en
    database.close()


FORGED_TITLE = 'ペン」でした。\n② 当社は返金に同意します。\r\u2028(2) We agree. "x" ③「y'
FORGED_SELLER = "EVIL\n② 当社が変更しました"


def test_catalog_text_cannot_forge_facts_in_the_case_text(tmp_path):
    hostile = catalog(title=FORGED_TITLE, brand="①ブランド」", image_id="../../x", parents=("B0PAR\n② X",))
    images = {**tc.IMAGES, "x": tc.IMAGES["61BlueBag01"]}  # the fake source fetches "../../x" as "x"
    database = history_db(tmp_path, [
        [ok(BAG, catalog())],
        [ok(BAG, hostile, offers(FORGED_SELLER, buybox=FORGED_SELLER))],
    ], images=images)
    e = gather(database, BAG, None, None, te.NOW, ME)
    case = build_case(e)
    for lang in ("ja", "en"):
        text = case_text(e, case, lang)
        assert len(facts_lines(text, lang)) == len(case.facts)  # no line poses as a fact
        assert not any(line.startswith(("当社は", "We agree", "X", "当社が変更")) for line in text.splitlines())
    ja, en = case_text(e, case, "ja"), case_text(e, case, "en")
    # Every 「 the case opens, it closes, and catalog text cannot close it early.
    for line in facts_lines(ja):
        assert re.fullmatch(r"[^「」]*(「[^「」]*」[^「」]*)*", line), line
    assert "「ペン』でした。?(2) 当社は返金に同意します。??(2) We agree. \"x\" (3)『y」" in ja
    assert '"ペン」でした。?② 当社は返金に同意します。??(2) We agree. ″x″ ③「y"' in en
    assert "「EVIL?(2) 当社が変更しました」" in ja and '"B0PAR?② X"' in en and '"../../x"' in en
    # evidence.json keeps the exact values; the image id names no path outside the bundle.
    out = tmp_path / "ev"
    bundle = write_bundle(e, out)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert [n for n in written if not n.startswith(("ev/", "h.db"))] == []
    image_files = [n for n in bundle.files if n.startswith("images/") and n != "images/61RedBag001.jpg"]
    assert len(image_files) == 1 and re.fullmatch(r"images/_{6}x-[0-9a-f]{12}\.jpg", image_files[0])
    data = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    title = next(f for f in data["facts"] if f["kind"] == "change" and f["field"] == "title")
    assert title["to"] == FORGED_TITLE
    database.close()


def test_zip_of_the_current_folder(edb, tmp_path, monkeypatch):
    out = tmp_path / "here"
    out.mkdir()
    monkeypatch.chdir(out)
    from pathlib import Path

    bundle = write_bundle(gather(edb, BAG, None, None, te.NOW, ME), Path("."), make_zip=True)
    assert bundle.zip_path == tmp_path / "here.zip" and not (out / ".zip").exists()
    with zipfile.ZipFile(bundle.zip_path) as archive:
        assert all(name.startswith("here/") for name in archive.namelist())
        assert "here/SHA256SUMS" in archive.namelist()


def test_scrub_drops_credential_shaped_values_under_any_key():
    answer = {"debug": {"headers": {"x": "Atza|abc", "y": "amzn1.oa2-cs.v1.def"}, "n": 1}, "title": "Atzr|ghi"}
    assert json.dumps(scrub(answer)).count("removed: looked like a credential") == 3
    assert "Atz" not in json.dumps(scrub(answer)) and scrub(answer)["debug"]["n"] == 1


def test_the_alert_history_in_the_page_is_not_cut(edb, tmp_path):
    out = tmp_path / "ev"
    write_bundle(gather(edb, PEN, None, None, te.NOW, ME), out)
    page = (out / "index.html").read_text(encoding="utf-8")
    alerts_part = page[page.index("<h2>アラート履歴</h2>"):]
    assert "…" not in alerts_part and "【2026新作】大容量 トートバッグ" in alerts_part
    assert "ファッション &gt; トートバッグ [2221202051]" in alerts_part


def test_an_earlier_episode_outside_the_window_stays_out(tmp_path):
    red, blue, renamed = catalog(), catalog(image_id="61BlueBag01"), catalog(title="本革 バッグ 赤 (別商品)")
    database = history_db(tmp_path, [[ok(BAG, red)], [ok(BAG, blue)], [ok(BAG, red)], [ok(BAG, renamed)]])
    e = gather(database, BAG, parse_user_time("2026-11-04 12:00"), None, te.NOW, ME)
    assert [t.after.version for t in e.transitions] == [4]
    assert e.changed_period == ("2026-11-03T18:10:00Z", None)  # the title change only, still shown
    case = build_case(e)
    assert "between our check at 2026-11-04 03:10 JST and now" in case.requests_en[-1]
    database.close()


def test_the_returns_table_says_now_only_for_a_recent_observation(tmp_path):
    database = history_db(tmp_path, [[ok(BAG, catalog())], [ok(BAG, catalog(image_id="61BlueBag01"))]])
    report = parse_returns(b"return-date\tasin\n2026-11-04\tB0TEST0001\n", "r.tsv")
    recent = render_returns(check_returns(database, report, now=T0 + timedelta(days=1, hours=5)))
    stale = render_returns(check_returns(database, report, now=T0 + timedelta(days=20)))
    assert "2026-11-03 03:10 JST – now" in recent
    assert "– now" not in stale and "2026-11-03 03:10 JST – 2026-11-03 03:10 JST" in stale
    database.close()
