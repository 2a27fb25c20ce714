"""Field-by-field comparison of two catalog states. Pure: values in, values out.

Noise is judged exactly as the alerts judge it (`watcher.diff.diff_catalog`): a title equal
after NFKC and whitespace normalisation, a renamed browse node under the same id, a new
image id for the same picture are all "same". One thing differs from the alerts: a new main
image id whose fingerprint is missing (its download failed) is "cannot tell" (`same=None`)
here, because a report must not vouch for a picture nobody looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..diff import Change, Severity, diff_catalog
from ..images import Fingerprint, compare
from ..model import Catalog

# The fields a report shows, in the order it shows them. `listing` stands for "found at all".
FIELDS = ("title", "brand", "browse_node", "product_type", "main_image", "parent", "gallery")

_FIELD_OF_KIND = {
    "title_changed": "title",
    "brand_changed": "brand",
    "browse_node_changed": "browse_node",
    "product_type_changed": "product_type",
    "main_image_changed": "main_image",
    "parent_changed": "parent",
    "gallery_changed": "gallery",
}

# Severities that make a listing "not what the seller registered". Gallery ids are `info`:
# Amazon re-issues them for the same pictures, and they have no fingerprints to judge by.
MISMATCH = ("critical", "warning")


@dataclass(frozen=True)
class FieldCheck:
    """One field of two states. `same` is None when it cannot be told (image not fetched)."""

    field: str
    before: Any
    after: Any
    same: bool | None
    severity: Severity | None = None  # when not the same
    verdict: str | None = None  # main_image: same, recolored, different, edited, low_res, unknown
    scores: Mapping[str, float] = field(default_factory=dict)

    @property
    def mismatch(self) -> bool:
        return self.same is False and self.severity in MISMATCH


def value(catalog: Catalog | None, name: str) -> Any:
    """The plain (JSON-able) value of one field."""
    if catalog is None:
        return None
    if name == "browse_node":
        node = catalog.browse_node
        return {"id": node.id, "name": node.name, "path": list(node.path)} if node else None
    if name == "main_image":
        return catalog.main_image.image_id if catalog.main_image else None
    if name == "parent":
        return list(catalog.parent_asins)
    if name == "gallery":
        return list(catalog.gallery_image_ids)
    return getattr(catalog, name)


def check_fields(
    before: Catalog | None, after: Catalog | None, fingerprints: Mapping[str, Fingerprint]
) -> tuple[FieldCheck, ...]:
    """Every field of `before` against `after`. A missing catalog (not found) is one check."""
    if before is None or after is None:
        same = before is None and after is None
        return (FieldCheck("listing", _found(before), _found(after), same, None if same else "critical"),)
    changed = {_FIELD_OF_KIND[c.kind]: c for c in diff_catalog(before, after, fingerprints)}
    checks = []
    for name in FIELDS:
        if name == "main_image":
            checks.append(_image_check(before, after, fingerprints, changed.get(name)))
            continue
        change = changed.get(name)
        sev = change.severity if change else None
        checks.append(FieldCheck(name, value(before, name), value(after, name), change is None, sev))
    return tuple(checks)


def _found(catalog: Catalog | None) -> str:
    return "ok" if catalog is not None else "not_found"


def _image_check(
    before: Catalog, after: Catalog, fingerprints: Mapping[str, Fingerprint], change: Change | None
) -> FieldCheck:
    old, new = value(before, "main_image"), value(after, "main_image")
    if change is not None:
        detail = change.detail
        verdict = str(detail.get("verdict", "different"))
        return FieldCheck("main_image", old, new, False, change.severity, verdict, dict(detail.get("scores") or {}))
    if old == new:
        return FieldCheck("main_image", old, new, True, verdict="same")
    old_fp, new_fp = fingerprints.get(old or ""), fingerprints.get(new or "")
    if old_fp is None or new_fp is None:
        return FieldCheck("main_image", old, new, None, verdict="unknown")
    # A new id for the same picture: the diff filtered it; keep the scores for the report.
    return FieldCheck("main_image", old, new, True, verdict="same", scores=dict(compare(old_fp, new_fp).scores))


def field_same(
    a: Catalog | None, b: Catalog | None, name: str, fingerprints: Mapping[str, Fingerprint]
) -> bool:
    """True when field `name` shows the same thing in both states (noise aside)."""
    for check in check_fields(a, b, fingerprints):
        if check.field in (name, "listing"):
            return check.same is True
    return True


def image_ids(*catalogs: Catalog | None) -> list[str]:
    return [c.main_image.image_id for c in catalogs if c is not None and c.main_image is not None]
