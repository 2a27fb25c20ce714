"""Times: stored in UTC as ISO 8601 text, shown in the marketplace's zone (JST for Japan)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from .errors import UsageError

JST = ZoneInfo("Asia/Tokyo")


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def to_db(moment: datetime) -> str:
    """UTC, second precision, `Z` suffix: sorts as text in time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_db(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def show(text_or_moment: str | datetime | None, zone: str = "Asia/Tokyo") -> str:
    """`2026-11-01T18:10:00Z` -> `2026-11-02 03:10 JST`."""
    if text_or_moment is None:
        return "-"
    moment = from_db(text_or_moment) if isinstance(text_or_moment, str) else text_or_moment
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def parse_user_time(text: str, zone: str = "Asia/Tokyo", end_of_day: bool = False) -> datetime:
    """A date or date-time typed by a user; no zone given means the marketplace's zone.

    `2026-11-03` is that whole day: its start, or its end with `end_of_day`.
    """
    raw = text.strip().replace("/", "-")
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime.combine(day, time.max if end_of_day else time.min)
        else:
            moment = datetime.fromisoformat(raw.replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"not a date or time: {text!r} (use 2026-11-03 or 2026-11-03T14:30, JST unless a zone is given)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(timezone.utc)
