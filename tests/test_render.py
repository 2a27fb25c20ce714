"""Terminal rendering: catalog text is hostile, and Japanese takes two columns."""

from watcher.render import clean, table, truncate, width


def test_control_bidi_and_invisible_characters_are_shown_not_interpreted():
    hostile = "赤\x1b[31mバッグ\x1b]8;;http://evil\x07\u202eevil\u2066\ufeff\u2060\u061c\r\nend"
    out = clean(hostile)
    for ch in "\x1b\x07\u202e\u2066\ufeff\u2060\u061c\r\n":
        assert ch not in out
    assert out.startswith("赤?[31mバッグ") and out.endswith("??end")


def test_table_lines_up_by_display_width():
    lines = table(["label", "ASIN"], [["赤いバッグ", "B0TEST0001"], ["pen", "B0TEST0002"]]).splitlines()
    second = [lines[0].index("ASIN"), lines[1].rindex(" -") + 1, lines[2].index("B0"), lines[3].index("B0")]
    # The second column starts at display column 10 + 2 on every line, Japanese or not.
    assert [width(line[:at]) for line, at in zip(lines, second)] == [12, 12, 12, 12]


def test_truncate_counts_wide_characters_twice():
    text = truncate("ゲルインク ボールペン 0.5mm", 12)
    assert width(text) <= 12 and text.endswith("…")
    assert truncate("short", 12) == "short"
