"""Times: stored in UTC as ISO 8601 text, shown in the marketplace's zone (JST for Japan)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta, timezone, tzinfo
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


# What people and Seller Central write: `2026-11-03`, `2026/11/3`, `2026年11月3日`, with an
# optional time (`14:30`, `14:30:05.123`) and zone (`Z`, `UTC`, `JST`, `+09:00`, `+0900`).
_USER_TIME = re.compile(
    r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?"
    r"(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|UTC|GMT|JST|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


def is_date_only(text: str) -> bool:
    """True when `text` names a day and no time of it (`2026-11-03`, `2026/11/3 JST`)."""
    match = _USER_TIME.fullmatch(_normalize(text))
    return match is not None and match.group(4) is None


def parse_time(text: str, zone: str = "Asia/Tokyo", end_of_day: bool = False) -> datetime:
    """A date or date-time as people write it -> UTC. Raises ValueError with a short reason.

    No zone given means `zone`. A date alone is the start of that day, or its last
    microsecond with `end_of_day`.

    >>> parse_time("2026/11/3 12:00").isoformat()
    '2026-11-03T03:00:00+00:00'
    """
    match = _USER_TIME.fullmatch(_normalize(text))
    if match is None:
        raise ValueError(f"not a date: {text!r}")
    year, month, day, hour, minute, second, tz = match.groups()
    try:
        if hour is None:
            moment = datetime.combine(date(int(year), int(month), int(day)), time.max if end_of_day else time.min)
        else:
            moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        return moment.replace(tzinfo=_zone(tz, zone)).astimezone(timezone.utc)
    except ValueError as exc:
        # "day is out of range for month", "hour must be in 0..23", an offset beyond a day, ...
        reason = str(exc).split(",")[0] if "offset" not in str(exc) else "zone offset out of range"
        raise ValueError(f"not a date: {text!r} ({reason})") from None


def parse_user_time(text: str, zone: str = "Asia/Tokyo", end_of_day: bool = False) -> datetime:
    """`parse_time` for a command-line option: a bad value is a usage error."""
    try:
        return parse_time(text, zone, end_of_day)
    except ValueError as exc:
        raise UsageError(f"{exc}; use 2026-11-03 or 2026-11-03T14:30 (JST unless a zone is given)") from None


def _normalize(text: str) -> str:
    # Full-width digits, colons and slashes, as Japanese spreadsheets sometimes write them.
    return unicodedata.normalize("NFKC", text).strip()


def _zone(tz: str | None, default: str) -> tzinfo:
    if tz is None:
        return ZoneInfo(default)
    name = tz.upper()
    if name == "JST":
        return ZoneInfo("Asia/Tokyo")
    if name in ("Z", "UTC", "GMT"):
        return timezone.utc
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
