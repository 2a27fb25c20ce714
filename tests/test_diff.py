"""The diff: each change kind, and each benign case that must not alert."""

from dataclasses import replace

import pytest

from helpers import ME, catalog, offers, product_image
from watcher.diff import OFFER_KINDS, diff, normalize_text, unknown_kinds
from watcher.images import analyse
from watcher.model import Snapshot


def snap(cat=None, off=None, asin="B0TEST0001", status="ok"):
    return Snapshot(asin, status, catalog=cat if status == "ok" else None, offers=off)


@pytest.fixture(scope="module")
def fps():
    red, _ = analyse(product_image((200, 30, 30)))
    red_again, _ = analyse(product_image((200, 30, 30), size=1200))
    blue, _ = analyse(product_image((30, 60, 200)))
    pen, _ = analyse(product_image((20, 20, 20), shape="pen"))
    return {"61RedBag001": red, "61RedBag002": red_again, "61BlueBag01": blue, "61Pen000001": pen}


def kinds(changes):
    return sorted(c.kind for c in changes)


def test_identical_snapshots_have_no_changes(fps):
    assert diff(snap(catalog(), offers()), snap(catalog(), offers()), fps, ME) == []


@pytest.mark.parametrize(
    "after",
    [
        "本革　ショルダーバッグ  レディース 赤",  # full-width and doubled spaces
        " 本革 ショルダーバッグ レディース 赤 ",
        "本革 ｼｮﾙﾀﾞｰﾊﾞｯｸﾞ レディース 赤",  # half-width katakana folds under NFKC
        "本革 ショルダー\u200bバッグ レディース 赤\ufeff",  # zero-width space, stray BOM
    ],
)
def test_title_equal_after_nfkc_and_whitespace_is_not_a_change(fps, after):
    assert diff(snap(catalog()), snap(catalog(title=after)), fps) == []


def test_title_changed(fps):
    changes = diff(snap(catalog()), snap(catalog(title="【2026新作】大容量 トートバッグ")), fps)
    assert kinds(changes) == ["title_changed"]
    assert changes[0].after == "【2026新作】大容量 トートバッグ"
    assert changes[0].severity == "critical"


def test_browse_node_renamed_under_same_id_is_not_a_change(fps):
    assert diff(snap(catalog()), snap(catalog(node=("2221077051", "ショルダー・ポシェット"))), fps) == []


def test_browse_node_changed_by_id(fps):
    changes = diff(snap(catalog()), snap(catalog(node=("89085051", "ボールペン"))), fps)
    assert kinds(changes) == ["browse_node_changed"]
    assert changes[0].before["id"] == "2221077051" and changes[0].after["id"] == "89085051"


def test_brand_and_product_type(fps):
    changes = diff(snap(catalog()), snap(catalog(brand="NoBrand", product_type="LUGGAGE")), fps)
    assert kinds(changes) == ["brand_changed", "product_type_changed"]


def test_brand_case_only_is_not_a_change(fps):
    assert diff(snap(catalog(brand="Minato")), snap(catalog(brand="MINATO")), fps) == []


def test_new_image_id_for_same_picture_is_not_a_change(fps):
    assert diff(snap(catalog()), snap(catalog(image_id="61RedBag002")), fps) == []


def test_recoloured_main_image(fps):
    changes = diff(snap(catalog()), snap(catalog(image_id="61BlueBag01")), fps)
    assert kinds(changes) == ["main_image_changed"]
    assert changes[0].detail["verdict"] == "recolored"
    assert changes[0].severity == "critical"


def test_different_main_image(fps):
    changes = diff(snap(catalog()), snap(catalog(image_id="61Pen000001")), fps)
    assert changes[0].detail["verdict"] == "different"


def test_unknown_fingerprint_is_not_a_change(fps):
    # The new image could not be downloaded: we do not know, so we do not alert.
    assert diff(snap(catalog()), snap(catalog(image_id="61Unknown01")), fps) == []


def test_gallery_and_parent(fps):
    after = replace(catalog(parents=("B0PARENT01",)), gallery_image_ids=("51Gal000002",))
    assert kinds(diff(snap(catalog()), snap(after), fps)) == ["gallery_changed", "parent_changed"]


def test_sales_rank_movement_is_not_a_change(fps):
    after = replace(catalog(), sales_rank_ids=("2221077051", "other"))
    assert diff(snap(catalog()), snap(after), fps) == []


def test_seller_joined_left_and_buybox(fps):
    changes = diff(snap(catalog(), offers()), snap(catalog(), offers("A3HIJACKER0001", buybox="A3HIJACKER0001")), fps, ME)
    assert kinds(changes) == ["buybox_lost", "seller_joined"]
    joined = next(c for c in changes if c.kind == "seller_joined")
    assert joined.detail["sellers"] == ["A3HIJACKER0001"]
    back = diff(snap(catalog(), offers("A3HIJACKER0001")), snap(catalog(), offers()), fps, ME)
    assert kinds(back) == ["seller_left"]


def test_amazon_and_my_own_offers_are_never_another_seller(fps):
    assert diff(snap(catalog(), offers()), snap(catalog(), offers("AN1VRQENFRJN5")), fps, ME) == []


def test_unknown_offers_are_not_a_change(fps):
    assert diff(snap(catalog(), offers("A3X")), snap(catalog(), None), fps, ME) == []


def test_failures_are_never_changes(fps):
    assert diff(snap(catalog()), snap(status="fetch_failed"), fps) == []
    assert diff(snap(status="fetch_failed"), snap(catalog(title="x")), fps) == []


def test_not_found_after_ok_is_listing_gone(fps):
    assert kinds(diff(snap(catalog()), snap(status="not_found"), fps)) == ["listing_gone"]


def test_main_image_removed(fps):
    after = replace(catalog(), main_image=None)
    assert kinds(diff(snap(catalog()), snap(after), fps)) == ["main_image_changed"]


def test_normalize_text():
    assert normalize_text("Ａ\u3000B\n\tc ") == "A B c"
    assert normalize_text(None) == ""


def test_unknown_kinds_name_what_could_not_be_judged(fps):
    # A new image id without a fingerprint: diff says nothing, and says it does not know.
    before = snap(catalog(), offers())
    assert unknown_kinds(before, snap(catalog(image_id="61Unknown01"), offers()), fps) == {"main_image_changed"}
    assert unknown_kinds(before, snap(catalog(image_id="61BlueBag01"), offers()), fps) == set()
    assert unknown_kinds(snap(catalog(), offers()), snap(catalog(), None), fps) == set(OFFER_KINDS)
    assert unknown_kinds(snap(catalog(), offers()), snap(status="not_found"), fps) == set()
