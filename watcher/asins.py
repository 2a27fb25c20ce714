"""ASINs typed or pasted by a seller -> a checked, de-duplicated watch list.

An ASIN is 10 letters or digits. Amazon's own ASINs start with "B" (today "B0..."); a
book's ASIN is its ISBN-10 (nine digits, then a digit or X). `normalize_asin` accepts
exactly these two shapes, after NFKC (so full-width "Ｂ０Ｃ..." from a Japanese IME
works) and upper-casing. Ten digits whose ISBN check digit is wrong are refused: that is
almost always a typo, and watching a wrong ASIN fails silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import UsageError
from .textfile import Table, decode_text, normalize_column, read_table, split_lines

# Header names, in order of preference. Seller Central inventory reports call it asin1.
ASIN_COLUMNS = ("asin", "asin1")
LABEL_COLUMNS = ("label", "name", "item-name", "item_name", "title", "商品名", "ラベル")
# A first line naming one of these is a header even without an ASIN column (then an error).
_HEADER_WORDS = frozenset(
    ASIN_COLUMNS
    + LABEL_COLUMNS
    + ("sku", "seller-sku", "seller_sku", "price", "quantity", "product-id", "listing-id", "fnsku")
)

_ASIN_SHAPE = re.compile(r"[A-Z0-9]{10}")
_ISBN10 = re.compile(r"[0-9]{9}[0-9X]")
# Plain-text line: the ASIN, then whitespace (incl. U+3000) and/or a comma, then the label.
_PLAIN_LINE = re.compile(r"([^\s,，]*)[\s,，]*(.*)")
_COMMENT = ("#", "＃")


@dataclass(frozen=True)
class WatchEntry:
    asin: str
    label: str | None


@dataclass(frozen=True)
class ImportProblem:
    line: int  # 1-based line in the file
    text: str  # the ASIN field as written
    message: str


@dataclass(frozen=True)
class WatchlistImport:
    entries: tuple[WatchEntry, ...]  # in file order, one per ASIN
    problems: tuple[ImportProblem, ...]
    duplicates: int  # lines whose ASIN was already listed earlier in the file


def normalize_asin(text: str) -> str:
    """Return the canonical ASIN for `text`, or raise `UsageError` saying what is wrong.

    >>> normalize_asin(" ｂ０ｃ１２３４５６７ ")
    'B0C1234567'
    >>> normalize_asin("406123451x")
    '406123451X'
    """
    asin = unicodedata.normalize("NFKC", text).strip().upper()
    if not asin:
        raise UsageError("empty ASIN")
    if _ISBN10.fullmatch(asin):
        if not isbn10_check_ok(asin):
            raise UsageError(f"{asin!r} looks like an ISBN-10 but its check digit is wrong (typo?)")
        return asin
    if not _ASIN_SHAPE.fullmatch(asin):
        raise UsageError(f"not an ASIN: {asin!r} ({_shape_problem(asin)})")
    if not asin.startswith("B"):
        raise UsageError(f"not an ASIN: {asin!r} (ASINs start with B; a book's ASIN is its ISBN-10)")
    return asin


def isbn10_check_ok(isbn: str) -> bool:
    """True if the weighted sum 10*d1 + 9*d2 + ... + 1*d10 is divisible by 11 (X = 10)."""
    digits = [10 if ch == "X" else int(ch) for ch in isbn]
    return sum(weight * digit for weight, digit in zip(range(10, 0, -1), digits)) % 11 == 0


def isbn13_to_10(isbn13: str) -> str:
    """The ISBN-10 of a 978 ISBN-13: its nine middle digits and a new check digit.

    >>> isbn13_to_10("9784061234519")
    '406123451X'
    """
    body = isbn13[3:12]
    check = (11 - sum(w * int(d) for w, d in zip(range(10, 1, -1), body)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def _shape_problem(asin: str) -> str:
    if len(asin) == 13 and asin.isdigit() and asin.startswith("978"):
        return f"that is an ISBN-13; the book's ASIN is its ISBN-10, {isbn13_to_10(asin)}"
    if len(asin) == 13 and asin.isdigit() and asin.startswith("979"):
        return "that is an ISBN-13 (979, which has no ISBN-10); find the book's ASIN on its Amazon page"
    if len(asin) != 10:
        return f"{len(asin)} characters; an ASIN has 10"
    return "only letters A-Z and digits 0-9 are allowed"


def parse_watchlist(data: bytes, source: str = "<input>") -> WatchlistImport:
    """Read a watch list file (any encoding `decode_text` accepts).

    Two formats, told apart by the first line that is neither blank nor a `#` comment:

    - a CSV/TSV header naming an ASIN column (`asin` or `asin1`, any case) makes a table;
      the label comes from `label`, `name`, `item-name`, `item_name`, `title`, `商品名` or
      `ラベル` if present. A header with only other known names (`sku`, `item-name`, ...)
      and no ASIN column is an error. A Seller Central inventory report works as is.
    - anything else is plain text: one ASIN a line, optionally followed by whitespace or a
      comma and a label. `#` starts a comment only at the start of a line.

    Bad lines become `problems` (the rest is still imported). A repeated ASIN is counted in
    `duplicates` and keeps its first label, unless that one was empty.

    >>> parse_watchlist(b"# mine\\nB0C1234567  red bag\\nb0c1234567\\nB0BAD\\n").duplicates
    1
    """
    text = decode_text(data, source)
    first = next((line for line in split_lines(text) if _significant(line)), "")
    if _is_header(first):
        items = _table_items(read_table(text, comment="#", source=source), source)
    else:
        items = _plain_items(text)
    return _collect(items)


def _significant(line: str) -> bool:
    stripped = line.strip().removeprefix("\ufeff")
    return bool(stripped) and not stripped.startswith(_COMMENT)


def _is_header(line: str) -> bool:
    cells = [normalize_column(cell).strip('"') for cell in re.split(r"[\t,]", line)]
    return any(cell in _HEADER_WORDS for cell in cells) and not any(_is_asin(c) for c in cells)


def _is_asin(text: str) -> bool:
    try:
        normalize_asin(text)
    except UsageError:
        return False
    return True


def _table_items(table: Table, source: str) -> list[tuple[int, str, str]]:
    """(line, ASIN field, label field) for each row of a table with a header."""
    asin_at = table.column(*ASIN_COLUMNS)
    if asin_at is None:
        found = ", ".join(table.columns)
        raise UsageError(f"{source}: no ASIN column in the header (found: {found}); name one 'asin'")
    label_at = table.column(*LABEL_COLUMNS)
    return [
        (row.line, row.cell(asin_at), "" if label_at is None else row.cell(label_at))
        for row in table.rows
    ]


def _plain_items(text: str) -> list[tuple[int, str, str]]:
    """(line, ASIN field, label field) for each non-blank, non-comment line."""
    items: list[tuple[int, str, str]] = []
    for number, line in enumerate(split_lines(text), 1):
        stripped = line.strip().removeprefix("\ufeff")
        if not _significant(stripped):
            continue
        match = _PLAIN_LINE.fullmatch(stripped)
        assert match is not None  # the pattern matches any single line
        items.append((number, match.group(1), _unquote(match.group(2))))
    return items


def _unquote(label: str) -> str:
    """`"Bag, red"` -> `Bag, red`: a quoted label as spreadsheet software writes it."""
    label = label.strip()
    if len(label) >= 2 and label[0] == label[-1] == '"':
        return label[1:-1].replace('""', '"')
    return label


def _collect(items: list[tuple[int, str, str]]) -> WatchlistImport:
    """Check each ASIN and merge duplicates, keeping file order."""
    entries: dict[str, WatchEntry] = {}
    problems: list[ImportProblem] = []
    duplicates = 0
    for line, raw, label in items:
        try:
            asin = normalize_asin(raw)
        except UsageError as e:
            problems.append(ImportProblem(line, raw, str(e)))
            continue
        entry = WatchEntry(asin, label.strip() or None)
        if asin in entries:
            duplicates += 1
            if entries[asin].label is not None:
                continue
        entries[asin] = entry
    return WatchlistImport(tuple(entries.values()), tuple(problems), duplicates)


__all__ = [
    "ASIN_COLUMNS",
    "LABEL_COLUMNS",
    "ImportProblem",
    "WatchEntry",
    "WatchlistImport",
    "isbn10_check_ok",
    "isbn13_to_10",
    "normalize_asin",
    "parse_watchlist",
]
