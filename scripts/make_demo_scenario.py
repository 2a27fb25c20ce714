#!/usr/bin/env python
"""Generate the demo scenario shipped in `watcher/demo_data/scenario/`.

Run once by developers (`python scripts/make_demo_scenario.py`); the output is committed.
Needs scikit-image and matplotlib for their sample photos (NOT runtime dependencies of
watcher): `pip install scikit-image matplotlib`.

The story `watcher demo` tells, four nights on amazon.co.jp (times in UTC, 03:10 JST):

- B0DEMO0001 red shoulder bag: night 2 another seller (A3HIJACKER0001, MFN) joins and
  takes the Buy Box, and the main image becomes the same photo in another colour (hue
  rotated 150 degrees, product pixels only) under a new image id. Night 3 the same.
  Night 4 everything is back to the baseline (original image id, hijacker gone).
- B0DEMO0002 ballpoint pen: night 3 a parent ASIN B0DEMOPAR1 (a tote bag) attaches it as
  a COLOR child; title, browse node, product type and main image become the parent's.
  Night 4 the same. Nobody else sells on the listing (a "stealth" rewrite).
- B0DEMO0003 stainless mug: benign noise only from night 2 on (title equal after NFKC and
  whitespace normalisation, same picture re-uploaded under a new id at another size and
  JPEG quality, browse node renamed under the same id, sales ranks moving).
- B0DEMO0004 card case: night 4 the fetch fails (injected 500 fault).

Everything is deterministic: no clocks, fixed seeds, same bytes on every run (for the same
Pillow / libjpeg build).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "watcher" / "demo_data" / "scenario"

MARKETPLACE = "A1VC38T7YXB528"
SELLER = "A2DEMOSELLER01"
HIJACKER = "A3HIJACKER0001"
NIGHT1 = datetime(2026, 11, 1, 18, 10, tzinfo=timezone.utc)  # 2026-11-02 03:10 JST
NIGHTS = 4
HIJACK_HUE_DEGREES = 150.0

# Main image ids (Amazon style: 11 characters, may contain '+').
IMG_BAG = "61kQ3vR8aHL"  # red shoulder bag, the registered picture
IMG_BAG_RECOLORED = "71Zp+4mWb2L"  # same photo, hue rotated 150 degrees (hijack)
IMG_PEN = "51xT7cNqe9L"  # ballpoint pen
IMG_TOTE = "81Vn0gYc7tL"  # parent B0DEMOPAR1's tote bag picture
IMG_MUG = "61Hd2uVy0sL"  # mug, 1500 px, q95
IMG_MUG_REUPLOAD = "71Rb6KjP3wL"  # same picture, 1200 px, q80
IMG_CARD = "61Wm9aEfz5L"  # card case


# --- source photos ------------------------------------------------------------------


def _skimage(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)())


def _present() -> Image.Image:
    """matplotlib's blue gift box on transparency, cropped to its alpha bounding box."""
    from matplotlib import cbook

    path = cbook.get_sample_data("Minduka_Present_Blue_Pack.png", asfileobj=False)
    with Image.open(path) as im:
        im = im.convert("RGBA")
        return im.crop(im.getchannel("A").getbbox())


def rotate_hue(rgba: Image.Image, degrees: float) -> Image.Image:
    """Rotate the hue of every visible pixel; alpha (so the white background) is untouched."""
    from skimage import color

    arr = np.asarray(rgba.convert("RGBA")).astype(np.float64) / 255.0
    hsv = color.rgb2hsv(arr[..., :3])
    visible = arr[..., 3] > 0
    hsv[..., 0] = np.where(visible, (hsv[..., 0] + degrees / 360.0) % 1.0, hsv[..., 0])
    rgb = color.hsv2rgb(hsv)
    out = np.concatenate([rgb, arr[..., 3:4]], axis=-1)
    return Image.fromarray(np.round(out * 255.0).clip(0, 255).astype(np.uint8), "RGBA")


def dominant_hue(rgba: Image.Image) -> float:
    """Median hue (degrees) of the saturated visible pixels."""
    from skimage import color

    arr = np.asarray(rgba.convert("RGBA")).astype(np.float64) / 255.0
    hsv = color.rgb2hsv(arr[..., :3])
    mask = (arr[..., 3] > 0.5) & (hsv[..., 1] > 0.4)
    return float(np.median(hsv[..., 0][mask]) * 360.0)


