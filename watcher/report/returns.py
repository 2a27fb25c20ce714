"""A Seller Central returns report -> returns -> a check of each against the listing's history.

The report is TSV (sometimes CSV), UTF-8 or CP932, with a header line; the columns used
are `return-date`, `order-id`, `asin`, `reason` and `customer-comments` (Japanese header
names are accepted too). A row with no usable ASIN or date is reported with its line number
and skipped; the others are still checked.

Each return is checked over the window before its return date (30 days by default): did
the listing differ from its baseline at any time the customer may have ordered?
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from ..asins import normalize_asin
from ..errors import UsageError
from ..textfile import Table, decode_text, read_table
from .check import CheckResult, check_window

DATE_COLUMNS = ("return-date", "return_date", "return date", "返品日", "返品日時", "返品受付日")
ORDER_COLUMNS = ("order-id", "order_id", "order id", "注文番号", "注文id")
ASIN_COLUMNS = ("asin", "asin1")
REASON_COLUMNS = ("reason", "return-reason", "返品理由", "理由")
COMMENT_COLUMNS = ("customer-comments", "customer_comments", "customer comments", "購入者のコメント", "お客様のコメント", "コメント")
DEFAULT_WINDOW_DAYS = 30

_DATE = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
    r"\s*(Z|UTC|JST|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReturnRow:
    line: int
    return_date: datetime  # UTC; the end of the day when the report gives a date only
    return_date_text: str
    order_id: str
    asin: str
    reason: str
    comment: str


@dataclass(frozen=True)
class ReturnProblem:
    line: int
    text: str
    message: str


@dataclass(frozen=True)
class ReturnsReport:
    rows: tuple[ReturnRow, ...]
    problems: tuple[ReturnProblem, ...]


@dataclass(frozen=True)
class ReturnCheck:
    row: ReturnRow
    result: CheckResult


def parse_return_date(text: str, zone: str = "Asia/Tokyo") -> datetime:
    """`2026-11-05T01:23:45+00:00`, `2026/11/5`, `2026-11-05 10:23 JST` -> UTC.

    No zone means the marketplace's zone; a date alone means the end of that day.

    >>> parse_return_date("2026/11/5")
    datetime.datetime(2026, 11, 5, 14, 59, 59, tzinfo=datetime.timezone.utc)
    """
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(f"not a date: {text!r}")
    year, month, day, hour, minute, second, tz = match.groups()
    try:
        if hour is None:
            moment = datetime.combine(datetime(int(year), int(month), int(day)).date(), time(23, 59, 59))
        else:
            moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError as exc:
        raise ValueError(f"not a date: {text!r} ({exc})") from None
    return moment.replace(tzinfo=_zone(tz, zone)).astimezone(timezone.utc)


def _zone(tz: str | None, default: str) -> timezone | ZoneInfo:
    if tz is None:
        return ZoneInfo(default)
    if tz.upper() == "JST":
        return ZoneInfo("Asia/Tokyo")
    if tz.upper() in ("Z", "UTC"):
        return timezone.utc
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def parse_returns(data: bytes, source: str, zone: str = "Asia/Tokyo") -> ReturnsReport:
    """Read a returns report. Raises `UsageError` when the columns needed are missing."""
    table = read_table(decode_text(data, source), source=source)
    columns = _columns(table, source)
    rows: list[ReturnRow] = []
    problems: list[ReturnProblem] = []
    for row in table.rows:
        date_text, order, asin_text, reason, comment = (row.cell(i) if i is not None else "" for i in columns)
        try:
            asin = normalize_asin(asin_text)
        except UsageError as exc:
            problems.append(ReturnProblem(row.line, asin_text, str(exc)))
            continue
        try:
            when = parse_return_date(date_text, zone)
        except ValueError as exc:
            problems.append(ReturnProblem(row.line, date_text, str(exc)))
            continue
        rows.append(ReturnRow(row.line, when, date_text, order, asin, reason, comment))
    return ReturnsReport(tuple(rows), tuple(problems))


def _columns(table: Table, source: str) -> tuple[int | None, ...]:
    date, asin = table.column(*DATE_COLUMNS), table.column(*ASIN_COLUMNS)
    if date is None or asin is None:
        found = ", ".join(table.columns) or "(no header)"
        raise UsageError(f"{source}: not a returns report: needs return-date and asin columns (found: {found})")
    return (
        date,
        table.column(*ORDER_COLUMNS),
        asin,
        table.column(*REASON_COLUMNS),
        table.column(*COMMENT_COLUMNS),
    )


def check_returns(
    db: Database, report: ReturnsReport, window_days: int = DEFAULT_WINDOW_DAYS, *,
    my_seller_id: str | None = None, zone: str = "Asia/Tokyo",
) -> list[ReturnCheck]:
    """Check every return over the `window_days` before its return date, in file order."""
    if window_days < 1:
        raise UsageError("--window must be at least 1 day")
    window = timedelta(days=window_days)
    return [
        ReturnCheck(row, check_window(db, row.asin, row.return_date - window, row.return_date,
                                      my_seller_id=my_seller_id, zone=zone))
        for row in report.rows
    ]


def returns_json(checks: list[ReturnCheck], problems: tuple[ReturnProblem, ...]) -> dict[str, Any]:
    """{"returns": [{line, return_date, order_id, asin, reason, comment, check}], "problems": [...]}."""
    return {
        "returns": [
            {
                "line": c.row.line,
                "return_date": c.row.return_date_text,
                "order_id": c.row.order_id,
                "asin": c.row.asin,
                "reason": c.row.reason,
                "comment": c.row.comment,
                "status": c.result.status,
                "check": c.result.to_json(),
            }
            for c in checks
        ],
        "problems": [{"line": p.line, "text": p.text, "message": p.message} for p in problems],
        "differed": sum(c.result.status == "differed" for c in checks),
    }


def exit_code(checks: list[ReturnCheck]) -> int:
    """3 when any return's listing differed from its baseline in the window, else 0."""
    return 3 if any(c.result.status == "differed" for c in checks) else 0
