import pytest

from watcher.asins import (
    ImportProblem,
    WatchEntry,
    WatchlistImport,
    isbn10_check_ok,
    isbn13_to_10,
    normalize_asin,
    parse_watchlist,
)
from watcher.errors import UsageError

# --- normalize_asin --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B0C1234567", "B0C1234567"),
        ("  b0c1234567\n", "B0C1234567"),  # lower-case, whitespace
        ("Ｂ０Ｃ１２３４５６７", "B0C1234567"),  # full-width from a Japanese IME
        ("\u3000ｂ０ｃ１２３４５６７\u3000", "B0C1234567"),  # ideographic spaces
        ("B00005N5PF", "B00005N5PF"),
        ("4101092052", "4101092052"),  # ISBN-10
        ("406123451X", "406123451X"),  # ISBN-10 with check digit X
        ("406123451x", "406123451X"),
        ("４０６１２３４５１ｘ", "406123451X"),
    ],
)
def test_normalize_asin_accepts(text: str, expected: str) -> None:
    assert normalize_asin(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty ASIN"),
        ("   ", "empty ASIN"),
        ("B0C123456", "9 characters; an ASIN has 10"),
        ("B0C12345678", "11 characters"),
        ("B0C-234567", "only letters A-Z and digits"),
        ("B0C 234567", "only letters A-Z and digits"),
        ("9784101092058", "ISBN-13; the book's ASIN is its ISBN-10, 4101092052"),
        ("9791032305690", "979, which has no ISBN-10"),
        ("A0C1234567", "ASINs start with B"),
        ("4X01092052", "ASINs start with B"),
        ("4101092053", "check digit is wrong"),
        ("406123451０", "check digit is wrong"),
    ],
)
def test_normalize_asin_rejects(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        normalize_asin(text)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("isbn13", "isbn10"),
    [("9780306406157", "0306406152"), ("9784061234519", "406123451X"), ("9784101092058", "4101092052")],
)
def test_isbn13_to_10(isbn13: str, isbn10: str) -> None:
    assert isbn13_to_10(isbn13) == isbn10 and isbn10_check_ok(isbn10)


def test_isbn10_check() -> None:
    assert isbn10_check_ok("080442957X")
    assert not isbn10_check_ok("0804429579")


# --- parse_watchlist: plain text -------------------------------------------------------

PLAIN = """\
# my watch list

B0C1234567 赤いバッグ
B0D7654321\tボールペン（黒）
B0E1111111,"Bag, red"
  # indented comment
ｂ０ｆ２２２２２２２　全角のラベル
B0G3333333
"""


def test_plain_text_with_labels_and_comments() -> None:
    result = parse_watchlist(PLAIN.encode(), "list.txt")
    assert result == WatchlistImport(
        entries=(
            WatchEntry("B0C1234567", "赤いバッグ"),
            WatchEntry("B0D7654321", "ボールペン（黒）"),
            WatchEntry("B0E1111111", "Bag, red"),
            WatchEntry("B0F2222222", "全角のラベル"),  # the label is kept as typed
            WatchEntry("B0G3333333", None),
        ),
        problems=(),
        duplicates=0,
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "utf-16"])
def test_plain_text_in_each_encoding(encoding: str) -> None:
    result = parse_watchlist(PLAIN.encode(encoding), "list.txt")
    assert [e.label for e in result.entries][:2] == ["赤いバッグ", "ボールペン（黒）"]
    assert result.problems == ()


def test_crlf_line_numbers() -> None:
    result = parse_watchlist(b"B0C1234567\r\n\r\nB0BAD\r\n", "list.txt")
    assert result.problems == (ImportProblem(3, "B0BAD", result.problems[0].message),)


