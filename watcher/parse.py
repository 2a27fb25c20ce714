"""SP-API answers -> `Catalog` / `Offers`.

Pure functions over the JSON shapes of Catalog Items 2022-04-01 (an `item` as returned by
getCatalogItem or inside searchCatalogItems' `items`) and Product Pricing v0 (the
`payload` of getItemOffers, also found in each getItemOffersBatch response body).
Real answers omit blocks and vary in casing, so every lookup is defensive.

Parsing never fails, so an answer that is not what it should be (another ASIN's item, a
payload with status ClientError, an empty shell) would parse into empty fields, and an
empty title or offer list reads as "title changed" or "seller left". `catalog_problem`
and `offers_problem` say why such an answer cannot be used; the source then records a
failed fetch instead.
"""

from __future__ import annotations

import re
from urllib.parse import unquote
from typing import Any, Iterable

from .model import BrowseNode, Catalog, MainImage, Offer, Offers

_IMAGE_ID = re.compile(r"/images/[A-Z]/([^/.]+)")
_GALLERY_VARIANT = re.compile(r"^PT\d\d$")
_WORD = re.compile(r"^[A-Za-z0-9_]{1,40}$")  # server text allowed into our messages
# Payload statuses that are answers: "NoBuyableOffers" is Amazon's "nobody sells this new".
_OFFERS_ANSWERED = {"success", "nobuyableoffers"}


def image_id_from_link(link: str) -> str:
    """`https://m.media-amazon.com/images/I/61AbC+dE.._SL1500_.jpg` -> `61AbC+dE`.

    The id is the file name up to its first dot; size modifiers come after it.
    """
    link = unquote(link)  # "41%2Babc" and "41+abc" are the same image
    match = _IMAGE_ID.search(link)
    if match:
        return match.group(1)
    tail = link.rstrip("/").rsplit("/", 1)[-1]
    return tail.split(".", 1)[0] or link


