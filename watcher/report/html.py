"""index.html of the evidence bundle: one self-contained page to open or print. Pure.

Catalog text is hostile input: every string from the catalog (and every other string) goes
through `_t` (control characters made visible, then `html.escape`), and the page carries a
Content-Security-Policy that allows no script at all, only inline styles and `data:` images.
The page itself contains no script. Images are embedded as `data:` URIs, so the file works
on its own, offline, from a zip or a USB stick.
"""

from __future__ import annotations

import base64
import difflib
from html import escape
from typing import Any

from ..model import Catalog
from ..render import clean, describe
from ..timeutil import show
from .complaint import FIELD_EN, FIELD_JA, Case, number
from .evidence import Evidence, Transition

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_L = {
    "ja": {
        "title": "商品詳細ページ変更の記録",
        "generated": "作成日時",
        "window": "対象期間",
        "all": "記録の全期間",
        "seller": "出品者ID",
        "facts": "事実の一覧",
        "requests": "お願い",
        "images": "メイン画像の比較",
        "before": "変更前",
        "after": "変更後",
        "registered": "当社登録内容",
        "latest": "最新の確認時点",
        "changes": "変更の詳細",
        "field": "項目",
        "timeline": "確認記録（バージョン）",
        "version": "版",
        "first_seen": "初回確認",
        "last_seen": "最終確認",
        "status": "状態",
        "main_image": "メイン画像",
        "browse_node": "カテゴリー",
        "parent": "親ASIN",
        "sellers": "出品者の記録",
        "others": "当社以外の出品者",
        "buybox": "カートボックス",
        "alerts": "アラート履歴",
        "opened": "検知",
        "closed": "終了",
        "what": "内容",
        "files": "同梱ファイル",
        "files_text": "images/ に保存画像、raw/ に各時点のAPI応答、SHA256SUMS に全ファイルのハッシュ値を同梱しています。",
        "no_image": "（画像の保存なし）",
        "verdict": "判定",
        "scores": "スコア",
        "none": "なし",
        "me": "当社",
        "baseline_mark": "登録内容",
        "restored": "当社登録の画像に戻りました。",
        "window_col": "変更があった期間（前回確認 → 今回確認）",
    },
    "en": {
        "title": "Listing change evidence",
        "generated": "Generated",
        "window": "Window",
        "all": "the whole history",
        "seller": "Seller id",
        "facts": "Facts",
        "requests": "Requests",
        "images": "Main image compared",
        "before": "Before",
        "after": "After",
        "registered": "Registered",
        "latest": "Latest observation",
        "changes": "Changes in detail",
        "field": "Field",
        "timeline": "Observations (versions)",
        "version": "v",
        "first_seen": "First seen",
        "last_seen": "Last seen",
        "status": "Status",
        "main_image": "Main image",
        "browse_node": "Browse node",
        "parent": "Parent",
        "sellers": "Sellers on the listing",
        "others": "Other sellers",
        "buybox": "Buy Box",
        "alerts": "Alert history",
        "opened": "Opened",
        "closed": "Closed",
        "what": "What",
        "files": "Files",
        "files_text": "images/ holds the stored images, raw/ the API answers at each observation, SHA256SUMS the hash of every file.",
        "no_image": "(no stored copy)",
        "verdict": "Verdict",
        "scores": "Scores",
        "none": "none",
        "me": "us",
        "baseline_mark": "registered",
        "restored": "Back to the registered image.",
        "window_col": "Changed between (observations)",
    },
}

_STYLE = """
body{font-family:"Hiragino Sans","Noto Sans CJK JP","Yu Gothic",Meiryo,sans-serif;margin:2em;color:#222;line-height:1.5}
h1{font-size:1.4em;margin-bottom:.2em}h2{font-size:1.15em;border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0;font-size:.9em}table.meta{width:auto}
th,td{border:1px solid #bbb;padding:.3em .5em;vertical-align:top;text-align:left;word-break:break-word}
th{background:#f0f0f0;word-break:keep-all}.meta td,.meta th{border:none;padding:.1em .8em .1em 0;width:auto}
del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
.pair{display:flex;gap:1.5em;flex-wrap:wrap;margin:1em 0;page-break-inside:avoid}
figure{margin:0;flex:1 1 300px;max-width:420px;border:1px solid #ccc;padding:.5em}
figure img{width:100%;height:auto;display:block;background:#fff}
figcaption{font-size:.85em;margin-top:.4em}.verdict{font-weight:bold;color:#b00}
.thumb{width:80px;height:auto}.base{background:#eef6ff}.facts li{margin:.4em 0;list-style:none}
@media print{body{margin:1cm}.pair{page-break-inside:avoid}}
"""