def test_bad_lines_reported_with_line_numbers_good_ones_kept() -> None:
    data = "# list\nB0C1234567 ok\nB0C12 short\n\n4101092053 typo\nB0D7654321\n日本語だけ\n".encode()
    result = parse_watchlist(data, "list.txt")
    assert [e.asin for e in result.entries] == ["B0C1234567", "B0D7654321"]
    assert [(p.line, p.text) for p in result.problems] == [
        (3, "B0C12"),
        (5, "4101092053"),
        (7, "日本語だけ"),
    ]
    assert "check digit" in result.problems[1].message


def test_duplicates_merged_first_label_wins_unless_empty() -> None:
    data = "B0C1234567\nb0c1234567 late label\nB0C1234567 later label\nB0D7654321 first\nB0D7654321 second\n"
    result = parse_watchlist(data.encode(), "list.txt")
    assert result.entries == (
        WatchEntry("B0C1234567", "late label"),
        WatchEntry("B0D7654321", "first"),
    )
    assert result.duplicates == 3


def test_empty_file() -> None:
    assert parse_watchlist(b"", "list.txt") == WatchlistImport((), (), 0)
    assert parse_watchlist(b"# nothing yet\n\n", "list.txt") == WatchlistImport((), (), 0)


def test_first_line_asin_with_label_that_is_a_column_word_is_plain_text() -> None:
    result = parse_watchlist(b"B0C1234567,title\nB0D7654321,name\n", "list.txt")
    assert [e.label for e in result.entries] == ["title", "name"]


# --- parse_watchlist: tables -----------------------------------------------------------


def test_csv_with_header() -> None:
    data = 'ASIN,Label,price\nB0C1234567,"Bag, red",1200\nb0d7654321,,980\n,orphan,1\n'.encode()
    result = parse_watchlist(data, "list.csv")
    assert result.entries == (WatchEntry("B0C1234567", "Bag, red"), WatchEntry("B0D7654321", None))
    assert result.problems == (ImportProblem(4, "", "empty ASIN"),)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "utf-16"])
def test_csv_japanese_header_each_encoding(encoding: str) -> None:
    text = "ASIN,商品名\nB0C1234567,赤いバッグ\nB0D7654321,ボールペン（黒）\n"
    data = text.encode(encoding)
    result = parse_watchlist(data, "list.csv")
    assert result.entries == (
        WatchEntry("B0C1234567", "赤いバッグ"),
        WatchEntry("B0D7654321", "ボールペン（黒）"),
    )


def test_seller_central_inventory_tsv() -> None:
    data = (
        "sku\tasin1\titem-name\tprice\tquantity\n"
        "BAG-RED\tB0C1234567\t赤いバッグ 15.6\" ノートPC対応\t3980\t5\n"
        "PEN-BLK\tB0D7654321\tボールペン（黒）\t120\t100\n"
        "PEN-BLK-2\tB0D7654321\tボールペン（黒）2本\t230\t10\n"
        "BROKEN\tB0X\tなにか\t1\t1\n"
    ).encode("cp932")
    result = parse_watchlist(data, "inventory.txt")
    assert result.entries == (
        WatchEntry("B0C1234567", '赤いバッグ 15.6" ノートPC対応'),
        WatchEntry("B0D7654321", "ボールペン（黒）"),
    )
    assert result.duplicates == 1
    assert [(p.line, p.text) for p in result.problems] == [(5, "B0X")]


def test_table_after_leading_comment() -> None:
    result = parse_watchlist(b"# exported\nasin\tlabel\nB0C1234567\tbag\n", "list.tsv")
    assert result.entries == (WatchEntry("B0C1234567", "bag"),)


def test_header_without_asin_column_is_an_error() -> None:
    with pytest.raises(UsageError) as info:
        parse_watchlist(b"sku,item-name,price\nBAG-RED,bag,1200\n", "list.csv")
    message = str(info.value)
    assert message.startswith("list.csv: no ASIN column")
    assert "sku, item-name, price" in message
    assert "\n" not in message


def test_undecodable_file_is_an_error() -> None:
    with pytest.raises(UsageError, match="list.csv: neither UTF-8 nor CP932"):
        parse_watchlist(b"asin\nB0C1234567,\x82\x20\n", "list.csv")