def _for_marketplace(entries: Any, marketplace_id: str) -> dict[str, Any]:
    """Each dataset is a list with one entry per marketplace: pick ours.

    An entry without a marketplaceId is taken as ours; another marketplace's never is
    (a US title must not be read as the Japanese one).
    """
    if not isinstance(entries, list):
        return {}
    for entry in entries:
        if isinstance(entry, dict) and entry.get("marketplaceId") == marketplace_id:
            return entry
    for entry in entries:
        if isinstance(entry, dict) and "marketplaceId" not in entry:
            return entry
    return {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _chain(node: dict[str, Any]) -> tuple[str, ...]:
    """Display names from the root down to `node`, following nested `parent` links."""
    names: list[str] = []
    seen = 0
    while isinstance(node, dict) and seen < 50:
        name = _text(node.get("displayName"))
        if name:
            names.append(name)
        node = node.get("parent")  # type: ignore[assignment]
        seen += 1
    return tuple(reversed(names))


def _browse_node(summary: dict[str, Any], classifications: dict[str, Any]) -> BrowseNode | None:
    chains = [c for c in classifications.get("classifications") or [] if isinstance(c, dict)]
    main = summary.get("browseClassification") or {}
    node_id = _text(main.get("classificationId"))
    chosen = next((c for c in chains if _text(c.get("classificationId")) == node_id), None)
    if chosen is None and node_id is None and chains:
        chosen = chains[0]
    if chosen is not None:
        return BrowseNode(
            id=str(chosen.get("classificationId")),
            name=_text(chosen.get("displayName")) or "",
            path=_chain(chosen),
        )
    if node_id is None:
        return None
    name = _text(main.get("displayName")) or ""
    return BrowseNode(id=node_id, name=name, path=(name,) if name else ())


def _images(entry: dict[str, Any]) -> tuple[MainImage | None, tuple[str, ...]]:
    images = [i for i in entry.get("images") or [] if isinstance(i, dict) and i.get("link")]
    mains = [i for i in images if str(i.get("variant", "")).upper() == "MAIN"]
    main = None
    if mains:
        # Several MAIN entries are the same picture at different sizes: keep the largest.
        best = max(mains, key=lambda i: (_int(i.get("width")) or 0) * (_int(i.get("height")) or 0))
        main = MainImage(
            link=str(best["link"]),
            image_id=image_id_from_link(str(best["link"])),
            width=_int(best.get("width")),
            height=_int(best.get("height")),
        )
    gallery: dict[str, str] = {}
    for image in images:
        variant = str(image.get("variant", "")).upper()
        if _GALLERY_VARIANT.match(variant):
            gallery.setdefault(variant, image_id_from_link(str(image["link"])))
    return main, tuple(gallery[v] for v in sorted(gallery))


def _relationships(entry: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    parents: list[str] = []
    theme: str | None = None
    for rel in entry.get("relationships") or []:
        if not isinstance(rel, dict) or str(rel.get("type", "")).upper() != "VARIATION":
            continue
        for parent in rel.get("parentAsins") or []:
            if parent and str(parent).upper() not in parents:
                parents.append(str(parent).upper())
        vt = rel.get("variationTheme") or {}
        theme = theme or _text(vt.get("theme")) or (
            "/".join(vt.get("attributes") or []) or None
        )
    return tuple(sorted(parents)), theme


def _sales_rank_ids(entry: dict[str, Any]) -> tuple[str, ...]:
    ids = {
        str(r["classificationId"])
        for r in entry.get("classificationRanks") or []
        if isinstance(r, dict) and r.get("classificationId")
    }
    ids |= {
        str(r["websiteDisplayGroup"])
        for r in entry.get("displayGroupRanks") or []
        if isinstance(r, dict) and r.get("websiteDisplayGroup")
    }
    return tuple(sorted(ids))


def parse_catalog_item(item: dict[str, Any], marketplace_id: str) -> Catalog:
    """A Catalog Items 2022-04-01 `item` -> `Catalog`. Missing blocks give empty fields."""
    summary = _for_marketplace(item.get("summaries"), marketplace_id)
    main_image, gallery = _images(_for_marketplace(item.get("images"), marketplace_id))
    parents, theme = _relationships(_for_marketplace(item.get("relationships"), marketplace_id))
    product_type = _text(_for_marketplace(item.get("productTypes"), marketplace_id).get("productType"))
    return Catalog(
        title=_text(summary.get("itemName")),
        brand=_text(summary.get("brand") or summary.get("brandName")),
        browse_node=_browse_node(summary, _for_marketplace(item.get("classifications"), marketplace_id)),
        product_type=product_type,
        item_classification=_text(summary.get("itemClassification")),
        main_image=main_image,
        gallery_image_ids=gallery,
        parent_asins=parents,
        variation_theme=theme,
        sales_rank_ids=_sales_rank_ids(_for_marketplace(item.get("salesRanks"), marketplace_id)),
    )


def _get(d: dict[str, Any], *names: str) -> Any:
    """First present key among `names`, ignoring case: real answers vary in casing."""
    for name in names:
        if name in d:
            return d[name]
    lowered = {k.lower(): v for k, v in d.items()}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def parse_offers(payload: dict[str, Any], my_seller_id: str | None = None) -> Offers:
    """A getItemOffers `payload` -> `Offers`. Offers without a seller id are skipped."""
    offers: list[Offer] = []
    for raw in _get(payload, "Offers") or []:
        if not isinstance(raw, dict):
            continue
        seller = _text(_get(raw, "SellerId"))
        if not seller:
            continue
        sub = _text(_get(raw, "SubCondition")) or "new"
        offers.append(
            Offer(
                seller_id=seller,
                fulfillment="AFN" if _flag(_get(raw, "IsFulfilledByAmazon")) else "MFN",
                condition=sub.lower(),
                buybox=_flag(_get(raw, "IsBuyBoxWinner")),
                mine=_flag(_get(raw, "MyOffer")) or (my_seller_id is not None and seller == my_seller_id),
            )
        )
    summary = _get(payload, "Summary") or {}
    total = _int(_get(summary, "TotalOfferCount")) if isinstance(summary, dict) else None
    # A full sort key: the same offers in another answer order must give equal content.
    offers.sort(key=lambda o: (o.seller_id, o.fulfillment, o.condition, o.buybox, o.mine))
    return Offers(offers=tuple(_dedupe(offers)), total=total)


def _dedupe(offers: Iterable[Offer]) -> list[Offer]:
    seen: set[Offer] = set()
    out = []
    for offer in offers:
        if offer not in seen:
            seen.add(offer)
            out.append(offer)
    return out


# --- is this answer usable? ----------------------------------------------------------


def _word(value: Any) -> str:
    """`value` if it is a plain word; server text could echo anything, even what we sent."""
    text = str(value or "")
    return text if _WORD.match(text) else "?"


def catalog_problem(item: Any, asin: str, marketplace_id: str) -> str | None:
    """Why `item` cannot stand for `asin` in our marketplace, or None when it can.

    The summary carries title, brand and browse node: an item without one for our
    marketplace is a half answer, and another ASIN's item (a merged ASIN) is not ours.
    """
    if not isinstance(item, dict):
        return "answer is not a catalog item"
    named = _text(item.get("asin"))
    if named and named.upper() != asin.upper():
        return f"answer is for ASIN {_word(named)}"
    if not _for_marketplace(item.get("summaries"), marketplace_id):
        return "answer has no summary for this marketplace"
    return None


def offers_problem(payload: Any, asin: str, marketplace_id: str) -> str | None:
    """Why a getItemOffers `payload` cannot stand for `asin`'s offers, or None when it can.

    Only "Success" and "NoBuyableOffers" are answers; a missing status is tolerated when
    the payload carries its `Offers` list. An offer list in which no offer names its
    seller would parse as "every seller left".
    """
    if not isinstance(payload, dict):
        return "payload is not an object"
    status = _text(_get(payload, "status"))
    if status is not None and status.lower() not in _OFFERS_ANSWERED:
        return f"payload status {_word(status)}"
    identifier = _get(payload, "Identifier")
    named = _text(_get(payload, "ASIN")) or (
        _text(_get(identifier, "ASIN")) if isinstance(identifier, dict) else None
    )
    if named and named.upper() != asin.upper():
        return f"payload is for ASIN {_word(named)}"
    market = _text(_get(payload, "marketplaceId"))
    if market and market != marketplace_id:
        return f"payload is for marketplace {_word(market)}"
    offers = _get(payload, "Offers")
    if offers is None:
        return None if status is not None and status.lower() == "nobuyableoffers" else "payload has no Offers"
    if not isinstance(offers, list):
        return "payload Offers is not a list"
    if offers and not any(isinstance(o, dict) and _text(_get(o, "SellerId")) for o in offers):
        return "no offer in the payload names its seller"
    return None
