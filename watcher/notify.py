"""One digest per night to a chat webhook: what changed, what came back, what failed.

The message is Slack's incoming-webhook shape, `{"text": "..."}`, which Slack, Mattermost,
Rocket.Chat, Google Chat and Discord (its `/slack` webhook URL) all accept.

A webhook URL carries its own secret (the token is in the path), so it is treated like a
credential: an error names the host and the HTTP status, never the URL. Catalog text is
hostile here too: `&`, `<` and `>` are escaped as Slack requires (so a title cannot turn
into a link or an `<!channel>` ping), `@` becomes a full-width `＠` (so `@everyone` pings
nobody on Discord), and control characters are shown as `?`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .errors import WatcherError
from .render import clean, describe, truncate
from .timeutil import show

MAX_LINES = 20  # alert lines in one message; the rest is counted, `watcher alerts` has them
TIMEOUT = httpx.Timeout(15.0, connect=10.0)
ATTEMPTS = 2


class NotifyError(WatcherError):
    """The webhook did not take the digest. Never carries the webhook URL."""


def worth_sending(summary: Any) -> bool:
    """Something a seller must hear about: a new or resolved alert, or a failure."""
    return bool(summary.new_alerts or summary.resolved_alerts or summary.failed or summary.status != "ok")


def digest(
    summary: Any, zone: str, labels: Mapping[str, str | None] | None = None, open_alerts: int | None = None
) -> str:
    """The nightly message, Japanese first, one line per alert (at most MAX_LINES).

    `summary` is a `pipeline.RunSummary`; `labels` maps ASIN -> the seller's label;
    `open_alerts` is how many are open in all, said every time, so an alert whose message
    was lost (a webhook down that night) is still counted the next night.
    """
    labels = labels or {}
    when = show(summary.started_at, zone)
    lines = [
        f"watcher {when}: 新しいアラート {len(summary.new_alerts)}件・解決 {len(summary.resolved_alerts)}件・"
        f"取得失敗 {summary.failed}件 / {len(summary.new_alerts)} new, {len(summary.resolved_alerts)} resolved, "
        f"{summary.failed} failed of {summary.checked} checked"
    ]
    if summary.status != "ok":
        lines.append(_safe(f"この実行は失敗しました / the run failed: {summary.error or summary.status}"))
    if not worth_sending(summary):
        lines.append("変更はありません / nothing changed")
    shown = 0
    for alert in summary.new_alerts:
        if shown == MAX_LINES:
            break
        label = labels.get(alert["asin"])
        what = describe(alert["kind"], alert["before"], alert["after"], alert["detail"])
        name = f" {truncate(clean(label), 30)}" if label else ""
        lines.append(_safe(f"[{alert['severity']}] {alert['asin']}{name}: {what} (cause: {alert['cause']})"))
        shown += 1
    for alert in summary.resolved_alerts:
        if shown == MAX_LINES:
            break
        lines.append(_safe(f"[resolved] {alert['asin']}: {alert['kind']} (元に戻りました / back to baseline)"))
        shown += 1
    rest = len(summary.new_alerts) + len(summary.resolved_alerts) - shown
    if rest:
        lines.append(f"… ほか {rest}件 / and {rest} more: watcher alerts")
    if open_alerts:
        lines.append(f"未解決のアラート 計{open_alerts}件 / {open_alerts} open in all: watcher alerts")
    if summary.failed:
        lines.append("取得できなかったASINは警告の対象外です（次回に再確認）/ failed ASINs raise no alert; "
                     "see: watcher runs --failures")
    return "\n".join(lines)


def failure(error: str, when: Any, zone: str) -> str:
    """The message for a run that could not run at all (token refused, database locked)."""
    return _safe(f"watcher {show(when, zone)}: 実行に失敗しました。アラートの確認はされていません / "
                 f"the run failed, nothing was checked: {error}")


def _safe(text: str) -> str:
    # Our own arrows and path separators as characters that need no escaping, so chats
    # that show entities literally (not Slack) rarely meet one.
    text = clean(text).replace(" -> ", " → ").replace(" > ", " › ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("@", "＠")


def send(url: str, text: str, client: httpx.Client | None = None) -> str:
    """POST the message and return the webhook's host (all of it that may be shown);
    NotifyError (host and status only) when the webhook refuses it."""
    try:
        host = httpx.URL(url).host or "webhook"
    except httpx.InvalidURL:
        raise NotifyError("notification failed: the webhook URL is not a valid URL") from None
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT, headers={"user-agent": "watcher (notify)"})
    problem = "not tried"
    try:
        for _ in range(ATTEMPTS):
            try:
                response = client.post(url, json={"text": text}, follow_redirects=False)
            except httpx.TimeoutException:
                problem = "timed out"
                continue
            except httpx.HTTPError as exc:
                problem = f"connection failed ({exc.__class__.__name__})"
                continue
            if 200 <= response.status_code < 300:
                return host
            problem = f"HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                break  # the hook refused this message; asking again changes nothing
    finally:
        if own:
            client.close()
    raise NotifyError(f"notification to {host} failed: {problem}")


__all__ = ["NotifyError", "digest", "failure", "send", "worth_sending"]