def _t(value: Any) -> str:
    """Any text, made safe: control characters visible, then HTML-escaped."""
    return escape(clean(value), quote=True)


def _img(e: Evidence, image_id: str | None, cls: str = "", lang: str = "ja") -> str:
    record = e.images.get(image_id or "")
    if record is None or not record.copy:
        return f"<p>{_t(_L[lang]['no_image'])}</p>"
    data = base64.b64encode(record.copy).decode("ascii")
    return f'<img src="data:image/jpeg;base64,{data}" alt="{_t(image_id)}" class="{cls}">'


def render(e: Evidence, case: Case, lang: str = "ja", zone: str = "Asia/Tokyo") -> str:
    """The whole page."""
    L = _L["ja" if lang == "ja" else "en"]
    window = (
        f"{show(e.window_from, zone) if e.window_from else '…'} – {show(e.window_to, zone) if e.window_to else '…'}"
        if e.window_from or e.window_to else L["all"]
    )
    label = f" {_t(e.label)}" if e.label else ""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"ja" if lang == "ja" else "en"}"><head>',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_t(L['title'])}: {_t(e.asin)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_t(L['title'])}: ASIN {_t(e.asin)}{label}</h1>",
        '<table class="meta">',
        f"<tr><th>{L['generated']}</th><td>{_t(show(e.generated_at, zone))}</td></tr>",
        f"<tr><th>{L['window']}</th><td>{_t(window)}</td></tr>",
        f"<tr><th>{L['seller']}</th><td>{_t(e.seller_id or '-')}</td></tr></table>",
        *_facts(case, lang, L),
        *_images(e, lang, L, zone),
        *_changes(e, lang, L, zone),
        *_timeline(e, lang, L, zone),
        *_sellers(e, L, zone),
        *_alerts(e, L, zone),
        f"<h2>{L['files']}</h2><p>{_t(L['files_text'])}</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _facts(case: Case, lang: str, L: dict[str, str]) -> list[str]:
    out = [f"<h2>{L['facts']}</h2>", '<ol class="facts">']
    for i, fact in enumerate(case.facts, 1):
        text = fact.ja if lang == "ja" else fact.en[:1].upper() + fact.en[1:]
        out.append(f"<li>{_t(number(i, lang))} {_t(text)}</li>")
    out.append("</ol>")
    requests = case.requests_ja if lang == "ja" else case.requests_en
    if requests:
        out += [f"<h2>{L['requests']}</h2>", "<ul>", *(f"<li>{_t(r)}</li>" for r in requests), "</ul>"]
    return out


def _figure(e: Evidence, image_id: str | None, caption: str, lang: str) -> str:
    record = e.images.get(image_id or "")
    size = f" ({record.width}×{record.height} px)" if record and record.width else ""
    return (f"<figure>{_img(e, image_id, lang=lang)}<figcaption>{_t(caption)}<br>"
            f"ID: {_t(image_id or '-')}{_t(size)}</figcaption></figure>")


_VERDICT_JA = {"recolored": "色違い", "different": "別の画像", "edited": "加工あり", "low_res": "低解像度",
               "same": "同じ画像", "unknown": "比較できず"}
_VERDICT_EN = {"recolored": "the same photo in another colour", "different": "another picture",
               "edited": "text, a logo or a watermark added", "low_res": "low resolution",
               "same": "the same picture", "unknown": "could not be compared"}


