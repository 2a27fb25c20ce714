"""A Seller Central returns report -> returns -> a check of each against the listing's history.

The report is TSV (sometimes CSV), UTF-8 or CP932, with a header line; the columns used
are `return-date`, `order-id`, `asin`, `reason` and `customer-comments` (column names in
any case, with `-`, `_` or spaces, and their Japanese names, are accepted). A row with no
usable ASIN or date is reported with its line number and skipped; the others are still
checked.

Each return is checked over the window before its return date (30 days by default): did
the listing differ from its baseline at any time the customer may have ordered? When the
report also has the order date (the merchant-fulfilled returns report does), that day (or
moment) is checked instead, exactly as `watcher check --ordered-at` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from ..asins import normalize_asin
from ..errors import UsageError
from ..textfile import Row, Table, decode_text, read_table
from ..timeutil import is_date_only, parse_time, to_db
from .check import CheckResult, check_order, check_window

DATE_COLUMNS = ("return-date", "return-request-date", "返品日", "返品日時", "返品受付日", "返品リクエスト日")
ORDER_DATE_COLUMNS = ("order-date", "purchase-date", "注文日", "注文日時")
ORDER_COLUMNS = ("order-id", "注文番号", "注文id")
ASIN_COLUMNS = ("asin", "asin1")
REASON_COLUMNS = ("reason", "return-reason", "返品理由", "理由")
COMMENT_COLUMNS = ("customer-comments", "購入者のコメント", "お客様のコメント", "コメント")
DEFAULT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class ReturnRow:
    line: int
    return_date: datetime  # UTC; the end of the day when the report gives a date only
    return_date_text: str
    order_id: str
    asin: str
    reason: str
    comment: str
    # From an order-date column: (start, end) in UTC, the whole day for a date alone.
    ordered: tuple[datetime, datetime] | None = None


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
    Month-first dates (`11/10/2026`) are refused: they are ambiguous.

    >>> parse_return_date("2026/11/5")
    datetime.datetime(2026, 11, 5, 14, 59, 59, tzinfo=datetime.timezone.utc)
    """
    return parse_time(text, zone, end_of_day=True).replace(microsecond=0)


def parse_returns(data: bytes, source: str, zone: str = "Asia/Tokyo") -> ReturnsReport:
    """Read a returns report. Raises `UsageError` when the columns needed are missing."""
    table = read_table(decode_text(data, source), source=source)
    columns = _columns(table, source)
    rows: list[ReturnRow] = []
    problems: list[ReturnProblem] = []
    for row in table.rows:
        parsed = _return_row(row, columns, zone)
        (rows if isinstance(parsed, ReturnRow) else problems).append(parsed)  # type: ignore[arg-type]
    return ReturnsReport(tuple(rows), tuple(problems))


def _return_row(row: Row, columns: tuple[int | None, ...], zone: str) -> ReturnRow | ReturnProblem:
    date_text, order, asin_text, reason, comment, ordered_text = (
        row.cell(i) if i is not None else "" for i in columns
    )
    try:
        asin = normalize_asin(asin_text)
    except UsageError as exc:
        return ReturnProblem(row.line, asin_text, str(exc))
    try:
        when = parse_return_date(date_text, zone)
    except ValueError as exc:
        return ReturnProblem(row.line, date_text, str(exc))
    try:
        ordered = _order_span(ordered_text, zone) if ordered_text else None
    except ValueError as exc:
        return ReturnProblem(row.line, ordered_text, f"order date: {exc}")
    return ReturnRow(row.line, when, date_text, order, asin, reason, comment, ordered)


def _order_span(text: str, zone: str) -> tuple[datetime, datetime]:
    """The order date cell -> (start, end): a date alone is that whole day."""
    start = parse_time(text, zone)
    return (start, parse_time(text, zone, end_of_day=True)) if is_date_only(text) else (start, start)


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
        table.column(*ORDER_DATE_COLUMNS),
    )


def check_returns(
    db: Database, report: ReturnsReport, window_days: int = DEFAULT_WINDOW_DAYS, *,
    my_seller_id: str | None = None, zone: str = "Asia/Tokyo", now: datetime | None = None,
) -> list[ReturnCheck]:
    """Check every return, in file order: at its order date when the report gives one, else
    over the `window_days` before its return date."""
    if window_days < 1:
        raise UsageError("--window must be at least 1 day")
    window = timedelta(days=window_days)
    checks = []
    for row in report.rows:
        if row.ordered is not None:
            start, end = row.ordered
            result = check_order(db, row.asin, start, end, my_seller_id=my_seller_id, zone=zone, now=now)
        else:
            result = check_window(db, row.asin, row.return_date - window, row.return_date,
                                  my_seller_id=my_seller_id, zone=zone, now=now)
        checks.append(ReturnCheck(row, result))
    return checks


def returns_json(checks: list[ReturnCheck], problems: tuple[ReturnProblem, ...]) -> dict[str, Any]:
    """{"returns": [{line, return_date, order_id, asin, reason, comment, check}], "problems": [...]}."""
    return {
        "returns": [
            {
                "line": c.row.line,
                "return_date": c.row.return_date_text,
                "ordered": None if c.row.ordered is None else [to_db(t) for t in c.row.ordered],
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
