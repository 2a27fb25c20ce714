"""Terminal rendering of return checks. Catalog text goes through `render.clean`."""

from __future__ import annotations

from typing import Any, Sequence

from ..render import clean, table, truncate
from ..timeutil import show
from .check import CheckResult, Shown, latest_is_recent
from .fields import FieldCheck
from .returns import ReturnCheck, ReturnProblem

_LABELS = {
    "title": "title",
    "brand": "brand",
    "browse_node": "browse node",
    "product_type": "product type",
    "main_image": "main image",
    "parent": "parent",
    "gallery": "gallery",
    "listing": "listing",
}


def render_check(r: CheckResult, zone: str = "Asia/Tokyo") -> str:
    """The check as a person reads it: what was shown, field by field, then the verdict."""
    label = f" ({clean(r.label)})" if r.label else ""
    when = show(r.start, zone) if r.kind == "moment" else f"{show(r.start, zone)} to {show(r.end, zone)}"
    lines = [f"{r.asin}{label}, order time {when}"]
    if r.baseline is not None and r.shown:
        how = "recorded on the first run" if r.baseline.how == "first_run" else "accepted"
        lines.append(f"baseline: version {r.baseline.catalog.version}, {how} {show(r.baseline.since, zone)}"
                     + ("" if r.baseline.current else " (the baseline in force then)"))
    for shown in r.shown:
        lines += ["", *_shown_lines(shown, zone)]
    lines += ["", r.verdict]
    return "\n".join(lines)


def _shown_lines(s: Shown, zone: str) -> list[str]:
    v = s.version
    seen = (f"observed once, at {show(v.first_seen, zone)}" if v.first_seen == v.last_seen
            else f"observed {show(v.first_seen, zone)} to {show(v.last_seen, zone)}")
    head = f"shown: version {v.version}, {seen}"
    if not s.certain:
        head += " (the order time is outside these observations; it may have been shown)"
    rows = [[_LABELS.get(f.field, f.field), _value(f.before), _value(f.after), _same(f)] for f in s.fields]
    out = [head, table(["field", "baseline", "shown", "as registered?"], rows, max_col=44)]
    if s.sellers is not None:
        others = ", ".join(s.sellers.others) or "none"
        new = f" (not on the listing at baseline: {', '.join(s.sellers.new)})" if s.sellers.new else ""
        seen = (show(s.sellers.first_seen, zone) if s.sellers.first_seen == s.sellers.last_seen
                else f"{show(s.sellers.first_seen, zone)} to {show(s.sellers.last_seen, zone)}")
        out.append(f"other sellers (observed {seen}): {others}{new}")
    else:
        out.append("other sellers: unknown (no offers observation near that time)")
    return out


def _value(value: Any) -> str:
    if value is None or value == []:
        return "(none)"
    if isinstance(value, dict):
        return clean(" > ".join(value.get("path") or []) or value.get("name")) + f" [{clean(value.get('id'))}]"
    if isinstance(value, list):
        return ", ".join(clean(v) for v in value)
    return clean(value)


def _same(check: FieldCheck) -> str:
    if check.same is None:
        return "cannot tell (image not fetched)"
    if check.same:
        return "yes" if check.field != "main_image" or check.before == check.after else "yes (same picture)"
    extra = f" ({check.verdict})" if check.verdict else ""
    return ("differs" if check.severity != "info" else "differs (not judged)") + extra


def render_returns(checks: Sequence[ReturnCheck], zone: str = "Asia/Tokyo") -> str:
    """The returns whose listing differed from baseline, with reason and comment beside it."""
    differed = [c for c in checks if c.result.status == "differed"]
    lines = []
    if differed:
        rows = []
        for c in differed:
            for d in (d for d in c.result.differences if d.check.mismatch):
                until = "now" if d.still_shown and latest_is_recent(c.result) else show(d.until, zone)
                rows.append([
                    c.row.return_date_text, c.row.order_id, c.row.asin, short_phrase(d.check),
                    f"{show(d.first_seen, zone)} – {until}", c.row.reason, c.row.comment,
                ])
        lines.append(table(["return date", "order", "ASIN", "what differed", "shown (first – last seen)", "reason", "comment"],
                           rows, max_col=60))
    else:
        lines.append("no return's listing differed from its baseline in the window checked")
    unclear = [c for c in checks if c.result.status == "unknown"]
    if unclear:
        lines += ["", "not covered or not clear:"]
        lines += [f"  line {c.row.line}: {c.row.asin} {clean(c.row.order_id)}: {truncate(clean(c.result.verdict), 160)}" for c in unclear]
    matched = sum(c.result.status == "matched" for c in checks)
    lines += ["", f"{len(checks)} returns checked: {len(differed)} differed, {matched} matched, {len(unclear)} not clear"]
    return "\n".join(lines)


def short_phrase(check: FieldCheck) -> str:
    """`main image: recolored`, `title: 【新作】トートバッグ…` for a table cell."""
    name = _LABELS.get(check.field, check.field)
    if check.field == "main_image":
        return f"{name}: {check.verdict or 'changed'}"
    if check.field == "listing":
        return "listing not found"
    return f"{name}: {truncate(_value(check.after), 30)}"


def render_problems(problems: Sequence[ReturnProblem], source: str) -> list[str]:
    """One line per skipped row, for stderr."""
    return [f"{source}:{p.line}: {clean(p.text)}: {p.message}" for p in problems]