def _verdict(check: Any, L: dict[str, str]) -> str:
    scores = ", ".join(f"{_t(k)}={float(v):.3g}" for k, v in sorted(check.scores.items()))
    name = check.verdict or "-"
    if L is _L["ja"] and name in _VERDICT_JA:
        name = f"{_VERDICT_JA[name]} ({name})"
    elif name in _VERDICT_EN:
        name = f"{name} ({_VERDICT_EN[name]})"
    text = f'<p><span class="verdict">{L["verdict"]}: {_t(name)}</span>'
    return text + (f" &nbsp; {L['scores']}: {scores}" if scores else "") + "</p>"


def _images(e: Evidence, lang: str, L: dict[str, str], zone: str) -> list[str]:
    out: list[str] = []
    for t in e.transitions:
        for c in t.changes:
            if c.check.field != "main_image":
                continue
            out.append('<div class="pair">')
            out.append(_figure(e, c.check.before, f"{L['before']}: {show(t.before.last_seen, zone)}", lang))
            out.append(_figure(e, c.check.after, f"{L['after']}: {show(t.after.first_seen, zone)}", lang))
            out.append("</div>")
            out.append(f'<p>{_t(L["restored"])}</p>' if c.to_registered else _verdict(c.check, L))
    latest = next((f for f in e.latest_fields if f.field == "main_image" and f.same is not True), None)
    if latest is not None and not any(_shows_pair(t, latest.before, latest.after) for t in e.transitions):
        out.append('<div class="pair">')
        out.append(_figure(e, latest.before, f"{L['registered']}: {show(e.baseline.since, zone)}", lang))
        out.append(_figure(e, latest.after, f"{L['latest']}: {show(e.latest.last_seen, zone)}", lang))
        out.append("</div>")
        out.append(_verdict(latest, L))
    return [f"<h2>{L['images']}</h2>", *out] if out else []


def _shows_pair(t: Transition, before: Any, after: Any) -> bool:
    return any(c.check.field == "main_image" and c.check.before == before and c.check.after == after for c in t.changes)


def _changes(e: Evidence, lang: str, L: dict[str, str], zone: str) -> list[str]:
    rows = []
    names = FIELD_JA if lang == "ja" else FIELD_EN
    for t in e.transitions:
        when = f"{show(t.before.last_seen, zone)} → {show(t.after.first_seen, zone)}"
        for c in t.changes:
            old, new = _diff_html(_plain(c.check.field, c.check.before), _plain(c.check.field, c.check.after),
                                  by_character=c.check.field in _TEXT_FIELDS)
            rows.append(f"<tr><td>{_t(when)}</td><td>{_t(names.get(c.check.field, c.check.field))}</td>"
                        f"<td>{old}</td><td>{new}</td></tr>")
    if not rows:
        return []
    head = f"<tr><th>{L['window_col']}</th><th>{L['field']}</th><th>{L['before']}</th><th>{L['after']}</th></tr>"
    return [f"<h2>{L['changes']}</h2>", "<table>", head, *rows, "</table>"]


def _plain(name: str, value: Any) -> str:
    if value is None or value == []:
        return ""
    if name == "browse_node" and isinstance(value, dict):
        return (" > ".join(value.get("path") or []) or str(value.get("name"))) + f" [{value.get('id')}]"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


_TEXT_FIELDS = ("title", "brand", "browse_node")


