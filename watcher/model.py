"""Plain data that crosses stage boundaries.

A `Snapshot` is what one ASIN's listing showed at one observation. It is split in two
parts that are versioned separately in the store: the catalog part (title, images,
browse node, ...) and the offers part (who sells on the listing). They come from two
different API operations that fail independently, and a failed offers call must never
look like "every other seller left".
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["ok", "not_found", "fetch_failed"]

JAPAN = "A1VC38T7YXB528"
# Amazon's own retail offer on amazon.co.jp; never counted as "another seller".
AMAZON_SELLER_IDS = frozenset({"AN1VRQENFRJN5"})


@dataclass(frozen=True)
class BrowseNode:
    id: str
    name: str
    path: tuple[str, ...] = ()  # display names from the root down to this node


@dataclass(frozen=True)
class MainImage:
    link: str
    image_id: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Offer:
    seller_id: str
    fulfillment: Literal["AFN", "MFN"]
    condition: str = "new"
    buybox: bool = False
    mine: bool = False


@dataclass(frozen=True)
class Catalog:
    """The catalog part of a listing: what shoppers see on the product page."""

    title: str | None = None
    brand: str | None = None
    browse_node: BrowseNode | None = None
    product_type: str | None = None
    item_classification: str | None = None
    main_image: MainImage | None = None
    gallery_image_ids: tuple[str, ...] = ()
    parent_asins: tuple[str, ...] = ()
    variation_theme: str | None = None
    sales_rank_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Offers:
    """The offers part: who sells on the listing. `total` may exceed len(offers) (max 20)."""

    offers: tuple[Offer, ...] = ()
    total: int | None = None

    def seller_ids(self) -> frozenset[str]:
        return frozenset(o.seller_id for o in self.offers)

    def other_seller_ids(self, my_seller_id: str | None = None) -> frozenset[str]:
        """Sellers that are neither me nor Amazon retail."""
        return frozenset(
            o.seller_id
            for o in self.offers
            if not o.mine and o.seller_id != my_seller_id and o.seller_id not in AMAZON_SELLER_IDS
        )

    def buybox_seller_ids(self) -> frozenset[str]:
        return frozenset(o.seller_id for o in self.offers if o.buybox)


@dataclass(frozen=True)
class Snapshot:
    """One ASIN as observed once.

    `catalog` is None unless `status == "ok"`. `offers` is None when the offers call
    failed or was not made: unknown, which is not the same as "nobody sells".
    """

    asin: str
    status: Status
    catalog: Catalog | None = None
    offers: Offers | None = None
    error: str | None = None


@dataclass(frozen=True)
class Observation:
    """A snapshot plus the raw API answers behind it, as the source produced them."""

    snapshot: Snapshot
    raw_catalog: dict[str, Any] | None = None
    raw_offers: dict[str, Any] | None = None
    offers_error: str | None = None


# --- serialisation -------------------------------------------------------------------
# Dataclasses go to the database as canonical JSON so that equal content always gives
# equal text (and so an equal hash): sorted keys, no whitespace, tuples as lists.


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(to_jsonable(v) for v in value)
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def catalog_from_json(data: dict[str, Any]) -> Catalog:
    node = data.get("browse_node")
    image = data.get("main_image")
    return Catalog(
        title=data.get("title"),
        brand=data.get("brand"),
        browse_node=BrowseNode(node["id"], node["name"], tuple(node.get("path") or ())) if node else None,
        product_type=data.get("product_type"),
        item_classification=data.get("item_classification"),
        main_image=MainImage(**image) if image else None,
        gallery_image_ids=tuple(data.get("gallery_image_ids") or ()),
        parent_asins=tuple(data.get("parent_asins") or ()),
        variation_theme=data.get("variation_theme"),
        sales_rank_ids=tuple(data.get("sales_rank_ids") or ()),
    )


def offers_from_json(data: dict[str, Any]) -> Offers:
    return Offers(
        offers=tuple(Offer(**o) for o in data.get("offers") or ()),
        total=data.get("total"),
    )


__all__ = [
    "AMAZON_SELLER_IDS",
    "JAPAN",
    "BrowseNode",
    "Catalog",
    "MainImage",
    "Observation",
    "Offer",
    "Offers",
    "Snapshot",
    "Status",
    "canonical_json",
    "catalog_from_json",
    "offers_from_json",
    "to_jsonable",
]
