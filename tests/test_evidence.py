"""The evidence bundle: files, hashes, facts in the case text, hostile catalog text, no secrets.

History (nights at 03:10 JST): B0TEST0001 (a red bag) gets a blue main image and a title
full of markup on night 2 while another seller joins; night 4 it is back. B0TEST0002 (a
pen) is attached to a bag parent on night 3 and stays that way.
"""

import hashlib
import json
import zipfile
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import ME, ListSource, catalog, offers, ok, product_image
from watcher import pipeline, store
from watcher.errors import UsageError
from watcher.model import Observation
from watcher.report.bundle import image_file, scrub, write_bundle
from watcher.report.complaint import build_case, case_text
from watcher.report.evidence import gather
from watcher.timeutil import parse_user_time

T0 = datetime(2026, 11, 1, 18, 10, tzinfo=timezone.utc)  # 2026-11-02 03:10 JST
NOW = T0 + timedelta(days=5)
BAG, PEN, PARENT = "B0TEST0001", "B0TEST0002", "B0PARENT01"
HIJACKER = "A3HIJACKER0001"
HOSTILE = '<script>window.pwned=1;document.title="PWNED"</script><img src=x onerror="window.pwned=2">青 & "バッグ"'
IMAGES = {
    "61RedBag001": product_image((200, 30, 30)),
    "61BlueBag01": product_image((30, 60, 200)),
    "61Pen000001": product_image((20, 20, 20), shape="pen"),
}
# What a user's environment holds; none of it may end up in a bundle.
SECRETS = {
    "LWA_APP_ID": "amzn1.application-oa2-client.FAKEAPPID0123456789",
    "LWA_CLIENT_SECRET": "amzn1.oa2-cs.v1.FAKESECRET9f8e7d6c5b4a",
    "SP_API_REFRESH_TOKEN": "Atzr|FAKEREFRESHTOKENabcdef0123456789",
}
ACCESS_TOKEN = "Atza|FAKEACCESSTOKENzyxwvu9876543210"


def pen(**kwargs):
    base = dict(title="ゲルインク ボールペン 0.5mm 黒", image_id="61Pen000001", node=("89085051", "ボールペン"),
                product_type="WRITING_INSTRUMENT")
    return catalog(**{**base, **kwargs})


def night(db, n, observations):
    return pipeline.run(db, ListSource(observations, IMAGES), now=T0 + timedelta(days=n - 1), my_seller_id=ME)


def build_history(db):
    red = ok(BAG, catalog())
    hijacked = ok(BAG, catalog(title=HOSTILE, image_id="61BlueBag01"), offers(HIJACKER, buybox=HIJACKER))
    # A raw answer that (wrongly) carries tokens: the bundle must drop them all the same.
    leaky = Observation(hijacked.snapshot, raw_catalog={**hijacked.raw_catalog, "debug": {
        "x-amz-access-token": ACCESS_TOKEN, "refresh_token": SECRETS["SP_API_REFRESH_TOKEN"]}}, raw_offers={"ASIN": BAG})
    rewritten = ok(PEN, pen(title="【2026新作】大容量 トートバッグ", image_id="61RedBag001",
                            node=("2221202051", "トートバッグ"), parents=(PARENT,), product_type="HANDBAG"))
    parent = ok(PARENT, catalog(title="【2026新作】大容量 トートバッグ"))
    night(db, 1, [red, ok(PEN, pen())])
    night(db, 2, [leaky, ok(PEN, pen())])
    night(db, 3, [hijacked, rewritten, parent])
    night(db, 4, [red, rewritten, parent])


@pytest.fixture
def db(tmp_path):
    database = store.open_db(tmp_path / "w.db")
    store.add_asins(database, [(BAG, "赤いバッグ <b>太字</b>"), (PEN, "ボールペン")], T0)
    build_history(database)
    yield database
    database.close()


def bundle_for(db, asin, out, lang="ja", make_zip=False, start=None, end=None):
    return write_bundle(gather(db, asin, start, end, NOW, ME), out, lang, make_zip)


def all_files(directory):
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


# --- files and hashes ------------------------------------------------------------------------


def test_every_file_exists_and_hash_checks(db, tmp_path):
    out = tmp_path / "ev"
    bundle = bundle_for(db, BAG, out, make_zip=True)
    files = all_files(out)
    assert {"index.html", "complaint-ja.txt", "complaint-en.txt", "evidence.json", "SHA256SUMS"} <= set(files)
    assert {"images/61RedBag001.jpg", "images/61BlueBag01.jpg"} <= set(files)
    assert {"raw/catalog-v1.json", "raw/catalog-v2.json", "raw/offers-v1.json", "raw/offers-v2.json"} <= set(files)
    assert all(files[name][:2] == b"\xff\xd8" for name in files if name.startswith("images/"))  # JPEG
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name
    assert set(bundle.files) == set(files)
    with zipfile.ZipFile(bundle.zip_path) as archive:
        assert {n.removeprefix("ev/") for n in archive.namelist()} == set(files)
        assert archive.read("ev/SHA256SUMS") == files["SHA256SUMS"]


