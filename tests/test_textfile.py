import pytest

from watcher.errors import UsageError
from watcher.textfile import decode_text, normalize_column, read_table, sniff_delimiter, split_lines

TEXT = "asin,label\nB0C1234567,赤いバッグ\nB0D7654321,ボールペン（黒）\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        TEXT.encode("utf-8-sig"),
        TEXT.encode("cp932"),
        TEXT.encode("shift_jis"),
        TEXT.encode("utf-16"),  # with a BOM, in the machine's byte order
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        b"\xfe\xff" + TEXT.encode("utf-16-be"),
    ],
    ids=["utf-8", "utf-8-bom", "cp932", "shift_jis", "utf-16", "utf-16-le", "utf-16-be"],
)
def test_decode_round_trips_japanese(data: bytes) -> None:
    assert decode_text(data, "list.csv") == TEXT


def test_decode_crlf_and_empty() -> None:
    assert decode_text("a\r\n赤\r\n".encode("cp932"), "x") == "a\r\n赤\r\n"
    assert decode_text(b"", "x") == ""


@pytest.mark.parametrize(
    "data",
    [
        b"B0C1234567,\x82\x20bag\n",  # lead byte + space: bad in UTF-8 and in CP932
        b"B0C1234567,\x81\x7f\n",
        b"caf\xe9 \x80\n",  # Latin-1: 0x80 is not a Shift_JIS character
    ],
)
def test_decode_rejects_neither_utf8_nor_cp932(data: bytes) -> None:
    with pytest.raises(UsageError, match=r"^list\.csv: neither UTF-8 nor CP932") as info:
        decode_text(data, "list.csv")
    assert "\n" not in str(info.value)


def test_decode_rejects_binary_and_bomless_utf16() -> None:
    with pytest.raises(UsageError, match="not a text file"):
        decode_text("asin\n".encode("utf-16-le"), "list.txt")
    with pytest.raises(UsageError, match="not a text file"):
        decode_text(b"PK\x03\x04\x14\x00\x06\x00", "list.xlsx")


def test_decode_bad_after_bom() -> None:
    with pytest.raises(UsageError, match="utf-8-sig"):
        decode_text(b"\xef\xbb\xbfB0C1234567 \xff\n", "list.txt")


def test_split_lines_keeps_editor_line_numbers() -> None:
    assert split_lines("a\r\nb\rc\nd\x0ce") == ["a", "b", "c", "d\x0ce"]


def test_sniff_delimiter() -> None:
    assert sniff_delimiter("sku\tasin1\titem-name") == "\t"
    assert sniff_delimiter("asin,label") == ","
    assert sniff_delimiter("asin") == ","


def test_normalize_column() -> None:
    assert normalize_column("\ufeff ASIN1 ") == "asin1"
    assert normalize_column("Item-Name") == "item-name"
    assert normalize_column("ＡＳＩＮ") == "asin"
    assert normalize_column("商品名") == "商品名"


def test_read_table_returns_report_tsv() -> None:
    text = (
        "\ufeffreturn-date\torder-id\tASIN\treason\tcustomer-comments\n"
        "2024-05-01T10:00:00+09:00\t250-1234567-1234567\tB0C1234567\tDEFECTIVE\t\"届いた商品が違う\n"
        "\n"
        "2024-05-02T10:00:00+09:00\t250-7654321-7654321\tB0D7654321\tNOT_AS_DESCRIBED\t15.6\" 画面\n"
    )
    table = read_table(text)
    assert table.delimiter == "\t"
    assert table.columns == ("return-date", "order-id", "asin", "reason", "customer-comments")
    assert [row.line for row in table.rows] == [2, 4]
    comments = table.column("customer-comments")
    assert comments is not None
    # Amazon's TSV is unquoted: quote characters are data, never swallow the next line.
    assert [row.cell(comments) for row in table.rows] == ['"届いた商品が違う', '15.6" 画面']


def test_read_table_csv_quoting_and_line_numbers() -> None:
    text = 'asin,label\r\nB0C1234567,"Bag, red"\r\nB0D7654321,"two\r\nlines"\r\nB0E1111111\r\n'
    table = read_table(text)
    assert table.columns == ("asin", "label")
    assert [(row.line, row.values) for row in table.rows] == [
        (2, ("B0C1234567", "Bag, red")),
        (3, ("B0D7654321", "two\nlines")),
        (5, ("B0E1111111",)),
    ]
    assert table.rows[2].cell(1) == ""  # short row


def test_read_table_skips_comments_and_leading_blanks() -> None:
    table = read_table("\n# exported 2024-05-01\nASIN\tLabel\n# note\nB0C1234567\tbag\n", comment="#")
    assert table.columns == ("asin", "label")
    assert [(row.line, row.values) for row in table.rows] == [(5, ("B0C1234567", "bag"))]


def test_table_column_prefers_first_name_given() -> None:
    table = read_table("asin1,asin,name\n")
    assert table.column("asin", "asin1") == 1
    assert table.column("ASIN1") == 0
    assert table.column("title") is None
    assert table.rows == ()


def test_read_table_empty() -> None:
    table = read_table("")
    assert table.columns == () and table.rows == ()
