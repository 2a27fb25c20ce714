"""Text rendering for the terminal: tables that line up with Japanese text, and JSON.

Japanese characters take two terminal columns; tables count display width, not len().
Catalog text is hostile: control characters (ANSI escapes included) are made visible
before anything reaches the terminal.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from typing import Any, Sequence

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean(text: Any) -> str:
    """One printable line: control and bidi characters shown as `?`, never interpreted."""
    if text is None:
        return "-"
    return _CONTROL.sub("?", str(text))


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def truncate(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_col: int = 48) -> str:
    cells = [[truncate(clean(c), max_col) for c in row] for row in rows]
    widths = [width(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], width(cell))

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (widths[i] - width(v)) for i, v in enumerate(values)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)


def to_json(data: Any, ascii_only: bool | None = None) -> str:
    """Readable Japanese on a UTF-8 stdout; \\u escapes where stdout cannot hold every
    character (CP932 on Windows), so that the JSON stays exact either way."""
    if ascii_only is None:
        encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "").replace("_", "")
        ascii_only = not encoding.startswith("utf")
    return json.dumps(data, ensure_ascii=ascii_only, indent=2, sort_keys=False, default=str)


def _short(value: Any, limit: int = 40) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict) and "path" in value:
        return truncate(clean(" > ".join(value.get("path") or []) or value.get("name") or value.get("id")), limit)
    if isinstance(value, (list, tuple)):
        return ", ".join(clean(v) for v in value) or "(none)"
    return truncate(clean(value), limit)


def describe(kind: str, before: Any, after: Any, detail: dict[str, Any] | None) -> str:
    """One line a seller can read: what changed, from what to what."""
    detail = detail or {}
    if kind == "main_image_changed":
        return f"main image {detail.get('verdict', 'changed')}: {_short(before)} -> {_short(after)}"
    if kind == "seller_joined":
        return f"seller joined: {_short(detail.get('sellers'))}"
    if kind == "seller_left":
        return f"seller left: {_short(detail.get('sellers'))}"
    if kind == "buybox_lost":
        return f"Buy Box now held by {_short(after)}"
    if kind == "listing_gone":
        return "listing not found twice in a row"
    label = kind.removesuffix("_changed").replace("_", " ")
    return f"{label}: {_short(before)} -> {_short(after)}"