def test_raw_answers_are_the_stored_ones(db, tmp_path):
    out = tmp_path / "ev"
    bundle_for(db, BAG, out)
    raw = json.loads((out / "raw" / "catalog-v1.json").read_text(encoding="utf-8"))
    assert raw == {"asin": BAG, "summaries": [{"itemName": catalog().title}]}
    data = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    assert {v["raw"] for v in data["timeline"]} <= {f"raw/{p.name}" for p in (out / "raw").iterdir()}


def test_an_existing_folder_is_never_overwritten(db, tmp_path):
    out = tmp_path / "ev"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(UsageError, match="not an empty folder"):
        bundle_for(db, BAG, out)
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"


def test_image_ids_cannot_escape_the_folder():
    assert image_file("71Zp+4mWb2L") == "images/71Zp+4mWb2L.jpg"
    for hostile in ("../../etc/passwd", "a/b", "..", ""):
        name = image_file(hostile)
        assert name.startswith("images/") and "/" not in name[len("images/"):] and ".." not in name
    assert image_file("a/b") != image_file("a_b")


# --- the facts ---------------------------------------------------------------------------------


def test_the_complaint_text_carries_every_fact(db, tmp_path):
    out = tmp_path / "ev"
    bundle_for(db, BAG, out)
    ja = (out / "complaint-ja.txt").read_text(encoding="utf-8")
    en = (out / "complaint-en.txt").read_text(encoding="utf-8")
    data = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    facts = data["facts"]
    for i, fact in enumerate(facts, 1):
        assert f"{chr(0x2460 + i - 1)} {fact['ja']}" in ja
        assert f"({i}) {fact['en']}" in en
    kinds = [f["kind"] for f in facts]
    assert kinds[0] == "registered" and kinds[-1] == "records" and "sellers" in kinds and "current" in kinds
    image = next(f for f in facts if f["kind"] == "change" and f["field"] == "main_image" and not f["to_registered"])
    assert (image["from"], image["to"], image["verdict"]) == ("61RedBag001", "61BlueBag01", "recolored")
    assert (image["after_previous_observation"], image["first_observed"]) == ("2026-11-01T18:10:00Z", "2026-11-02T18:10:00Z")
    # The facts themselves, in the words a seller pastes: ASIN, times in JST, from -> to, who was there.
    for text in (f"ASIN: {BAG}", "2026年11月2日 03:10の確認時点から2026年11月3日 03:10の確認時点までの間に",
                 "画像ID: 61RedBag001", "画像ID: 61BlueBag01", "色違い", HIJACKER, "出品していませんでした",
                 "当社登録の内容（画像ID: 61RedBag001）に戻りました", "返品送料", "出品者ID A2DEMOSELLER01"):
        assert text in ja, text
    for text in (f"ASIN {BAG}", "2026-11-02 03:10 JST", "2026-11-03 03:10 JST", "61BlueBag01", "recolour", HIJACKER,
                 "return shipping"):
        assert text in en, text
    assert "\u2460" in ja and "\u2461" in ja and "\u2462" in ja


def test_a_parent_rewrite_case_lists_each_change_and_asks_to_restore(db, tmp_path):
    out = tmp_path / "pen"
    bundle_for(db, PEN, out, lang="en")
    data = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    fields = [f["field"] for f in data["facts"] if f["kind"] == "change"]
    assert set(fields) == {"title", "browse_node", "product_type", "main_image", "parent"}
    ja = (out / "complaint-ja.txt").read_text(encoding="utf-8")
    assert f"親ASIN {PARENT} が設定され" in ja and "「【2026新作】大容量 トートバッグ」に変更されました" in ja
    assert "当社の登録内容（①）に戻していただけますでしょうか" in ja
    assert data["latest"]["differs_from_registered"] and data["requests"]["en"][0].startswith("Please restore")
    assert "<html lang=\"en\">" in (out / "index.html").read_text(encoding="utf-8")


def test_an_unchanged_listing_is_a_record_not_a_complaint(tmp_path):
    database = store.open_db(tmp_path / "quiet.db")
    store.add_asins(database, [(PEN, None)], T0)
    night(database, 1, [ok(PEN, pen())])
    night(database, 2, [ok(PEN, pen())])
    evidence = gather(database, PEN, None, None, NOW, ME)
    case = build_case(evidence)
    ja, en = case_text(evidence, case, "ja"), case_text(evidence, case, "en")
    assert ja.startswith(f"件名: 商品詳細ページの記録について（ASIN: {PEN}）") and "変更されています" not in ja
    assert en.startswith(f"Subject: Our record of the product detail page of ASIN {PEN}") and "has been changed" not in en
    assert not case.requests_ja and not case.requests_en
    database.close()


