"""Parser tests: recorded-shape SP-API answers (fixtures/spapi/) and the demo scenario."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

import watcher
from watcher.model import BrowseNode, Catalog, MainImage, Offer, Offers
from watcher.parse import catalog_problem, image_id_from_link, offers_problem, parse_catalog_item, parse_offers

JP = "A1VC38T7YXB528"
US = "ATVPDKIKX0DER"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "spapi"
SCENARIO = Path(watcher.__file__).resolve().parent / "demo_data" / "scenario"
SELLER = "A2DEMOSELLER01"
HIJACKER = "A3HIJACKER0001"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --- image ids ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "image_id"),
    [
        ("https://m.media-amazon.com/images/I/61kQ3vR8aHL._AC_SL1000_.jpg", "61kQ3vR8aHL"),
        ("https://m.media-amazon.com/images/I/61kQ3vR8aHL._SL75_.jpg", "61kQ3vR8aHL"),
        ("https://m.media-amazon.com/images/I/61kQ3vR8aHL.jpg", "61kQ3vR8aHL"),
        ("https://m.media-amazon.com/images/I/71Zp+4mWb2L._AC_SL1500_.jpg", "71Zp+4mWb2L"),
        ("https://images-na.ssl-images-amazon.com/images/I/41Xk2pQ9sZL._AC_UL320_.png", "41Xk2pQ9sZL"),
        ("https://m.media-amazon.com/images/I/61kQ3vR8aHL._AC_SL1000_.jpg?x=1", "61kQ3vR8aHL"),
        ("http://127.0.0.1:8123/images/I/51xT7cNqe9L._SL500_.jpg", "51xT7cNqe9L"),
        # Not an Amazon image path: the file name up to its first dot.
        ("https://example.com/pics/abcdef.v2.png", "abcdef"),
        ("61kQ3vR8aHL.jpg", "61kQ3vR8aHL"),
    ],
)
def test_image_id_from_link(link, image_id):
    assert image_id_from_link(link) == image_id


def test_all_sizes_of_one_picture_share_an_id():
    item = fixture("catalog_item_main_sizes.json")
    mains = [i for i in item["images"][0]["images"] if i["variant"] == "MAIN"]
    assert len(mains) == 4
    assert {image_id_from_link(i["link"]) for i in mains} == {"61q+7XyZbQL"}


# --- catalog items ------------------------------------------------------------------


def test_bare_item_gives_empty_catalog():
    assert parse_catalog_item({"asin": "B0FIXBARE1"}, JP) == Catalog()


def test_missing_blocks():
    cat = parse_catalog_item(fixture("catalog_item_missing_blocks.json"), JP)
    assert cat.title == "シリコン 鍋つかみ 2枚組"  # stripped
    assert cat.brand == "ノーブランド品"
    assert cat.item_classification == "BASE_PRODUCT"
    # No classification chains: the summary's browse node, with itself as the only path step.
    assert cat.browse_node == BrowseNode("3828871", "キッチン用品", ("キッチン用品",))
    assert cat.main_image is None
    assert cat.gallery_image_ids == ()
    assert cat.parent_asins == ()
    assert cat.variation_theme is None
    assert cat.product_type is None
    assert cat.sales_rank_ids == ()


def test_no_relationships_block_at_all():
    item = fixture("catalog_item_no_relationships.json")
    assert "relationships" not in item and "classifications" not in item
    cat = parse_catalog_item(item, JP)
    assert cat.title == "今治タオル フェイスタオル 5枚セット 綿100%"
    assert cat.brand == "今治タオル工房"  # from brandName
    assert cat.browse_node is None
    assert cat.parent_asins == ()
    assert cat.variation_theme is None
    assert cat.product_type == "TOWEL"
    assert cat.sales_rank_ids == ()
    assert cat.main_image == MainImage(
        link="https://m.media-amazon.com/images/I/41Xk2pQ9sZL.jpg", image_id="41Xk2pQ9sZL", width=375, height=500
    )


def test_largest_main_image_wins():
    cat = parse_catalog_item(fixture("catalog_item_main_sizes.json"), JP)
    assert cat.main_image == MainImage(
        link="https://m.media-amazon.com/images/I/61q+7XyZbQL.jpg", image_id="61q+7XyZbQL", width=1500, height=1125
    )


def test_largest_main_image_wins_in_any_order():
    item = fixture("catalog_item_main_sizes.json")
    for order in (slice(None), slice(None, None, -1)):
        item["images"][0]["images"] = item["images"][0]["images"][order]
        assert parse_catalog_item(item, JP).main_image.width == 1500


def test_gallery_sorted_by_variant_swatch_ignored():
    cat = parse_catalog_item(fixture("catalog_item_main_sizes.json"), JP)
    assert cat.gallery_image_ids == ("51aZ3cVb7nL", "71mK8rT2aBL")  # PT01, PT02; no SWCH


def test_browse_node_follows_summary_classification_id():
    item = fixture("catalog_item_main_sizes.json")
    cat = parse_catalog_item(item, JP)
    assert cat.browse_node == BrowseNode(
        "170040011", "ハンドクリーム", ("ビューティー", "カテゴリー別", "ボディケア", "ハンドケア", "ハンドクリーム")
    )
    # Point the summary at the second chain: that one is picked, not the first.
    item["summaries"][0]["browseClassification"] = {"displayName": "ギフトセット", "classificationId": "170564011"}
    assert parse_catalog_item(item, JP).browse_node == BrowseNode(
        "170564011", "ギフトセット", ("ビューティー", "ギフトセット")
    )


def test_browse_node_without_summary_takes_first_chain():
    item = fixture("catalog_item_main_sizes.json")
    del item["summaries"][0]["browseClassification"]
    assert parse_catalog_item(item, JP).browse_node.id == "170040011"


def test_browse_node_id_not_in_chains_falls_back_to_summary():
    item = fixture("catalog_item_main_sizes.json")
    item["summaries"][0]["browseClassification"] = {"displayName": "ネイルケア", "classificationId": "999"}
    assert parse_catalog_item(item, JP).browse_node == BrowseNode("999", "ネイルケア", ("ネイルケア",))


def test_only_variation_relationships_count():
    cat = parse_catalog_item(fixture("catalog_item_main_sizes.json"), JP)
    assert cat.parent_asins == ("B0FIXPAR01",)  # not the PACKAGE_HIERARCHY parent
    assert cat.variation_theme == "color/size"  # no `theme`: the attributes
    assert cat.product_type == "SKIN_MOISTURIZER"
    assert cat.sales_rank_ids == ("170040011", "beauty_display_on_website")


def test_two_marketplaces_ours_is_picked():
    item = fixture("catalog_item_two_marketplaces.json")
    cat = parse_catalog_item(item, JP)
    assert cat.title == "ホクト製作所 真空断熱タンブラー 600ml ステンレス"
    assert cat.brand == "ホクト製作所"
    assert cat.browse_node == BrowseNode("2424416051", "タンブラー", ("ホーム&キッチン", "食器・グラス・カトラリー", "タンブラー"))
    assert cat.product_type == "DRINKING_CUP"
    assert cat.main_image.image_id == "61JpTmBlrQL"
    assert (cat.main_image.width, cat.main_image.height) == (1200, 1200)
    assert cat.gallery_image_ids == ("51JpPt01xYL",)
    assert cat.parent_asins == ()  # the US parent is not ours
    assert cat.variation_theme is None
    assert cat.sales_rank_ids == ("2424416051", "kitchen_display_on_website")
    us = parse_catalog_item(item, US)
    assert us.title.startswith("Hokuto Stainless") and us.parent_asins == ("B0USPARENT",)
    assert us.main_image.image_id == "71UsAmErcL"


def test_variation_parent():
    cat = parse_catalog_item(fixture("catalog_item_variation_parent.json"), JP)
    assert cat.item_classification == "VARIATION_PARENT"
    assert cat.parent_asins == ()  # a parent has children, not parents
    assert cat.variation_theme == "SIZE_NAME/COLOR_NAME"
    assert cat.browse_node.path == ("ファッション", "バッグ・スーツケース", "トートバッグ")
    assert cat.main_image.image_id == "81Vn0gYc7tL"
    assert cat.sales_rank_ids == ()


def test_search_catalog_items_answer():
    answer = fixture("search_catalog_items.json")
    assert answer["numberOfResults"] == len(answer["items"]) == 3
    parsed = {item["asin"]: parse_catalog_item(item, JP) for item in answer["items"]}
    assert set(parsed) == {"B0FIXSRCH1", "B0FIXSRCH2", "B0FIXSRCH3"}  # B0FIXSRCH4 was asked, not answered
    assert parsed["B0FIXSRCH1"].main_image == MainImage(
        "https://m.media-amazon.com/images/I/51sR1aBcDeL.jpg", "51sR1aBcDeL", 1500, 1500
    )
    assert parsed["B0FIXSRCH3"].browse_node.path == ("文房具・オフィス用品", "ノート・紙製品", "ノート")
    assert parsed["B0FIXSRCH3"].product_type == "NOTEBOOK"
    assert all(c.parent_asins == () for c in parsed.values())


# --- offers -------------------------------------------------------------------------


def test_messy_offers_payload():
    offers = parse_offers(fixture("offers_messy.json")["payload"], SELLER)
    assert offers.total == 7  # "7", lower-camel "summary" / "totalOfferCount"
    assert offers.offers == (
        Offer("A1LOWERCASE01", "AFN", "new", buybox=False, mine=False),
        Offer("A2DEMOSELLER01", "AFN", "new", buybox=True, mine=True),
        Offer("A3NOFLAGS0001", "MFN", "new", buybox=False, mine=False),  # once: duplicate dropped
        Offer("AN1VRQENFRJN5", "AFN", "new", buybox=False, mine=False),
    )  # the two offers without a seller id are skipped
    assert offers.other_seller_ids(SELLER) == frozenset({"A1LOWERCASE01", "A3NOFLAGS0001"})
    assert offers.buybox_seller_ids() == frozenset({SELLER})


def test_my_offer_flag_or_seller_id():
    payload = fixture("offers_messy.json")["payload"]
    # MyOffer "true" marks the offer as mine without knowing the seller id ...
    assert [o.seller_id for o in parse_offers(payload).offers if o.mine] == [SELLER]
    # ... and a known seller id marks it even when MyOffer is missing.
    for raw in payload["offers"]:
        raw.pop("MyOffer", None)
        raw.pop("myOffer", None)
    assert [o.seller_id for o in parse_offers(payload).offers if o.mine] == []
    assert [o.seller_id for o in parse_offers(payload, SELLER).offers if o.mine] == [SELLER]


def test_false_strings_are_false():
    payload = {"Offers": [{"SellerId": "A1", "IsFulfilledByAmazon": "false", "IsBuyBoxWinner": "False", "MyOffer": "FALSE"}]}
    assert parse_offers(payload).offers == (Offer("A1", "MFN", "new", False, False),)


def test_empty_and_odd_payloads():
    assert parse_offers({}) == Offers((), None)
    assert parse_offers({"Offers": None, "Summary": None}) == Offers((), None)
    assert parse_offers({"Offers": ["x", None, 3], "Summary": {"TotalOfferCount": 0}}) == Offers((), 0)
    assert parse_offers({"Offers": [], "Summary": {"TotalOfferCount": "n/a"}}).total is None


def test_total_may_exceed_listed_offers():
    offers = parse_offers({"Summary": {"TotalOfferCount": 35}, "Offers": [{"SellerId": "A1", "IsFulfilledByAmazon": True}]})
    assert offers.total == 35 and len(offers.offers) == 1


def test_item_offers_batch_answer():
    answer = fixture("item_offers_batch.json")
    by_asin = {r["request"]["Asin"]: r for r in answer["responses"]}
    assert {a: r["status"]["statusCode"] for a, r in by_asin.items()} == {
        "B0FIXSRCH1": 200,
        "B0FIXSRCH2": 200,
        "B0FIXBAD01": 400,
        "B0FIXGONE1": 404,
    }
    first = parse_offers(by_asin["B0FIXSRCH1"]["body"]["payload"], SELLER)
    assert first.total == 3
    assert first.buybox_seller_ids() == frozenset({HIJACKER})
    assert first.other_seller_ids(SELLER) == frozenset({HIJACKER})  # Amazon retail does not count
    assert {o.seller_id: o.fulfillment for o in first.offers} == {
        HIJACKER: "MFN",
        SELLER: "AFN",
        "AN1VRQENFRJN5": "AFN",
    }
    assert parse_offers(by_asin["B0FIXSRCH2"]["body"]["payload"], SELLER) == Offers((), 0)
    for asin in ("B0FIXBAD01", "B0FIXGONE1"):
        body = by_asin[asin]["body"]
        assert "payload" not in body and body["errors"][0]["code"] in {"InvalidInput", "NotFound"}


def test_offers_do_not_depend_on_answer_order():
    """The same offers in another order must give equal content (no spurious version)."""
    a = {"SellerId": "A1", "IsFulfilledByAmazon": True, "IsBuyBoxWinner": True}
    b = {"SellerId": "A1", "IsFulfilledByAmazon": True, "IsBuyBoxWinner": False}
    assert parse_offers({"Offers": [a, b]}) == parse_offers({"Offers": [b, a]})


def test_other_marketplace_is_never_read_as_ours():
    item = {"summaries": [{"marketplaceId": "ATVPDKIKX0DER", "itemName": "US title"}]}
    assert parse_catalog_item(item, "A1VC38T7YXB528").title is None


def test_percent_encoded_plus_in_image_link():
    assert image_id_from_link("https://m.media-amazon.com/images/I/41%2Babc12L._SL500_.jpg") == "41+abc12L"


# --- the demo scenario ----------------------------------------------------------------


def night(n: int) -> dict:
    return json.loads((SCENARIO / "nights" / f"{n}.json").read_text(encoding="utf-8"))


def catalog(n: int, asin: str) -> Catalog:
    return parse_catalog_item(night(n)["catalog"][asin], JP)


def offers(n: int, asin: str) -> Offers:
    return parse_offers(night(n)["offers"][asin], SELLER)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def test_scenario_meta():
    meta = json.loads((SCENARIO / "scenario.json").read_text(encoding="utf-8"))
    assert meta["marketplace_id"] == JP
    assert meta["seller_id"] == SELLER
    assert [w["asin"] for w in meta["watch"]] == ["B0DEMO0001", "B0DEMO0002", "B0DEMO0003", "B0DEMO0004"]
    assert all(w["label"] for w in meta["watch"])
    assert sorted(p.name for p in (SCENARIO / "nights").iterdir()) == ["1.json", "2.json", "3.json", "4.json"]
    assert [night(n)["at"] for n in range(1, 5)] == [f"2026-11-0{d}T18:10:00+00:00" for d in range(1, 5)]
    # Written as UTF-8 text, not \u escapes.
    assert "ショルダーバッグ" in (SCENARIO / "nights" / "1.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_scenario_night_parses_and_images_exist(n):
    from PIL import Image

    data = night(n)
    for asin, item in data["catalog"].items():
        assert item["asin"] == asin
        cat = parse_catalog_item(item, JP)
        assert cat.title and cat.brand and cat.browse_node and cat.product_type
        assert len(cat.gallery_image_ids) == 2
        main = cat.main_image
        assert re.fullmatch(r"[0-9A-Za-z+]{11}", main.image_id)
        files = list((SCENARIO / "images").glob(f"{main.image_id}.*"))
        assert len(files) == 1, main.image_id
        with Image.open(files[0]) as im:
            assert im.format == "JPEG"
            assert im.size == (main.width, main.height)
    for asin, payload in data["offers"].items():
        assert payload["ASIN"] == asin and payload["status"] == "Success"
        parsed = parse_offers(payload, SELLER)
        assert parsed.total == len(parsed.offers) >= 1
        assert len(parsed.buybox_seller_ids()) == 1
        assert any(o.mine for o in parsed.offers)


def test_images_folder_small_and_all_used():
    files = list((SCENARIO / "images").iterdir())
    assert sum(f.stat().st_size for f in files) < 1_500_000
    used = {catalog(n, a).main_image.image_id for n in range(1, 5) for a in night(n)["catalog"]}
    assert {f.stem for f in files} == used


def test_scenario_bag_other_seller_and_recolor():
    base = catalog(1, "B0DEMO0001")
    assert offers(1, "B0DEMO0001").offers == (Offer(SELLER, "AFN", "new", buybox=True, mine=True),)
    hijacked = catalog(2, "B0DEMO0001")
    assert hijacked.main_image.image_id != base.main_image.image_id
    assert hijacked == Catalog(**{**base.__dict__, "main_image": hijacked.main_image})  # only the image
    assert offers(2, "B0DEMO0001").offers == (
        Offer(SELLER, "AFN", "new", buybox=False, mine=True),
        Offer(HIJACKER, "MFN", "new", buybox=True, mine=False),
    )
    assert catalog(3, "B0DEMO0001") == hijacked
    assert offers(3, "B0DEMO0001") == offers(2, "B0DEMO0001")
    assert catalog(4, "B0DEMO0001") == base
    assert offers(4, "B0DEMO0001") == offers(1, "B0DEMO0001")


def test_scenario_bag_images_same_photo_other_hue():
    import imagehash
    import numpy as np
    from PIL import Image

    def load(image_id):
        return Image.open(SCENARIO / "images" / f"{image_id}.jpg").convert("RGB")

    old = load(catalog(1, "B0DEMO0001").main_image.image_id)
    new = load(catalog(2, "B0DEMO0001").main_image.image_id)
    assert imagehash.phash(old) - imagehash.phash(new) <= 12  # same photo: the greyscale trap
    hsv_old = np.asarray(old.convert("HSV")).astype(float)
    hsv_new = np.asarray(new.convert("HSV")).astype(float)
    product = (hsv_old[..., 1] > 100) & (hsv_new[..., 1] > 100)
    assert product.mean() > 0.1
    shift = ((hsv_new[..., 0] - hsv_old[..., 0])[product] * 360 / 256) % 360
    assert 140 < np.median(shift) < 160
    # The white background stays white.
    white = np.asarray(old).min(axis=2) >= 250
    assert white.mean() > 0.3
    kept = np.asarray(new)[white].min(axis=1)
    assert np.percentile(kept, 0.5) >= 250 and kept.min() >= 230  # JPEG ringing at the edges only


def test_scenario_pen_parent_rewrite():
    base = catalog(1, "B0DEMO0002")
    assert base.browse_node.path == ("文房具・オフィス用品", "筆記具", "ボールペン")
    assert base.product_type == "WRITING_INSTRUMENT" and base.parent_asins == ()
    assert catalog(2, "B0DEMO0002") == base
    child = catalog(3, "B0DEMO0002")
    parent = catalog(3, "B0DEMOPAR1")
    assert child.parent_asins == ("B0DEMOPAR1",)
    assert child.variation_theme == "COLOR"
    assert child.browse_node.path == ("ファッション", "バッグ・スーツケース", "トートバッグ")
    assert child.product_type == "HANDBAG"
    assert child.title == parent.title != base.title
    assert "トートバッグ" in child.title
    assert child.main_image.image_id == parent.main_image.image_id != base.main_image.image_id
    assert child.browse_node == parent.browse_node
    assert child.brand == base.brand
    assert parent.item_classification == "VARIATION_PARENT"
    rels = night(3)["catalog"]["B0DEMOPAR1"]["relationships"][0]["relationships"]
    assert "B0DEMO0002" in rels[0]["childAsins"]
    assert "B0DEMOPAR1" not in night(2)["catalog"]
    assert catalog(4, "B0DEMO0002") == child
    assert catalog(4, "B0DEMOPAR1") == parent
    assert offers(3, "B0DEMO0002") == offers(1, "B0DEMO0002")  # a stealth rewrite: no new seller


def test_scenario_mug_benign_noise_only():
    import imagehash
    from PIL import Image

    base, noisy = catalog(1, "B0DEMO0003"), catalog(2, "B0DEMO0003")
    assert noisy.title != base.title and _norm(noisy.title) == _norm(base.title)
    assert noisy.browse_node.id == base.browse_node.id and noisy.browse_node.name != base.browse_node.name
    assert noisy.main_image.image_id != base.main_image.image_id
    assert (base.main_image.width, noisy.main_image.width) == (1500, 1200)
    assert noisy.sales_rank_ids == base.sales_rank_ids
    ranks = [night(n)["catalog"]["B0DEMO0003"]["salesRanks"][0]["classificationRanks"][0]["rank"] for n in (1, 2)]
    assert ranks[0] != ranks[1]
    for field in ("brand", "product_type", "item_classification", "gallery_image_ids", "parent_asins"):
        assert getattr(noisy, field) == getattr(base, field)
    old = Image.open(SCENARIO / "images" / f"{base.main_image.image_id}.jpg").convert("RGB").resize((256, 256))
    new = Image.open(SCENARIO / "images" / f"{noisy.main_image.image_id}.jpg").convert("RGB").resize((256, 256))
    assert imagehash.phash(old) - imagehash.phash(new) <= 2
    assert catalog(3, "B0DEMO0003") == catalog(4, "B0DEMO0003") == noisy


def test_scenario_card_case_fetch_fails_on_night_4():
    assert catalog(1, "B0DEMO0004") == catalog(2, "B0DEMO0004") == catalog(3, "B0DEMO0004")
    last = night(4)
    assert last["faults"] == {"B0DEMO0004": "500"}
    assert "B0DEMO0004" not in last["catalog"] and "B0DEMO0004" not in last["offers"]
    assert all(night(n)["faults"] == {} for n in (1, 2, 3))


def test_scenario_replays():
    from watcher.source.replay import ReplaySource, Scenario

    scenario = Scenario(SCENARIO)
    assert scenario.nights == [1, 2, 3, 4]
    asins = [w["asin"] for w in scenario.watch]
    statuses = {n: {o.snapshot.asin: o.snapshot.status for o in ReplaySource(scenario, n).observe(asins)} for n in (1, 4)}
    assert set(statuses[1].values()) == {"ok"}
    assert statuses[4]["B0DEMO0004"] == "fetch_failed"
    source = ReplaySource(scenario, 2)
    obs = next(source.observe(["B0DEMO0001"]))
    assert obs.snapshot.offers.other_seller_ids(SELLER) == frozenset({HIJACKER})
    assert source.fetch_image(obs.snapshot.catalog.main_image.link)[:2] == b"\xff\xd8"


# --- is this answer usable? -----------------------------------------------------------


def test_recorded_answers_are_usable():
    for item in fixture("search_catalog_items.json")["items"]:
        assert catalog_problem(item, item["asin"], JP) is None
    for name in ("catalog_item_missing_blocks.json", "catalog_item_no_relationships.json",
                 "catalog_item_two_marketplaces.json", "catalog_item_variation_parent.json"):
        item = fixture(name)
        assert catalog_problem(item, item["asin"].lower(), JP) is None
    assert offers_problem(fixture("offers_messy.json")["payload"], "B0FIXOFFER", JP) is None  # MarketplaceID, offers
    for entry in fixture("item_offers_batch.json")["responses"]:
        if "payload" in entry["body"]:
            assert offers_problem(entry["body"]["payload"], entry["request"]["Asin"], JP) is None


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ({"asin": "B0FIXBARE1"}, "answer has no summary for this marketplace"),
        ({"asin": "B0FIXBARE1", "summaries": [{"marketplaceId": US, "itemName": "x"}]},
         "answer has no summary for this marketplace"),
        ({"asin": "B0OTHER001", "summaries": [{"marketplaceId": JP, "itemName": "x"}]}, "answer is for ASIN B0OTHER001"),
        ({"asin": "<script>", "summaries": [{"marketplaceId": JP}]}, "answer is for ASIN ?"),
        (["B0FIXBARE1"], "answer is not a catalog item"),
    ],
)
def test_catalog_problem(item, problem):
    assert catalog_problem(item, "B0FIXBARE1", JP) == problem


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"status": "Success", "Offers": []}, None),
        ({"Offers": [{"SellerId": "A1"}]}, None),  # no status, but an Offers list
        ({"status": "NoBuyableOffers"}, None),
        ({"status": "nobuyableoffers", "Offers": []}, None),
        ({}, "payload has no Offers"),
        ({"status": "Success"}, "payload has no Offers"),
        ({"status": "ClientError", "Offers": []}, "payload status ClientError"),
        ({"status": "Success", "Offers": "none"}, "payload Offers is not a list"),
        ({"ASIN": "B0OTHER001", "Offers": []}, "payload is for ASIN B0OTHER001"),
        ({"Identifier": {"ASIN": "B0OTHER001"}, "Offers": []}, "payload is for ASIN B0OTHER001"),
        ({"asin": "b0fixoffer", "Offers": []}, None),
        ({"marketplaceId": US, "Offers": []}, f"payload is for marketplace {US}"),
        ({"Offers": [{"SellerId": ""}, {"IsBuyBoxWinner": True}]}, "no offer in the payload names its seller"),
        ({"Offers": [{"SellerId": ""}, {"SellerId": "A1"}]}, None),
        (None, "payload is not an object"),
    ],
)
def test_offers_problem(payload, problem):
    assert offers_problem(payload, "B0FIXOFFER", JP) == problem
