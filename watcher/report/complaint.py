"""The numbered facts of a case and the case text, in Japanese and English. Pure.

Facts only: what the listing showed, when it was observed, what changed from what to
what, who had offers on the listing at those observations. Nobody is named as the one who
made a change; the text asks Amazon to find out. Times are in the marketplace's zone.

Catalog strings (and seller ids, which come from the same API) are hostile: they must not
add a line, close a quote early or pose as a fact number. They go through `render.clean`
(line breaks, control and bidi characters shown as `?`); inside our 「」 a 「 or 」 of
theirs is shown as 『 or 』, and ①..㊿ as (1)..(50), in English a `"` as `″`; an id
that is not plain letters and digits is quoted like text. evidence.json and raw/ keep the
exact values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..model import Catalog
from ..render import clean
from ..timeutil import from_db, show
from .evidence import Evidence, FieldChange, Transition, differs
from .fields import FieldCheck


@dataclass(frozen=True)
class Fact:
    kind: str  # registered, change, sellers, current, records
    ja: str
    en: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    facts: tuple[Fact, ...]
    requests_ja: tuple[str, ...]
    requests_en: tuple[str, ...]


FIELD_JA = {
    "title": "商品名",
    "brand": "ブランド",
    "browse_node": "カテゴリー（ブラウズノード）",
    "product_type": "商品タイプ",
    "main_image": "メイン画像",
    "parent": "親ASIN（バリエーション）",
    "gallery": "サブ画像",
    "listing": "商品情報",
}
FIELD_EN = {
    "title": "title",
    "brand": "brand",
    "browse_node": "browse node (category)",
    "product_type": "product type",
    "main_image": "main image",
    "parent": "variation parent",
    "gallery": "other images",
    "listing": "listing",
}
VERDICT_JA = {
    "recolored": "同じ商品写真の色だけを変えた画像（色違い）",
    "different": "元の画像とは別の画像",
    "edited": "元の画像に文字やロゴなどを加えた画像",
    "low_res": "元の画像と同じ写真で、解像度の低い画像（ズーム表示ができない大きさ）",
}
VERDICT_EN = {
    "recolored": "the same product photo with its colour changed (a recolour)",
    "different": "a different picture from the original",
    "edited": "the original picture with text, a logo or similar added",
    "low_res": "the same picture at a lower resolution (too small for zoom)",
}


def jtime(text: str, zone: str = "Asia/Tokyo") -> str:
    """`2026-11-02T18:10:00Z` -> `2026年11月3日 03:10` (in `zone`)."""
    from zoneinfo import ZoneInfo

    local = from_db(text).astimezone(ZoneInfo(zone))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def number(n: int, lang: str) -> str:
    """①..㊿ in Japanese (circled numbers), (1).. in English."""
    if lang != "ja":
        return f"({n})"
    if 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if 21 <= n <= 35:
        return chr(0x3251 + n - 21)
    if 36 <= n <= 50:
        return chr(0x32B1 + n - 36)
    return f"({n})"


def build_case(e: Evidence, zone: str = "Asia/Tokyo") -> Case:
    facts = [_registered(e, zone)]
    for t in e.transitions:
        facts += [_change(c, t, zone, i == 0) for i, c in enumerate(t.changes)]
        sellers = _sellers(t, zone)
        if sellers is not None:
            facts.append(sellers)
    if not e.transitions and not any(differs(e.registered, e.catalog(v), e.fingerprints) for v in e.window_versions):
        facts.append(_no_change(e, zone))
    if e.transitions or e.still_differs:
        facts.append(_current(e, zone))
    facts.append(_records(e))
    return Case(tuple(facts), *_requests(e, zone))


# --- facts -------------------------------------------------------------------------------------


# ①..⑳, ㉑..㉟, ㊱..㊿ -> (1)..(50): plain ASCII, which every font and the case form show.
_CIRCLED = {
    **{0x2460 + i: f"({1 + i})" for i in range(20)},
    **{0x3251 + i: f"({21 + i})" for i in range(15)},
    **{0x32B1 + i: f"({36 + i})" for i in range(15)},
}
_QUOTES = {"ja": {ord("「"): "『", ord("」"): "』", **_CIRCLED}, "en": {ord('"'): "″"}}
_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9+._-]*")


def _q(value: Any, lang: str = "ja") -> str:
    """Catalog text to put between our quotes: one line, unable to end them or number a fact."""
    return clean(value).translate(_QUOTES[lang]) if value not in (None, "") else ""


def _id(value: Any, lang: str = "ja") -> str:
    """An id (seller, ASIN, image) as is when it looks like one, else quoted like text."""
    text = clean(value)
    if _PLAIN_ID.fullmatch(text):
        return text
    return f"「{_q(value, 'ja')}」" if lang == "ja" else f'"{_q(value, "en")}"'


def _ids(values: Iterable[Any], lang: str) -> str:
    return ", ".join(_id(v, lang) for v in values)


def _node(value: Any, lang: str) -> str:
    if not value:
        return "（なし）" if lang == "ja" else "(none)"
    path = " > ".join(_q(p, lang) for p in value.get("path") or []) or _q(value.get("name"), lang)
    return f"「{path}」（ID: {_id(value.get('id'), lang)}）" if lang == "ja" else f'"{path}" (id {_id(value.get("id"), lang)})'


def _registered(e: Evidence, zone: str) -> Fact:
    cat, since, since_ja = e.registered, show(e.baseline.since, zone), jtime(e.baseline.since, zone)
    how_ja = "当社での記録開始時" if e.baseline.how == "first_run" else "当社が内容を確認・承認した時点"
    how_en = "when our records began" if e.baseline.how == "first_run" else "when we last confirmed it"
    data = {"version": e.baseline.catalog.version, "since": e.baseline.since, "how": e.baseline.how}
    if cat is None:
        return Fact("registered", f"{since_ja}（{how_ja}）の本ASINの内容を当社登録内容としています。",
                    f"We treat the content observed at {since} ({how_en}) as our registered content.", data)
    image = cat.main_image.image_id if cat.main_image else None
    parents_ja, parents_en = _ids(cat.parent_asins, "ja"), _ids(cat.parent_asins, "en")
    ja = (
        f"{since_ja}（{how_ja}）の本ASINの内容は、商品名「{_q(cat.title)}」、ブランド「{_q(cat.brand)}」、"
        f"カテゴリー{_node(_node_value(cat), 'ja')}、メイン画像（画像ID: {_id(image) if image else 'なし'}）"
        f"{'、親ASIN ' + parents_ja if parents_ja else '、親ASINの設定なし'}でした。これが当社の登録内容です。"
    )
    en = (
        f"At {since} ({how_en}) this ASIN showed: title \"{_q(cat.title, 'en')}\", brand \"{_q(cat.brand, 'en')}\", "
        f"browse node {_node(_node_value(cat), 'en')}, main image id {_id(image, 'en') if image else '(none)'}, "
        f"{'variation parent ' + parents_en if parents_en else 'no variation parent'}. This is our registered content."
    )
    return Fact("registered", ja, en, {**data, "title": cat.title, "brand": cat.brand,
                                       "browse_node": _node_value(cat), "main_image": image,
                                       "parent": list(cat.parent_asins)})


def _node_value(cat: Catalog) -> dict[str, Any] | None:
    node = cat.browse_node
    return {"id": node.id, "name": node.name, "path": list(node.path)} if node else None


def _window(t: Transition, zone: str) -> tuple[str, str]:
    a, b = t.before.last_seen, t.after.first_seen
    return (f"{jtime(a, zone)}の確認時点から{jtime(b, zone)}の確認時点までの間に、",
            f"Between our observations at {show(a, zone)} and at {show(b, zone)}, ")


def _change(c: FieldChange, t: Transition, zone: str, first: bool) -> Fact:
    when_ja, when_en = _window(t, zone) if first else ("同じ期間に、", "In the same window, ")
    ja, en = _restored_text(c.check) if c.to_registered else _change_text(c.check, c.from_registered)
    data = {
        "field": c.check.field,
        "from": c.check.before,
        "to": c.check.after,
        "from_registered": c.from_registered,
        "to_registered": c.to_registered,
        "after_previous_observation": t.before.last_seen,
        "first_observed": t.after.first_seen,
        "verdict": c.check.verdict,
        "scores": dict(c.check.scores),
    }
    return Fact("change", when_ja + ja, when_en + en, data)


def _restored_text(c: FieldCheck) -> tuple[str, str]:
    """A change back to the registered value."""
    if c.field == "listing":
        return _change_text(c, False)
    if c.field == "main_image":
        ja, en = f"（画像ID: {_id(c.after)}）", f" (image id {_id(c.after, 'en')})"
    elif c.field == "browse_node":
        ja, en = _node(c.after, "ja"), " " + _node(c.after, "en")
    elif c.field == "parent":
        ja, en = f"（{_ids(c.after, 'ja') or 'なし'}）", f" ({_ids(c.after, 'en') or 'none'})"
    else:
        ja, en = f"「{_q(_plain(c.after))}」", f' "{_q(_plain(c.after), "en")}"'
    return (f"{FIELD_JA[c.field]}が当社登録の内容{ja}に戻りました。",
            f"the {FIELD_EN[c.field]} returned to our registered content{en}.")


def _plain(value: Any) -> Any:
    return ", ".join(value) if isinstance(value, list) else value


def _change_text(c: FieldCheck, registered: bool) -> tuple[str, str]:
    b, a = c.before, c.after
    mine_ja, mine_en = ("当社登録の", "our registered ") if registered else ("", "")
    if c.field == "main_image":
        ja = f"メイン画像が{mine_ja}画像（画像ID: {_id(b) if b else 'なし'}）から別の画像（画像ID: {_id(a) if a else 'なし'}）に差し替えられました。"
        en = (f"the main image changed from {mine_en}image id {_id(b, 'en') if b else '(none)'} "
              f"to image id {_id(a, 'en') if a else '(none)'}.")
        if c.verdict in VERDICT_JA:
            ja += f"両者を比較した結果、変更後の画像は{VERDICT_JA[c.verdict]}と判定されました。"
            en += f" Compared with each other, the new image is {VERDICT_EN[c.verdict]}."
        return ja, en
    if c.field == "browse_node":
        return (f"カテゴリー（ブラウズノード）が{mine_ja}{_node(b, 'ja')}から{_node(a, 'ja')}に変更されました。",
                f"the browse node changed from {mine_en}{_node(b, 'en')} to {_node(a, 'en')}.")
    if c.field == "parent":
        if a and not b:
            return (f"本ASINに親ASIN {_ids(a, 'ja')} が設定され、そのバリエーションの子ASINとして扱われるようになりました。",
                    f"this ASIN was attached as a variation child of parent ASIN {_ids(a, 'en')}.")
        return (f"親ASINが{_ids(b, 'ja') or 'なし'}から{_ids(a, 'ja') or 'なし'}に変更されました。",
                f"the variation parent changed from {_ids(b, 'en') or '(none)'} to {_ids(a, 'en') or '(none)'}.")
    if c.field == "gallery":
        return ("サブ画像の構成（画像ID）が変更されました（画像の内容は比較していません）。",
                "the set of other images (image ids) changed (their content was not compared).")
    if c.field == "listing":
        if a == "not_found":
            return ("本ASINの商品情報がカタログから取得できなくなりました（APIの応答: 該当なし）。",
                    "the catalog stopped returning this ASIN (API answer: not found).")
        return ("本ASINの商品情報が再びカタログから取得できるようになりました。",
                "the catalog returned this ASIN again.")
    name_ja, name_en = FIELD_JA[c.field], FIELD_EN[c.field]
    return (f"{name_ja}が{mine_ja}「{_q(b)}」から「{_q(a)}」に変更されました。",
            f"the {name_en} changed from {mine_en}\"{_q(b, 'en')}\" to \"{_q(a, 'en')}\".")


def _sellers(t: Transition, zone: str) -> Fact | None:
    after = t.offers_after
    if after is None:
        return None
    at, before_at = show(t.after.first_seen, zone), show(t.before.last_seen, zone)
    at_ja, before_ja = jtime(t.after.first_seen, zone), jtime(t.before.last_seen, zone)
    data = {"observed": t.after.first_seen, "others": list(after.others), "joined": list(t.joined),
            "buybox": list(after.buybox), "others_before": list(t.offers_before.others) if t.offers_before else None}
    if not after.others:
        return Fact(
            "sellers",
            f"{at_ja}の確認時点で、本ASINに当社以外の出品は確認されませんでした（在庫のない出品者は出品一覧に表示されません）。",
            f"At the observation of {at}, no seller other than us had an offer on this ASIN "
            "(sellers with no stock do not appear in the offer list).",
            data,
        )
    ja = f"{at_ja}の確認時点で、本ASINには当社以外に次の出品者が出品していました: {_ids(after.others, 'ja')}。"
    en = f"At the observation of {at}, these sellers other than us had offers on this ASIN: {_ids(after.others, 'en')}."
    if t.joined:
        ja += f"このうち {_ids(t.joined, 'ja')} は、直前の{before_ja}の確認時点では出品していませんでした。"
        en += f" Of these, {_ids(t.joined, 'en')} had no offer at the previous observation ({before_at})."
    others_bb = [s for s in after.buybox if s in after.others]
    if others_bb:
        ja += f"カートボックスは {_ids(others_bb, 'ja')} が獲得していました。"
        en += f" The Buy Box was held by {_ids(others_bb, 'en')}."
    return Fact("sellers", ja, en, data)


def _current(e: Evidence, zone: str) -> Fact:
    at, at_ja = show(e.latest.last_seen, zone), jtime(e.latest.last_seen, zone)
    still = e.still_differs
    data = {"observed": e.latest.last_seen, "still_differs": [f.field for f in still]}
    if still:
        names_ja = "・".join(FIELD_JA[f.field] for f in still)
        names_en = _and(FIELD_EN[f.field] for f in still)
        return Fact("current",
                    f"最新の確認時点（{at_ja}）でも、{names_ja}は当社登録内容と異なる内容のまま表示されています。",
                    f"at our latest observation ({at}) the {names_en} still differed from our registered content.",
                    data)
    since, since_ja = show(e.latest.first_seen, zone), jtime(e.latest.first_seen, zone)
    latest_ja = f"（最新の確認: {at_ja}）" if at != since else ""
    latest_en = f" (latest observation: {at})" if at != since else ""
    return Fact("current",
                f"{since_ja}の確認時点で、本ASINの内容は当社登録内容に戻っていました{latest_ja}。",
                f"at the observation of {since} this ASIN showed our registered content again{latest_en}.",
                data)


def _no_change(e: Evidence, zone: str) -> Fact:
    """Only over the observations in the window: what lies outside it was not looked at."""
    first, last = e.window_versions[0].first_seen, e.window_versions[-1].last_seen
    if first == last:
        ja, en = f"{jtime(first, zone)}の確認記録", f"our observation at {show(first, zone)} shows"
    else:
        ja, en = (f"{jtime(first, zone)}から{jtime(last, zone)}までの確認記録",
                  f"our observations from {show(first, zone)} to {show(last, zone)} show")
    return Fact(
        "current",
        f"{ja}では、本ASINの内容に当社登録内容からの変更は確認されませんでした。",
        f"{en} no change from our registered content.",
        {"observed": last, "still_differs": []},
    )


def _records(e: Evidence) -> Fact:
    return Fact(
        "records",
        "上記の各時点の内容は、Amazon Selling Partner API（カタログ情報・出品情報）の応答として毎日取得し、"
        "変更前後の画像とともに保存している記録によるものです。必要に応じて提出いたします。",
        "The content at each time above comes from the Amazon Selling Partner API (catalog and offers) answers "
        "we fetch daily and keep, together with the images before and after; we can provide them on request.",
        {"raw_answers": sorted(e.raw)},
    )


# --- requests ------------------------------------------------------------------------------------


def _requests(e: Evidence, zone: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ja: list[str] = []
    en: list[str] = []
    still = [f for f in e.still_differs if f.field != "listing"]
    if still:
        names_ja = "・".join(FIELD_JA[f.field] for f in still)
        names_en = _and(FIELD_EN[f.field] for f in still)
        ja.append(f"商品詳細ページの{names_ja}を、当社の登録内容（①）に戻していただけますでしょうか。")
        en.append(f"Please restore the {names_en} of the product detail page to our registered content (1).")
    if _content_changed(e):
        ja.append("本変更がどの出品者アカウントの申請・データによるものかをご確認のうえ、再発防止の措置をご検討ください。")
        en.append("Please identify which seller account's contribution made this change, and consider measures "
                  "to prevent it from happening again.")
    if _content_changed(e) and e.changed_period is not None:
        start, back = e.changed_period
        first, first_ja = show(start, zone), jtime(start, zone)
        last = jtime(back, zone) if back else "現在"
        last_en = show(back, zone) if back else "now"
        # Checks are nightly: the changed content was shown for part of this span, not
        # necessarily all of it, so the span is given as the checks around it.
        span_ja = f"当社の確認では{first_ja}と{last}の各確認時点の間" if back else \
            f"当社の確認では{first_ja}の確認時点以降、現在まで"
        span_en = f"at some point between our checks at {first} and {last_en}" if back else \
            f"at some point between our check at {first} and now"
        ja.append(f"変更後の内容が表示されていた期間（{span_ja}）のご注文で、商品ページと商品の相違を理由とする"
                  "返品が発生した場合、返品送料のご負担についてご検討いただけますと幸いです。")
        en.append(f"For orders placed while the changed content was shown ({span_en}) and returned "
                  "because the product differed from the page, please consider covering the return shipping.")
    return tuple(ja), tuple(en)


# --- the texts -----------------------------------------------------------------------------------


def case_text(e: Evidence, case: Case, lang: str) -> str:
    """The text to paste into a Seller Central case."""
    return _text_ja(e, case) if lang == "ja" else _text_en(e, case)


def _text_ja(e: Evidence, case: Case) -> str:
    label = f"（{_q(e.label)}）" if e.label else ""
    seller = f"出品者ID {_id(e.seller_id)} にて出品しております。" if e.seller_id else ""
    lines = [
        (f"件名: 商品詳細ページの内容変更について（ASIN: {e.asin}）" if _changed(e)
         else f"件名: 商品詳細ページの記録について（ASIN: {e.asin}）"),
        "",
        "Amazon出品者サポート ご担当者様",
        "",
        f"いつもお世話になっております。{seller}",
        (f"ASIN: {e.asin}{label}の商品詳細ページが、当社の登録内容と異なる内容に変更されています。" if _changed(e)
         else f"ASIN: {e.asin}{label}の商品詳細ページについて、当社の記録をご報告いたします。"),
        "当社の記録で確認した事実は次のとおりです（時刻はすべて日本時間）。",
        "",
    ]
    lines += [f"{number(i, 'ja')} {f.ja}" for i, f in enumerate(case.facts, 1)]
    if case.requests_ja:
        lines += ["", "つきましては、次の対応をお願いいたします。"]
        lines += [f"・{r}" for r in case.requests_ja]
    lines += ["", "お手数をおかけしますが、ご確認のほどよろしくお願いいたします。", ""]
    return "\n".join(lines)


def _text_en(e: Evidence, case: Case) -> str:
    label = f" ({_q(e.label, 'en')})" if e.label else ""
    seller = f" We sell on this listing as seller {_id(e.seller_id, 'en')}." if e.seller_id else ""
    lines = [
        (f"Subject: Changes to the product detail page of ASIN {e.asin}" if _changed(e)
         else f"Subject: Our record of the product detail page of ASIN {e.asin}"),
        "",
        "Dear Selling Partner Support,",
        "",
        (f"The product detail page of ASIN {e.asin}{label} has been changed to content that differs from what we "
         f"registered." if _changed(e) else f"This is our record of the product detail page of ASIN {e.asin}{label}.")
        + f"{seller} These are the facts from our records (all times Japan Standard Time):",
        "",
    ]
    lines += [f"{number(i, 'en')} {_capital(f.en)}" for i, f in enumerate(case.facts, 1)]
    if case.requests_en:
        lines += ["", "Our requests:"]
        lines += [f"- {r}" for r in case.requests_en]
    lines += ["", "Thank you for looking into this.", ""]
    return "\n".join(lines)


def _changed(e: Evidence) -> bool:
    return _content_changed(e) or bool(e.still_differs)


def _content_changed(e: Evidence) -> bool:
    """A change of what the page showed; the catalog answering "not found" for a night is not one."""
    return any(c.check.field != "listing" for t in e.transitions for c in t.changes)


def _and(items: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    words = list(items)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def facts_json(case: Case) -> list[dict[str, Any]]:
    return [{"n": i, "kind": f.kind, "ja": f.ja, "en": _capital(f.en), **f.data} for i, f in enumerate(case.facts, 1)]


__all__ = ["Case", "Fact", "build_case", "case_text", "facts_json", "number"]