def test_no_accusation_beyond_the_facts(db, tmp_path):
    case = build_case(gather(db, BAG, None, None, NOW, ME))
    text = " ".join(f.en for f in case.facts).lower()
    assert HIJACKER.lower() in text
    text = text.replace(HIJACKER.lower(), "")
    for word in ("hijack", "fraud", "attacker", "malicious", "changed by"):
        assert word not in text


def test_the_window_limits_the_changes(db, tmp_path):
    # The pen: the window opens after its parent rewrite, so only that change is shown.
    late_pen = gather(db, PEN, parse_user_time("2026-11-04"), None, NOW, ME)
    assert [t.after.version for t in late_pen.transitions] == [2]
    early_pen = gather(db, PEN, None, parse_user_time("2026-11-03", end_of_day=True), NOW, ME)
    assert early_pen.transitions == () and [v.version for v in early_pen.window_versions] == [1]
    # The bag: a window holding only the change back reaches back to the change it undid.
    late = gather(db, BAG, parse_user_time("2026-11-04 12:00"), None, NOW, ME)
    assert [t.after.version for t in late.transitions] == [2, 3]
    assert [v.version for v in late.versions] == [1, 2, 3]  # plus the version before, for context
    with pytest.raises(UsageError, match="no observation"):
        gather(db, BAG, parse_user_time("2027-01-01"), None, NOW, ME)


# --- hostile text, secrets -----------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_hostile_catalog_text_is_escaped_and_no_script_can_run(db, tmp_path):
    out = tmp_path / "ev"
    bundle_for(db, BAG, out)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    parser = Tags()
    parser.feed(page)
    assert {t for t, _ in parser.tags} <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "table",
                                          "tr", "th", "td", "ol", "ul", "li", "p", "br", "div", "figure",
                                          "figcaption", "img", "span", "del", "ins"}
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/jpeg;base64,")
    csp = next(a["content"] for t, a in parser.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src" not in csp  # no script source allowed at all
    # The title reads as text, exactly as the catalog had it.
    assert HOSTILE in "".join(parser.text)
    assert "赤いバッグ <b>太字</b>" in "".join(parser.text)  # the label is text too


def test_no_secret_appears_in_any_file(db, tmp_path, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "ev"
    bundle = bundle_for(db, BAG, out, make_zip=True)
    blobs = list(all_files(out).values())
    with zipfile.ZipFile(bundle.zip_path) as archive:
        blobs += [archive.read(n) for n in archive.namelist()]
    for secret in (*SECRETS.values(), ACCESS_TOKEN, "FAKEREFRESHTOKEN", "FAKEACCESSTOKEN"):
        assert not any(secret.encode() in blob for blob in blobs), secret
    # ... while the stored answer around them is kept.
    raw = json.loads((out / "raw" / "catalog-v2.json").read_text(encoding="utf-8"))
    assert raw["asin"] == BAG and raw["debug"] == {}


def test_scrub_drops_credential_keys_only():
    answer = {"payload": {"Offers": [{"SellerId": "A1"}]}, "Authorization": "Bearer x", "nested": [{"client_secret": "s"}]}
    assert scrub(answer) == {"payload": {"Offers": [{"SellerId": "A1"}]}, "nested": [{}]}


# --- the command (once the lead has wired it into cli.py) -----------------------------------------


def test_cli_evidence(db, tmp_path, monkeypatch):
    from watcher.cli import app

    if "evidence" not in {c.name or c.callback.__name__ for c in app.registered_commands}:
        pytest.skip("`watcher evidence` is not wired into watcher/cli.py yet")
    monkeypatch.setenv("WATCHER_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    (tmp_path / "none.toml").chmod(0o600)
    monkeypatch.setenv("WATCHER_SELLER_ID", ME)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    out = tmp_path / "bundle"
    result = runner.invoke(app, ["evidence", BAG, "--db", str(tmp_path / "w.db"), "--out", str(out), "--zip",
                                 "--from", "2026-11-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert Path(data["zip"]).exists() and "SHA256SUMS" in data["files"]
    for blob in all_files(out).values():
        assert not any(s.encode() in blob for s in SECRETS.values())
    again = runner.invoke(app, ["evidence", BAG, "--db", str(tmp_path / "w.db"), "--out", str(out)])
    assert again.exit_code == 2 and "Error:" in again.stderr
    bad = runner.invoke(app, ["evidence", BAG, "--db", str(tmp_path / "w.db"), "--out", str(tmp_path / "x"), "--lang", "fr"])
    assert bad.exit_code == 2


def test_without_a_configured_seller_id_the_case_names_the_one_amazon_marked_as_ours(db):
    evidence = gather(db, BAG, None, None, NOW)  # WATCHER_SELLER_ID not set
    assert evidence.seller_id == ME
    assert f"出品者ID {ME}" in case_text(evidence, build_case(evidence), "ja")
