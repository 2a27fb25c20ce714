"""Bytes from Seller Central (or Excel) -> text -> rows.

Files sellers hand us come as UTF-8, UTF-8 with a BOM, CP932 (Windows Shift_JIS, what
Japanese Excel writes for "CSV") and sometimes UTF-16 with a BOM (Excel "Unicode text").
`decode_text` picks the encoding without guessing wildly: a wrong guess shows up later as
mojibake in labels, which is worse than a clear error now.

`read_table` reads a CSV or TSV with a header line, e.g. an inventory report
(`sku<TAB>asin1<TAB>item-name ...`) or a returns report
(`return-date<TAB>order-id<TAB>asin<TAB>reason ...`).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator

from .errors import UsageError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),  # the utf-16 codec reads the BOM and drops it
    (b"\xfe\xff", "utf-16"),
)
_NEWLINE = re.compile(r"\r\n|\r|\n")
_SEPARATORS = re.compile(r"[\s_-]+")


def decode_text(data: bytes, source: str) -> str:
    """Decode a text file: BOM first, then strict UTF-8, then strict CP932.

    `source` names the file in error messages.

    >>> decode_text("赤いバッグ".encode("cp932"), "list.csv")
    '赤いバッグ'
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                message = f"{source}: starts with a {encoding} BOM but is not valid {encoding}"
                raise UsageError(message) from None
    if b"\x00" in data:
        # Text never holds NUL; this is an .xlsx/binary file or UTF-16 without its BOM.
        raise UsageError(f"{source}: not a text file (NUL bytes); save it as CSV or text in UTF-8")
    for decode in (_utf8, _cp932):
        text = decode(data)
        if text is not None:
            return text
    raise UsageError(f"{source}: neither UTF-8 nor CP932 (Shift_JIS) text; save it as UTF-8")


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _cp932(data: bytes) -> str | None:
    """Strict CP932, also refusing the bytes that are not Shift_JIS characters at all.

    Python's cp932 maps 0x80, 0xA0 and 0xFD-0xFF to U+0080 and private-use characters, and
    user-defined lead bytes to the private-use area; real Seller Central files have none of
    these, while EUC-JP or binary files mis-read as CP932 often do.
    """
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        return None
    if any(ch == "\x80" or "\ue000" <= ch <= "\uf8ff" for ch in text):
        return None
    return text


def split_lines(text: str) -> list[str]:
    r"""Split on \r\n, \r or \n only, so line numbers match what an editor shows.

    (`str.splitlines` also splits on form feeds and U+2028, which would shift them.)
    """
    return _NEWLINE.split(text)


def sniff_delimiter(header_line: str) -> str:
    """Tab if the header line has more tabs than commas, else comma."""
    return "\t" if header_line.count("\t") > header_line.count(",") else ","


def normalize_column(name: str) -> str:
    """Header cell -> lookup key: BOM removed, NFKC (full-width letters), stripped, lower-case.

    >>> normalize_column("\\ufeffＡＳＩＮ1 ")
    'asin1'
    """
    return unicodedata.normalize("NFKC", name.replace("\ufeff", "")).strip().lower()


@dataclass(frozen=True)
class Row:
    line: int  # 1-based line of the text where the row starts
    values: tuple[str, ...]  # stripped cells, in header order

    def cell(self, index: int) -> str:
        """The value at `index`, or "" when the row is shorter than the header."""
        return self.values[index] if 0 <= index < len(self.values) else ""


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]  # normalised header names (see `normalize_column`)
    rows: tuple[Row, ...]
    delimiter: str

    def column(self, *names: str) -> int | None:
        """Index of the first of `names` that is a column (in the order given), else None.

        `-`, `_` and spaces are the same here: `Return Date`, `return_date` and
        `return-date` all name one column.
        """
        loose = [_loose(c) for c in self.columns]
        for name in names:
            key = normalize_column(name)
            if key in self.columns:
                return self.columns.index(key)
            if _loose(key) in loose:
                return loose.index(_loose(key))
        return None


def _loose(name: str) -> str:
    return _SEPARATORS.sub("-", name)


def read_table(text: str, comment: str | None = None, source: str = "<input>") -> Table:
    """Read CSV or TSV text whose first non-blank line is the header.

    The delimiter is sniffed from that line. Blank rows are skipped and so, when `comment`
    is given, are rows whose first cell starts with it. TSV is read line by line, as
    Amazon writes it, so a quote character never swallows the next line: an item name like
    `15.6" laptop` stays intact, and only a cell quoted whole (`"Bag, red"`, as a
    spreadsheet re-saves it) loses its quotes. `source` names the text in errors.

    >>> t = read_table("sku\\tasin1\\n\\nA-1\\tB0C1234567\\n")
    >>> t.columns, t.rows[0].line, t.rows[0].cell(t.column("asin1"))
    (('sku', 'asin1'), 3, 'B0C1234567')
    """
    lines = split_lines(text.removeprefix("\ufeff"))
    first = next((line for line in lines if _significant(line, comment)), "")
    delimiter = sniff_delimiter(first)
    numbered = _tsv_rows(lines) if delimiter == "\t" else _csv_rows(lines, source)
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    for line, cells in numbered:
        values = tuple(cell.strip() for cell in cells)
        if not any(values) or (comment is not None and values[0].startswith(comment)):
            continue
        if header is None:
            header = tuple(normalize_column(v) for v in values)
        else:
            rows.append(Row(line, values))
    return Table(header or (), tuple(rows), delimiter)


def _tsv_rows(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(lines, 1):
        yield number, [_unquote(cell) for cell in line.split("\t")]


def _unquote(cell: str) -> str:
    """A cell quoted whole loses its quotes, `""` inside reading `"`; any other is kept."""
    stripped = cell.strip()
    inner = stripped[1:-1]
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"' and '"' not in inner.replace('""', ""):
        return inner.replace('""', '"')
    return cell


def _csv_rows(lines: list[str], source: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader((line + "\n" for line in lines), strict=False)
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if reader.line_num == len(lines) and line < len(lines) and _open_quote(lines[line - 1:]):
                # Python's csv reads an unclosed quote to the end of the file, silently
                # swallowing every row after it.
                raise UsageError(f"{source}: line {line}: a quoted field is never closed (a stray \")")
            yield line, cells
    except csv.Error as e:
        raise UsageError(f"{source}: line {start}: {e}") from None


def _open_quote(lines: list[str]) -> bool:
    """Whether these lines, read as CSV, end inside a quoted field."""
    try:
        list(csv.reader((line + "\n" for line in lines), strict=True))
    except csv.Error as e:
        return "end of data" in str(e)
    return False


def _significant(line: str, comment: str | None) -> bool:
    stripped = line.strip()
    return bool(stripped) and not (comment is not None and stripped.startswith(comment))


__all__ = [
    "Row",
    "Table",
    "decode_text",
    "normalize_column",
    "read_table",
    "sniff_delimiter",
    "split_lines",
]