def on_white(product: Image.Image, size: int, fill: float = 0.85) -> Image.Image:
    """Amazon-style main image: the product centred on a white square, ~85% of the frame."""
    product = product.convert("RGBA")
    scale = fill * size / max(product.size)
    w, h = round(product.width * scale), round(product.height * scale)
    # Resize premultiplied so transparent pixels do not bleed a colour into the edges.
    scaled = product.convert("RGBa").resize((w, h), Image.Resampling.LANCZOS).convert("RGBA")
    canvas = Image.new("RGBA", (size, size), (255, 255, 255, 255))
    layer = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    layer.paste(scaled, ((size - w) // 2, (size - h) // 2))
    return Image.alpha_composite(canvas, layer).convert("RGB")


def jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def make_images() -> dict[str, bytes]:
    present = _present()
    # The registered bag is red: turn the blue box red (hue ~204 -> ~358 degrees).
    red = rotate_hue(present, (358.0 - dominant_hue(present)) % 360.0)
    recolored = rotate_hue(red, HIJACK_HUE_DEGREES)
    sharpen = ImageFilter.UnsharpMask(radius=2, percent=60, threshold=2)
    bag = on_white(red, 1000).filter(sharpen)
    bag_recolored = on_white(recolored, 1000).filter(sharpen)

    pen = on_white(_skimage("rocket").crop((255, 30, 385, 427)), 1000)
    tote = on_white(_skimage("astronaut"), 1000)
    card = on_white(_skimage("immunohistochemistry").crop((0, 96, 512, 416)), 1000)

    mug_1500 = on_white(_skimage("coffee").crop((30, 0, 500, 400)), 1500)
    mug_1200 = mug_1500.resize((1200, 1200), Image.Resampling.LANCZOS)

    return {
        IMG_BAG: jpeg(bag, 85),
        IMG_BAG_RECOLORED: jpeg(bag_recolored, 85),
        IMG_PEN: jpeg(pen, 85),
        IMG_TOTE: jpeg(tote, 85),
        IMG_CARD: jpeg(card, 85),
        IMG_MUG: jpeg(mug_1500, 95),
        IMG_MUG_REUPLOAD: jpeg(mug_1200, 80),
    }


# --- catalog items (Catalog Items 2022-04-01) ----------------------------------------


def gallery_id(tag: str) -> str:
    """A stable Amazon-looking image id for gallery pictures (no file is shipped for them)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(tag.encode()).digest()
    return "51" + "".join(alphabet[b % len(alphabet)] for b in digest[:8]) + "L"


def image_link(image_id: str, modifier: str) -> str:
    return f"https://m.media-amazon.com/images/I/{image_id}.{modifier}.jpg"


def images_block(main_id: str, main_size: int, gallery: list[str]) -> list[dict[str, Any]]:
    images = [
        {"variant": "MAIN", "link": image_link(main_id, f"_AC_SL{main_size}_"), "height": main_size, "width": main_size},
        {"variant": "MAIN", "link": image_link(main_id, "_SL500_"), "height": 500, "width": 500},
        {"variant": "MAIN", "link": image_link(main_id, "_SL75_"), "height": 75, "width": 75},
    ]
    for n, image_id in enumerate(gallery, start=1):
        images.append({"variant": f"PT{n:02d}", "link": image_link(image_id, "_AC_SL1000_"), "height": 1000, "width": 1000})
        images.append({"variant": f"PT{n:02d}", "link": image_link(image_id, "_SL75_"), "height": 75, "width": 75})
    return [{"marketplaceId": MARKETPLACE, "images": images}]


def classification_chain(path: list[tuple[str, str]]) -> dict[str, Any]:
    """[(id, name) root .. leaf] -> nested {displayName, classificationId, parent}."""
    node: dict[str, Any] | None = None
    for node_id, name in path:
        current: dict[str, Any] = {"displayName": name, "classificationId": node_id}
        if node is not None:
            current["parent"] = node
        node = current
    assert node is not None
    return node


# Browse node paths, root first.
NODE_SHOULDER_BAG = [("2229202051", "ファッション"), ("2221077051", "バッグ・スーツケース"), ("2221200051", "ショルダーバッグ")]
NODE_TOTE_BAG = [("2229202051", "ファッション"), ("2221077051", "バッグ・スーツケース"), ("2221202051", "トートバッグ")]
NODE_BALLPOINT = [("86731051", "文房具・オフィス用品"), ("89083051", "筆記具"), ("89088051", "ボールペン")]
NODE_MUG = [("3828871", "ホーム&キッチン"), ("2422738051", "食器・グラス・カトラリー"), ("2424413051", "マグカップ")]
NODE_MUG_RENAMED = NODE_MUG[:2] + [("2424413051", "マグカップ・タンブラー")]
NODE_CARD_CASE = [("2229202051", "ファッション"), ("2221164051", "財布・ファッション小物"), ("2221178051", "名刺入れ")]

DISPLAY_GROUPS = {
    "2229202051": ("shoes_display_on_website", "ファッション", "shoes"),
    "86731051": ("office_product_display_on_website", "文房具・オフィス用品", "office-products"),
    "3828871": ("kitchen_display_on_website", "ホーム&キッチン", "kitchen"),
}


def sales_ranks(path: list[tuple[str, str]], leaf_rank: int, group_rank: int) -> list[dict[str, Any]]:
    group, group_title, slug = DISPLAY_GROUPS[path[0][0]]
    leaf_id, leaf_name = path[-1]
    return [
        {
            "marketplaceId": MARKETPLACE,
            "classificationRanks": [
                {
                    "classificationId": leaf_id,
                    "title": leaf_name,
                    "link": f"https://www.amazon.co.jp/gp/bestsellers/{slug}/{leaf_id}",
                    "rank": leaf_rank,
                }
            ],
            "displayGroupRanks": [
                {
                    "websiteDisplayGroup": group,
                    "title": group_title,
                    "link": f"https://www.amazon.co.jp/gp/bestsellers/{slug}",
                    "rank": group_rank,
                }
            ],
        }
    ]


def catalog_item(
    asin: str,
    *,
    title: str,
    brand: str,
    manufacturer: str,
    model: str,
    color: str,
    node: list[tuple[str, str]],
    product_type: str,
    main_id: str,
    main_size: int,
    gallery: list[str],
    ranks: tuple[int, int],
    classification: str = "BASE_PRODUCT",
    parents: list[str] | None = None,
    children: list[str] | None = None,
    theme: str | None = None,
    jan: str | None = None,
) -> dict[str, Any]:
    group, group_title, _ = DISPLAY_GROUPS[node[0][0]]
    leaf_id, leaf_name = node[-1]
    summary: dict[str, Any] = {
        "marketplaceId": MARKETPLACE,
        "adultProduct": False,
        "autographed": False,
        "brand": brand,
        "browseClassification": {"displayName": leaf_name, "classificationId": leaf_id},
        "color": color,
        "itemClassification": classification,
        "itemName": title,
        "manufacturer": manufacturer,
        "memorabilia": False,
        "modelNumber": model,
        "packageQuantity": 1,
        "partNumber": model,
        "tradeInProduct": False,
        "websiteDisplayGroup": group,
        "websiteDisplayGroupName": group_title,
    }
    relationships: list[dict[str, Any]] = []
    variation_theme = {"attributes": ["color"], "theme": theme} if theme else None
    if parents:
        rel: dict[str, Any] = {"type": "VARIATION", "parentAsins": parents}
        if variation_theme:
            rel["variationTheme"] = variation_theme
        relationships.append(rel)
    if children:
        rel = {"type": "VARIATION", "childAsins": children}
        if variation_theme:
            rel["variationTheme"] = variation_theme
        relationships.append(rel)
    item: dict[str, Any] = {
        "asin": asin,
        "classifications": [{"marketplaceId": MARKETPLACE, "classifications": [classification_chain(node)]}],
        "identifiers": [
            {
                "marketplaceId": MARKETPLACE,
                "identifiers": [{"identifierType": "EAN", "identifier": jan}] if jan else [],
            }
        ],
        "images": images_block(main_id, main_size, gallery),
        "productTypes": [{"marketplaceId": MARKETPLACE, "productType": product_type}],
        "relationships": [{"marketplaceId": MARKETPLACE, "relationships": relationships}],
        "salesRanks": sales_ranks(node, *ranks),
        "summaries": [summary],
    }
    return item


def jan_code(body12: str) -> str:
    """A JAN/EAN-13 with a correct check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


TOTE_TITLE = "【2026新作】大容量 トートバッグ メンズ レディース A4 撥水 通勤 通学 肩掛け"
TOTE_GALLERY = [gallery_id("tote-pt01"), gallery_id("tote-pt02")]
PARENT = "B0DEMOPAR1"
PARENT_CHILDREN = ["B0DEMO0002", "B0DEMOCH01", "B0DEMOCH02"]


def ranks_for(asin: str, night: int, base: tuple[int, int], spread: float = 0.25) -> tuple[int, int]:
    """Sales ranks that wander from night to night (benign noise), deterministically."""
    rng = random.Random(f"{asin}/{night}")
    leaf = max(1, round(base[0] * (1 + rng.uniform(-spread, spread))))
    group = max(1, round(base[1] * (1 + rng.uniform(-spread, spread))))
    return leaf, group


def bag_item(night: int) -> dict[str, Any]:
    hijacked = night in (2, 3)
    return catalog_item(
        "B0DEMO0001",
        title="[ミナト革工房] 本革 ショルダーバッグ レディース 赤 斜めがけ 小さめ 牛革 日本製",
        brand="ミナト革工房",
        manufacturer="ミナト革工房",
        model="MK-SB01-RD",
        color="レッド",
        node=NODE_SHOULDER_BAG,
        product_type="HANDBAG",
        main_id=IMG_BAG_RECOLORED if hijacked else IMG_BAG,
        main_size=1000,
        gallery=[gallery_id("bag-pt01"), gallery_id("bag-pt02")],
        ranks=ranks_for("B0DEMO0001", night, (412, 18350)),
        jan=jan_code("458000000101"),
    )


def pen_item(night: int) -> dict[str, Any]:
    common = dict(
        brand="サクラダ文具",
        manufacturer="サクラダ文具株式会社",
        model="SD-GB05-10BK",
        color="黒",
        main_size=1000,
        gallery=[gallery_id("pen-pt01"), gallery_id("pen-pt02")],
        jan=jan_code("458000000202"),
    )
    if night >= 3:  # attached to B0DEMOPAR1: the parent's data overwrites the child
        return catalog_item(
            "B0DEMO0002",
            title=TOTE_TITLE,
            node=NODE_TOTE_BAG,
            product_type="HANDBAG",
            main_id=IMG_TOTE,
            ranks=ranks_for("B0DEMO0002", night, (2950, 96400)),
            parents=[PARENT],
            theme="COLOR",
            **common,  # type: ignore[arg-type]
        )
    return catalog_item(
        "B0DEMO0002",
        title="サクラダ文具 ゲルインク ボールペン 0.5mm 黒 10本セット",
        node=NODE_BALLPOINT,
        product_type="WRITING_INSTRUMENT",
        main_id=IMG_PEN,
        ranks=ranks_for("B0DEMO0002", night, (58, 1240)),
        **common,  # type: ignore[arg-type]
    )


def parent_item(night: int) -> dict[str, Any]:
    return catalog_item(
        PARENT,
        title=TOTE_TITLE,
        brand="URBAN CARRY",
        manufacturer="URBAN CARRY",
        model="UC-TOTE-26",
        color="ブラック",
        node=NODE_TOTE_BAG,
        product_type="HANDBAG",
        main_id=IMG_TOTE,
        main_size=1000,
        gallery=TOTE_GALLERY,
        ranks=ranks_for(PARENT, night, (2950, 96400)),
        classification="VARIATION_PARENT",
        children=PARENT_CHILDREN,
        theme="COLOR",
    )


def mug_item(night: int) -> dict[str, Any]:
    noisy = night >= 2
    # Night 2 on: full-width digits and an ideographic space plus a double space. Equal to
    # the original after NFKC and whitespace collapsing.
    title = (
        "ステンレス マグカップ　３５０ml  保温 保冷 真空断熱 蓋付き"
        if noisy
        else "ステンレス マグカップ 350ml 保温 保冷 真空断熱 蓋付き"
    )
    return catalog_item(
        "B0DEMO0003",
        title=title,
        brand="ホクト製作所",
        manufacturer="ホクト製作所",
        model="HK-MG350-SV",
        color="シルバー",
        node=NODE_MUG_RENAMED if noisy else NODE_MUG,
        product_type="DRINKING_CUP",
        main_id=IMG_MUG_REUPLOAD if noisy else IMG_MUG,
        main_size=1200 if noisy else 1500,
        gallery=[gallery_id("mug-pt01"), gallery_id("mug-pt02")],
        ranks=ranks_for("B0DEMO0003", night, (120, 4300), spread=0.4),
        jan=jan_code("458000000303"),
    )


def card_item(night: int) -> dict[str, Any]:
    return catalog_item(
        "B0DEMO0004",
        title="本革 名刺入れ メンズ ブラウン 大容量 50枚 ビジネス ギフト箱付き",
        brand="ミナト革工房",
        manufacturer="ミナト革工房",
        model="MK-CC02-BR",
        color="ブラウン",
        node=NODE_CARD_CASE,
        product_type="WALLET",
        main_id=IMG_CARD,
        main_size=1000,
        gallery=[gallery_id("card-pt01"), gallery_id("card-pt02")],
        ranks=ranks_for("B0DEMO0004", night, (870, 25100)),
        jan=jan_code("458000000404"),
    )


# --- offers (Product Pricing v0 getItemOffers payload) -------------------------------


def yen(amount: float) -> dict[str, Any]:
    return {"CurrencyCode": "JPY", "Amount": float(amount)}


def offer(
    seller: str,
    *,
    price: int,
    fba: bool,
    buybox: bool,
    mine: bool,
    shipping: int = 0,
    feedback: tuple[float, int] = (98.0, 1532),
) -> dict[str, Any]:
    points = price // 100
    return {
        "MyOffer": mine,
        "SubCondition": "new",
        "SellerFeedbackRating": {"SellerPositiveFeedbackRating": feedback[0], "FeedbackCount": feedback[1]},
        "ShippingTime": (
            {"minimumHours": 0, "maximumHours": 0, "availabilityType": "NOW"}
            if fba
            else {"minimumHours": 48, "maximumHours": 72, "availabilityType": "NOW"}
        ),
        "ListingPrice": yen(price),
        "Points": {"PointsNumber": points, "PointsMonetaryValue": yen(points)},
        "Shipping": yen(shipping),
        "ShipsFrom": {"Country": "JP"} if fba else {"State": "大阪府", "Country": "JP"},
        "IsFulfilledByAmazon": fba,
        "PrimeInformation": {"IsPrime": fba, "IsNationalPrime": fba},
        "IsBuyBoxWinner": buybox,
        "IsFeaturedMerchant": True,
        "SellerId": seller,
    }


def _price_block(o: dict[str, Any], with_channel: bool) -> dict[str, Any]:
    price, shipping = o["ListingPrice"]["Amount"], o["Shipping"]["Amount"]
    block: dict[str, Any] = {"condition": "new"}
    if with_channel:
        block["fulfillmentChannel"] = "Amazon" if o["IsFulfilledByAmazon"] else "Merchant"
    block.update(
        LandedPrice=yen(price + shipping),
        ListingPrice=yen(price),
        Shipping=yen(shipping),
        Points=o["Points"],
    )
    return block


def offers_payload(asin: str, offers: list[dict[str, Any]], rank: tuple[str, int], at: datetime) -> dict[str, Any]:
    counts: dict[str, int] = {}
    cheapest: dict[str, dict[str, Any]] = {}
    for o in offers:
        channel = "Amazon" if o["IsFulfilledByAmazon"] else "Merchant"
        counts[channel] = counts.get(channel, 0) + 1
        landed = o["ListingPrice"]["Amount"] + o["Shipping"]["Amount"]
        best = cheapest.get(channel)
        if best is None or landed < best["ListingPrice"]["Amount"] + best["Shipping"]["Amount"]:
            cheapest[channel] = o
    number = [{"condition": "new", "fulfillmentChannel": c, "OfferCount": n} for c, n in sorted(counts.items())]
    winner = next((o for o in offers if o["IsBuyBoxWinner"]), None)
    summary: dict[str, Any] = {
        "TotalOfferCount": len(offers),
        "NumberOfOffers": number,
        "LowestPrices": [_price_block(o, True) for _, o in sorted(cheapest.items())],
        "BuyBoxPrices": [_price_block(winner, False)] if winner else [],
        "BuyBoxEligibleOffers": number,
        "SalesRankings": [{"ProductCategoryId": rank[0], "Rank": rank[1]}],
        "OffersAvailableTime": (at - timedelta(minutes=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    # Amazon lists offers cheapest first (landed price).
    ordered = sorted(offers, key=lambda o: o["ListingPrice"]["Amount"] + o["Shipping"]["Amount"])
    return {
        "ASIN": asin,
        "status": "Success",
        "ItemCondition": "New",
        "marketplaceId": MARKETPLACE,
        "Identifier": {"MarketplaceId": MARKETPLACE, "ItemCondition": "New", "ASIN": asin},
        "Summary": summary,
        "Offers": ordered,
    }


def _group_rank(item: dict[str, Any]) -> tuple[str, int]:
    group = item["salesRanks"][0]["displayGroupRanks"][0]
    return group["websiteDisplayGroup"], group["rank"]


def night_offers(night: int, at: datetime, catalog: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    hijacked = night in (2, 3)
    bag = [offer(SELLER, price=12800, fba=True, buybox=not hijacked, mine=True)]
    if hijacked:
        bag.append(
            offer(HIJACKER, price=8980, fba=False, buybox=True, mine=False, shipping=0, feedback=(81.0, 37))
        )
    out["B0DEMO0001"] = offers_payload("B0DEMO0001", bag, _group_rank(catalog["B0DEMO0001"]), at)
    out["B0DEMO0002"] = offers_payload(
        "B0DEMO0002",
        [offer(SELLER, price=980, fba=True, buybox=True, mine=True)],
        _group_rank(catalog["B0DEMO0002"]),
        at,
    )
    mug_price = [2480, 2380, 2480, 2280][night - 1]  # price moves are not catalog changes
    out["B0DEMO0003"] = offers_payload(
        "B0DEMO0003",
        [offer(SELLER, price=mug_price, fba=True, buybox=True, mine=True)],
        _group_rank(catalog["B0DEMO0003"]),
        at,
    )
    if "B0DEMO0004" in catalog:
        out["B0DEMO0004"] = offers_payload(
            "B0DEMO0004",
            [offer(SELLER, price=3980, fba=True, buybox=True, mine=True)],
            _group_rank(catalog["B0DEMO0004"]),
            at,
        )
    return out


# --- scenario -------------------------------------------------------------------------

WATCH = [
    {"asin": "B0DEMO0001", "label": "本革 ショルダーバッグ レディース 赤"},
    {"asin": "B0DEMO0002", "label": "ゲルインク ボールペン 0.5mm 黒 10本セット"},
    {"asin": "B0DEMO0003", "label": "ステンレス マグカップ 350ml 保温 保冷"},
    {"asin": "B0DEMO0004", "label": "本革 名刺入れ メンズ ブラウン"},
]


def make_night(night: int) -> dict[str, Any]:
    at = NIGHT1 + timedelta(days=night - 1)
    catalog: dict[str, Any] = {
        "B0DEMO0001": bag_item(night),
        "B0DEMO0002": pen_item(night),
        "B0DEMO0003": mug_item(night),
    }
    faults: dict[str, str] = {}
    if night == 4:
        faults["B0DEMO0004"] = "500"
    else:
        catalog["B0DEMO0004"] = card_item(night)
    if night >= 3:
        catalog[PARENT] = parent_item(night)
    return {
        "at": at.isoformat(),
        "catalog": catalog,
        "offers": night_offers(night, at, catalog),
        "faults": faults,
    }


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    (OUT / "nights").mkdir(parents=True)
    (OUT / "images").mkdir()
    write_json(
        OUT / "scenario.json",
        {
            "name": "demo",
            "description": "相乗り出品者による画像の色替え、親ASIN付け替えによるカタログ乗っ取り、無害な表記揺れ、取得失敗の4夜",
            "marketplace_id": MARKETPLACE,
            "seller_id": SELLER,
            "watch": WATCH,
        },
    )
    referenced: set[str] = set()
    for night in range(1, NIGHTS + 1):
        data = make_night(night)
        write_json(OUT / "nights" / f"{night}.json", data)
        for item in data["catalog"].values():
            for image in item["images"][0]["images"]:
                if image["variant"] == "MAIN":
                    referenced.add(image["link"].rsplit("/", 1)[1].split(".", 1)[0])
    images = make_images()
    missing = referenced - images.keys()
    if missing:
        raise SystemExit(f"main images without a file: {sorted(missing)}")
    total = 0
    for image_id, data in sorted(images.items()):
        (OUT / "images" / f"{image_id}.jpg").write_bytes(data)
        total += len(data)
        print(f"images/{image_id}.jpg  {len(data) / 1024:7.1f} KiB")
    print(f"{len(images)} images, {total / 1024:.1f} KiB; scenario written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
