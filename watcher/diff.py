"""What changed between two snapshots of one listing. Pure: values in, values out.

Benign noise is filtered here, so that it never reaches an alert: a title equal after
NFKC and whitespace normalisation, a browse node renamed under the same id, a new image id
for the same picture, sales-rank movement.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from .images import Fingerprint, compare
from .model import Catalog, Offers, Snapshot

Severity = Literal["critical", "warning", "info"]

# Changes to what the listing shows; only these can have been made by someone's edit.
CONTENT_KINDS = (
    "title_changed",
    "brand_changed",
    "browse_node_changed",
    "product_type_changed",
    "main_image_changed",
    "gallery_changed",
)

CHANGE_KINDS = (
    *CONTENT_KINDS,
    "parent_changed",
    "seller_joined",
    "seller_left",
    "buybox_lost",
    "listing_gone",
)

SEVERITY: dict[str, Severity] = {
    "title_changed": "critical",
    "brand_changed": "critical",
    "browse_node_changed": "warning",
    "product_type_changed": "warning",
    "main_image_changed": "critical",
    "gallery_changed": "info",
    "parent_changed": "critical",
    "seller_joined": "warning",
    "seller_left": "info",
    "buybox_lost": "warning",
    "listing_gone": "critical",
}

# An edited or merely smaller main image is worth a look; a different or recoloured one
# is the complaint that costs a return.
IMAGE_SEVERITY: dict[str, Severity] = {
    "recolored": "critical",
    "different": "critical",
    "edited": "warning",
    "low_res": "warning",
}


@dataclass(frozen=True)
class Change:
    kind: str
    before: Any
    after: Any
    severity: Severity
    detail: dict[str, Any] = field(default_factory=dict)


_SPACES = re.compile(r"\s+")
# Invisible characters that editors and feeds sprinkle into titles; NFKC keeps them, and a
# title that differs only by them shows the seller two identical strings.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")


def normalize_text(text: str | None) -> str:
    """NFKC, zero-width spaces dropped, whitespace collapsed (full-width too), trimmed."""
    if not text:
        return ""
    return _SPACES.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))).strip()


def _node(catalog: Catalog) -> dict[str, Any] | None:
    node = catalog.browse_node
    if node is None:
        return None
    return {"id": node.id, "name": node.name, "path": list(node.path)}


def _image_change(
    before: Catalog, after: Catalog, fingerprints: Mapping[str, Fingerprint]
) -> Change | None:
    old, new = before.main_image, after.main_image
    if old is None and new is None:
        return None
    if old is None or new is None:
        return Change(
            "main_image_changed",
            old.image_id if old else None,
            new.image_id if new else None,
            "critical",
            {"verdict": "different", "low_res": False, "scores": {}},
        )
    if old.image_id == new.image_id:
        return None
    old_fp, new_fp = fingerprints.get(old.image_id), fingerprints.get(new.image_id)
    if old_fp is None or new_fp is None:
        # No fingerprint means the download failed: unknown is not a change. The image
        # stage retries next night, since the id still has no fingerprint.
        return None
    result = compare(old_fp, new_fp)
    if result.verdict == "same" and not result.low_res:
        return None
    verdict = "low_res" if result.verdict == "same" else result.verdict
    return Change(
        "main_image_changed",
        old.image_id,
        new.image_id,
        IMAGE_SEVERITY[verdict],
        {"verdict": verdict, "low_res": result.low_res, "scores": dict(result.scores)},
    )


def diff_catalog(
    before: Catalog, after: Catalog, fingerprints: Mapping[str, Fingerprint]
) -> list[Change]:
    changes: list[Change] = []

    def add(kind: str, old: Any, new: Any) -> None:
        changes.append(Change(kind, old, new, SEVERITY[kind]))

    if normalize_text(before.title) != normalize_text(after.title):
        add("title_changed", before.title, after.title)
    if normalize_text(before.brand).casefold() != normalize_text(after.brand).casefold():
        add("brand_changed", before.brand, after.brand)
    old_node, new_node = before.browse_node, after.browse_node
    if (old_node.id if old_node else None) != (new_node.id if new_node else None):
        add("browse_node_changed", _node(before), _node(after))
    if before.product_type != after.product_type:
        add("product_type_changed", before.product_type, after.product_type)
    image = _image_change(before, after, fingerprints)
    if image:
        changes.append(image)
    if set(before.gallery_image_ids) != set(after.gallery_image_ids):
        add("gallery_changed", list(before.gallery_image_ids), list(after.gallery_image_ids))
    if set(before.parent_asins) != set(after.parent_asins):
        add("parent_changed", list(before.parent_asins), list(after.parent_asins))
    return changes


def diff_offers(before: Offers, after: Offers, my_seller_id: str | None = None) -> list[Change]:
    changes: list[Change] = []
    old_others = before.other_seller_ids(my_seller_id)
    new_others = after.other_seller_ids(my_seller_id)
    joined, left = new_others - old_others, old_others - new_others
    if joined:
        changes.append(
            Change("seller_joined", sorted(old_others), sorted(new_others), "warning", {"sellers": sorted(joined)})
        )
    if left:
        changes.append(
            Change("seller_left", sorted(old_others), sorted(new_others), "info", {"sellers": sorted(left)})
        )

    def mine_holds(offers: Offers) -> bool:
        return any(o.buybox and (o.mine or o.seller_id == my_seller_id) for o in offers.offers)

    if mine_holds(before) and not mine_holds(after):
        changes.append(
            Change(
                "buybox_lost",
                sorted(before.buybox_seller_ids()),
                sorted(after.buybox_seller_ids()),
                "warning",
            )
        )
    return changes


OFFER_KINDS = ("seller_joined", "seller_left", "buybox_lost")


def unknown_kinds(
    before: Snapshot, after: Snapshot, fingerprints: Mapping[str, Fingerprint] | None = None
) -> frozenset[str]:
    """Kinds that `diff` could not judge between these two snapshots.

    Absent from `diff` does not mean "as before" for these: an open alert of such a kind
    must neither resolve nor move until the comparison can be made.
    """
    if before.catalog is None or after.catalog is None:
        return frozenset()
    unknown: set[str] = set()
    old, new = before.catalog.main_image, after.catalog.main_image
    if old and new and old.image_id != new.image_id:
        fps = fingerprints or {}
        if old.image_id not in fps or new.image_id not in fps:
            unknown.add("main_image_changed")
    if before.offers is None or after.offers is None:
        unknown.update(OFFER_KINDS)
    return frozenset(unknown)


def diff(
    before: Snapshot,
    after: Snapshot,
    fingerprints: Mapping[str, Fingerprint] | None = None,
    my_seller_id: str | None = None,
) -> list[Change]:
    """Changes from `before` to `after`. A failed fetch on either side is never a change.

    `fingerprints` maps image ids to fingerprints, so a new image id can be judged.
    `listing_gone` is returned for any `not_found` after `ok`; the alert stage decides
    whether it has been seen often enough to raise.
    """
    if "fetch_failed" in (before.status, after.status):
        return []
    if after.status == "not_found":
        return [Change("listing_gone", before.asin, None, "critical")] if before.status == "ok" else []
    if before.status != "ok" or before.catalog is None or after.catalog is None:
        return []
    changes = diff_catalog(before.catalog, after.catalog, fingerprints or {})
    if before.offers is not None and after.offers is not None:
        changes += diff_offers(before.offers, after.offers, my_seller_id)
    return changes