def _diff_html(old: str, new: str, by_character: bool = True) -> tuple[str, str]:
    """Both sides escaped, with what was removed in <del> and what was added in <ins>.

    Text is compared character by character; ids (`by_character=False`) as a whole.
    """
    old, new = clean(old), clean(new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if not by_character or matcher.ratio() < 0.4:
        # Unrelated values (a pen's title and a bag's) read better as a whole than as confetti.
        return (f"<del>{escape(old)}</del>" if old else "", f"<ins>{escape(new)}</ins>" if new else "")
    a: list[str] = []
    b: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = escape(old[i1:i2]), escape(new[j1:j2])
        if op == "equal":
            a.append(left)
            b.append(right)
            continue
        if left:
            a.append(f"<del>{left}</del>")
        if right:
            b.append(f"<ins>{right}</ins>")
    return "".join(a), "".join(b)


def _timeline(e: Evidence, lang: str, L: dict[str, str], zone: str) -> list[str]:
    head = (f"<tr><th>{L['version']}</th><th>{L['first_seen']}</th><th>{L['last_seen']}</th><th>{L['status']}</th>"
            f"<th>{FIELD_JA['title'] if lang == 'ja' else 'Title'}</th><th>{L['browse_node']}</th>"
            f"<th>{L['main_image']}</th><th>{L['parent']}</th></tr>")
    rows = []
    base_id = e.baseline.catalog.id
    versions = list(e.versions)
    if base_id not in {v.id for v in versions}:
        versions.insert(0, e.baseline.catalog)
    for v in versions:
        cat = v.content if isinstance(v.content, Catalog) else None
        mark = f" ({L['baseline_mark']})" if v.id == base_id else ""
        image_id = cat.main_image.image_id if cat and cat.main_image else None
        node = _plain("browse_node", {"path": list(cat.browse_node.path), "name": cat.browse_node.name,
                                      "id": cat.browse_node.id}) if cat and cat.browse_node else ""
        rows.append(
            f'<tr class="{"base" if mark else ""}"><td>{v.version}{_t(mark)}</td><td>{_t(show(v.first_seen, zone))}</td>'
            f"<td>{_t(show(v.last_seen, zone))}</td><td>{_t(v.status)}</td><td>{_t(cat.title if cat else '')}</td>"
            f"<td>{_t(node)}</td><td>{_img(e, image_id, 'thumb', lang) if image_id else ''}<br>{_t(image_id or '')}</td>"
            f"<td>{_t(', '.join(cat.parent_asins) if cat else '')}</td></tr>"
        )
    return [f"<h2>{L['timeline']}</h2>", "<table>", head, *rows, "</table>"]


def _sellers(e: Evidence, L: dict[str, str], zone: str) -> list[str]:
    if not e.offers:
        return []
    head = (f"<tr><th>{L['version']}</th><th>{L['first_seen']}</th><th>{L['last_seen']}</th>"
            f"<th>{L['others']}</th><th>{L['buybox']}</th></tr>")
    rows = []
    for o in e.offers:
        buybox = ", ".join(L["me"] if s not in o.others and o.mine else s for s in o.buybox)
        rows.append(f"<tr><td>{o.version.version}</td><td>{_t(show(o.version.first_seen, zone))}</td>"
                    f"<td>{_t(show(o.version.last_seen, zone))}</td><td>{_t(', '.join(o.others) or L['none'])}</td>"
                    f"<td>{_t(buybox or '-')}</td></tr>")
    return [f"<h2>{L['sellers']}</h2>", "<table>", head, *rows, "</table>"]


def _alerts(e: Evidence, L: dict[str, str], zone: str) -> list[str]:
    if not e.alerts:
        return []
    head = (f"<tr><th>{L['opened']}</th><th>{L['closed']}</th><th>{L['status']}</th>"
            f"<th>{L['what']}</th></tr>")
    rows = [
        f"<tr><td>{_t(show(a.opened_at, zone))}</td><td>{_t(show(a.closed_at, zone) if a.closed_at else '-')}</td>"
        f"<td>{_t(a.status)} / {_t(a.severity)} / {_t(a.cause)}</td>"
        f"<td>{_t(_alert_what(a))}</td></tr>"
        for a in e.alerts
    ]
    return [f"<h2>{L['alerts']}</h2>", "<table>", head, *rows, "</table>"]


_VALUE_KINDS = {"title_changed": "title", "brand_changed": "brand", "browse_node_changed": "browse_node",
                "product_type_changed": "product_type", "parent_changed": "parent", "gallery_changed": "gallery"}


def _alert_what(a: Any) -> str:
    """What the alert saw, in full: a terminal line is cut to fit, evidence is not."""
    field = _VALUE_KINDS.get(a.kind)
    if field is None:
        return describe(a.kind, a.before, a.after, a.detail)
    return f"{field.replace('_', ' ')}: {_plain(field, a.before) or '-'} -> {_plain(field, a.after) or '-'}"
