"""The `watcher` command. Thin: parse options, call the stages, render.

stdout carries data (tables, or one JSON document with --json); stderr carries progress,
logs and `Error: ...` lines. Exit codes: 0 ok / nothing new, 3 new alerts or a mismatch,
1 failure, 2 usage or configuration error.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Optional, TypeVar

import typer

from . import __version__, alerts, notify, pipeline, store
from .asins import normalize_asin, parse_watchlist
from .config import Settings, load_settings
from .errors import UsageError, WatcherError
from .render import clean, describe, table, to_json
from .timeutil import show, utc_now

app = typer.Typer(
    help="Watch Amazon listings for catalog hijacks: snapshots, history, alerts, evidence.\n\n"
    "Example: watcher import my-asins.txt && watcher run && watcher alerts",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("watcher")

DbOption = Annotated[
    Optional[Path],
    typer.Option("--db", help="SQLite database file [env: WATCHER_DB; default ./watcher.db]", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress, warnings only (for cron).")]

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn the project's exceptions into one line on stderr and the right exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WatcherError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("Error: interrupted; every ASIN finished before this point is saved", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _setup_logging(quiet: bool) -> None:
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
        force=True,
    )
    # One line per HTTP request is noise for a seller (and a night has thousands).
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _settings(db: Optional[Path]) -> Settings:
    settings = load_settings(db)
    for warning in settings.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    return settings


@contextlib.contextmanager
def _database(db: Optional[Path], create: bool = True) -> Iterator[tuple[Settings, Any]]:
    settings = _settings(db)
    database = store.open_db(settings.db_path, create=create)
    try:
        yield settings, database
    finally:
        database.close()


def _asin(value: str) -> str:
    return normalize_asin(value)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"watcher {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """watcher: a catalog-hijack watcher for Amazon sellers (Amazon.co.jp first).

    Example: watcher import my-asins.txt && watcher run && watcher alerts
    """
    _tolerant_streams()


def _tolerant_streams() -> None:
    """Output redirected on Windows is CP932, which has no emoji: a catalog title with one
    must print as `?`, not end the command with a traceback. (JSON escapes instead.)"""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


# --- watch list ---------------------------------------------------------------------------


@app.command()
@handle_errors
def add(
    asins: Annotated[list[str], typer.Argument(help="One or more ASINs.", show_default=False)],
    label: Annotated[Optional[str], typer.Option("--label", "-l", help="A name you recognise, e.g. 赤いバッグ.")] = None,
    db: DbOption = None,
) -> None:
    """Add ASINs to the watch list.

    Example: watcher add B0XXXXXXXX --label "赤いバッグ"
    """
    checked = [_asin(a) for a in asins]
    with _database(db) as (_, database):
        added, updated = store.add_asins(database, [(a, label) for a in checked], utc_now())
    typer.echo(f"added {added}, updated {updated}", err=True)


@app.command("import")
@handle_errors
def import_(
    file: Annotated[Path, typer.Argument(help="Text (one ASIN a line), CSV or TSV; UTF-8, BOM or CP932.")],
    db: DbOption = None,
) -> None:
    """Import ASINs from a file: plain text, or a Seller Central CSV/TSV report.

    Bad lines are reported with their line numbers; the good ones are still imported.

    Example: watcher import my-asins.txt
    """
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    result = parse_watchlist(data, str(file))
    for problem in result.problems:
        typer.echo(f"{file}:{problem.line}: {clean(problem.text)}: {problem.message}", err=True)
    with _database(db) as (_, database):
        added, updated = store.add_asins(database, [(e.asin, e.label) for e in result.entries], utc_now())
    typer.echo(
        f"imported {_count(len(result.entries), 'ASIN')} ({added} new, {updated} updated), "
        f"{_count(result.duplicates, 'duplicate line')} merged, {_count(len(result.problems), 'bad line')} skipped",
        err=True,
    )
    if result.problems and not result.entries:
        raise typer.Exit(2)


@app.command("list")
@handle_errors
def list_(db: DbOption = None, json_out: JsonOption = False) -> None:
    """List the watched ASINs.

    Example: watcher list --json
    """
    with _database(db, create=False) as (settings, database):
        rows = store.watched(database)
    if json_out:
        typer.echo(to_json([r.__dict__ for r in rows]))
        return
    typer.echo(
        table(
            ["ASIN", "label", "last status", "last checked", "baseline"],
            [[r.asin, r.label or "", r.last_status or "-", show(r.last_checked, settings.zone), "yes" if r.has_baseline else "no"] for r in rows],
        )
    )


@app.command()
@handle_errors
def remove(
    asin: Annotated[str, typer.Argument(help="The ASIN to stop watching.")],
    db: DbOption = None,
) -> None:
    """Stop watching an ASIN. Its history is kept for evidence.

    Example: watcher remove B0XXXXXXXX
    """
    asin = _asin(asin)
    with _database(db, create=False) as (_, database):
        store.remove_asin(database, asin, utc_now())
    typer.echo(f"removed {asin}", err=True)


# --- run ---------------------------------------------------------------------------------


def _progress_callback(total: int, quiet: bool) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    if quiet or total == 0:
        return None, lambda: None
    if sys.stderr.isatty():
        bar = typer.progressbar(length=total, label="checking", file=sys.stderr)
        bar.__enter__()
        return bar.update, lambda: bar.__exit__(None, None, None)
    done = [0]
    step = max(1, total // 10)

    def tick(n: int) -> None:
        done[0] += n
        if done[0] % step == 0 or done[0] == total:
            log.info("checked %d/%d", done[0], total)

    return tick, lambda: None


def _render_summary(summary: pipeline.RunSummary, zone: str) -> str:
    lines = [
        f"run {summary.run_id} at {show(summary.started_at, zone)}: checked {summary.checked}, "
        f"changed {summary.changed}, failed {summary.failed}, not found {summary.not_found}, "
        f"new alerts {len(summary.new_alerts)}, resolved {len(summary.resolved_alerts)}"
    ]
    if summary.new_alerts:
        lines.append(
            table(
                ["ASIN", "severity", "kind", "cause", "what"],
                [[a["asin"], a["severity"], a["kind"], a["cause"], describe(a["kind"], a["before"], a["after"], a["detail"])] for a in summary.new_alerts],
                max_col=70,
            )
        )
    return "\n".join(lines)


def _execute_run(database: Any, source: Any, settings: Settings, quiet: bool, source_name: str, now: Any = None) -> pipeline.RunSummary:
    total = len(store.watched(database))
    tick, done = _progress_callback(total, quiet)
    try:
        return pipeline.run(
            database, source, now=now, my_seller_id=settings.seller_id or getattr(source, "seller_id", None),
            source_name=source_name, progress=tick,
        )
    finally:
        done()
        source.close()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _notify(settings: Settings, text: str, quiet: bool) -> None:
    if not settings.notify_url:
        return
    try:
        host = notify.send(settings.notify_url, text)
        if not quiet:
            typer.echo(f"digest sent to {host}", err=True)
    except notify.NotifyError as exc:
        # The alerts are stored whatever the webhook says; the exit code stays theirs.
        typer.echo(f"Warning: {exc}; the alerts are saved (watcher alerts)", err=True)


def _open_source(settings: Settings, scenario: Optional[Path], night: int) -> tuple[Any, str, Any]:
    if scenario is not None:
        from .source.replay import ReplaySource, Scenario

        replay = ReplaySource(Scenario(scenario), night, settings.seller_id)
        return replay, f"replay:{scenario.name}#{night}", replay.night.at
    settings.require_credentials()
    from .source.ratelimit import RetryPolicy
    from .source.spapi import SpApiSource

    source = SpApiSource(settings, timeout=settings.request_timeout, retry=RetryPolicy(attempts=settings.retries))
    return source, "spapi", None


@app.command()
@handle_errors
def run(
    db: DbOption = None,
    json_out: JsonOption = False,
    quiet: QuietOption = False,
    scenario: Annotated[Optional[Path], typer.Option("--scenario", help="Replay a recorded scenario folder instead of calling the SP-API.")] = None,
    night: Annotated[int, typer.Option("--night", help="With --scenario: which night to replay.")] = 1,
) -> None:
    """Snapshot every watched ASIN, compare with its baseline, raise alerts.

    The first run records the baseline silently. Exit 0: nothing new; 3: new alerts;
    1: the run failed (or every ASIN failed to fetch); 2: usage or configuration error.

    Example: watcher run --quiet || notify-send "watcher: new alerts"
    """
    _setup_logging(quiet or json_out)
    with _database(db) as (settings, database):
        if not store.watched(database):
            raise UsageError("the watch list is empty: add ASINs with `watcher add` or `watcher import`")
        try:
            source, name, now = _open_source(settings, scenario, night)
            summary = _execute_run(database, source, settings, quiet or json_out, name, now)
        except WatcherError as exc:
            if exc.exit_code == 1:  # a revoked token fails every night: the chat must hear it
                _notify(settings, notify.failure(str(exc), utc_now(), settings.zone), quiet or json_out)
            raise
        message = None
        if settings.notify_url and (settings.notify_always or notify.worth_sending(summary)):
            labels = {a["asin"]: store.label_of(database, a["asin"]) for a in summary.new_alerts}
            message = notify.digest(summary, settings.zone, labels, len(store.alerts(database)))
    typer.echo(to_json(summary.to_json()) if json_out else _render_summary(summary, settings.zone))
    if message is not None:
        _notify(settings, message, quiet or json_out)
    if summary.status == "failed":
        # Nothing was compared: for cron this is a failed night, not a quiet one.
        typer.echo(f"Error: {summary.error}; nothing was compared, no alert raised", err=True)
        raise typer.Exit(1)
    raise typer.Exit(3 if summary.new_alerts else 0)


# --- alerts, history, accept ---------------------------------------------------------------


@app.command("alerts")
@handle_errors
def alerts_(
    db: DbOption = None,
    json_out: JsonOption = False,
    all_: Annotated[bool, typer.Option("--all", help="Include closed alerts (resolved, accepted, removed).")] = False,
    asin: Annotated[Optional[str], typer.Option("--asin", help="Only this ASIN.")] = None,
) -> None:
    """Show open alerts, newest first.

    Example: watcher alerts --all --json
    """
    with _database(db, create=False) as (settings, database):
        rows = store.alerts(database, include_closed=all_, asin=_asin(asin) if asin else None)
    if json_out:
        typer.echo(to_json([r.__dict__ for r in rows]))
        return
    if not rows:
        typer.echo("no open alerts" if not all_ else "no alerts")
        return
    typer.echo(
        table(
            ["id", "ASIN", "label", "severity", "status", "cause", "opened", "what"],
            [[r.id, r.asin, r.label or "", r.severity, r.status, r.cause, show(r.opened_at, settings.zone), describe(r.kind, r.before, r.after, r.detail)] for r in rows],
            max_col=60,
        )
    )


def _history_rows(database: Any, asin: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for version in store.catalog_versions(database, asin):
        cat = version.content
        rows.append(
            {
                "part": "catalog",
                "version": version.version,
                "first_seen": version.first_seen,
                "last_seen": version.last_seen,
                "status": version.status,
                "title": getattr(cat, "title", None),
                "browse_node": getattr(getattr(cat, "browse_node", None), "name", None),
                "main_image": getattr(getattr(cat, "main_image", None), "image_id", None),
                "parents": list(getattr(cat, "parent_asins", ()) or ()),
            }
        )
    for version in store.offer_versions(database, asin):
        offers = version.content
        rows.append(
            {
                "part": "offers",
                "version": version.version,
                "first_seen": version.first_seen,
                "last_seen": version.last_seen,
                "sellers": [o.seller_id for o in getattr(offers, "offers", ())],
                "buybox": sorted(offers.buybox_seller_ids()) if offers is not None and hasattr(offers, "buybox_seller_ids") else [],
            }
        )
    return rows


@app.command()
@handle_errors
def history(
    asin: Annotated[str, typer.Argument(help="The ASIN.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show the versions of one listing, with first and last seen times.

    Example: watcher history B0XXXXXXXX
    """
    asin = _asin(asin)
    with _database(db, create=False) as (settings, database):
        store.require_known(database, asin)
        rows = _history_rows(database, asin)
    if json_out:
        typer.echo(to_json({"asin": asin, "versions": rows}))
        return
    catalog = [r for r in rows if r["part"] == "catalog"]
    offers = [r for r in rows if r["part"] == "offers"]
    typer.echo(
        table(
            ["v", "first seen", "last seen", "status", "title", "browse node", "main image", "parent"],
            [[r["version"], show(r["first_seen"], settings.zone), show(r["last_seen"], settings.zone), r["status"], r["title"], r["browse_node"], r["main_image"], ",".join(r["parents"])] for r in catalog],
            max_col=40,
        )
    )
    if offers:
        typer.echo("")
        typer.echo(
            table(
                ["v", "first seen", "last seen", "sellers", "Buy Box"],
                [[r["version"], show(r["first_seen"], settings.zone), show(r["last_seen"], settings.zone), ", ".join(r["sellers"]), ", ".join(r["buybox"])] for r in offers],
                max_col=60,
            )
        )


@app.command("runs")
@handle_errors
def runs_(
    db: DbOption = None,
    json_out: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs, newest first.")] = 10,
    failures: Annotated[bool, typer.Option("--failures", help="Also list what failed in each run.")] = False,
) -> None:
    """Show the latest runs: when, how many ASINs checked, changed, failed, new alerts.

    What a cron user looks at the morning after a night that exited 1.

    Example: watcher runs --limit 3 --failures
    """
    with _database(db, create=False) as (settings, database):
        rows = store.runs(database, limit)
        for row in rows:
            row["failures"] = store.run_failures(database, row["id"]) if failures or json_out else []
    if json_out:
        typer.echo(to_json(rows))
        return
    if not rows:
        typer.echo("no runs yet")
        return
    typer.echo(
        table(
            ["run", "started", "status", "checked", "changed", "failed", "not found", "new alerts", "resolved", "error"],
            [[r["id"], show(r["started_at"], settings.zone), r["status"], r["checked"], r["changed"], r["failed"], r["not_found"], r["new_alerts"], r["resolved_alerts"], r["error"] or ""] for r in rows],
            max_col=60,
        )
    )
    for r in rows:
        if r["failures"]:
            typer.echo(f"\nrun {r['id']} failures:")
            typer.echo(table(["ASIN", "stage", "error"], [[f["asin"], f["stage"], f["error"]] for f in r["failures"]], max_col=100))


@app.command("notify-test")
@handle_errors
def notify_test() -> None:
    """Send a test message to the webhook in WATCHER_NOTIFY_URL (or the config's [notify] url).

    After each run that raised or resolved an alert, or failed to fetch something,
    `watcher run` sends one digest there (Slack's {"text": ...} shape).

    Example: WATCHER_NOTIFY_URL=https://hooks.slack.com/services/... watcher notify-test
    """
    settings = _settings(None)
    if not settings.notify_url:
        raise UsageError("no webhook set: set WATCHER_NOTIFY_URL or `url` under [notify] in the config file")
    host = notify.send(settings.notify_url, "watcher: テスト通知です / test message. 通知は届いています / notifications work.")
    typer.echo(f"sent to {host}")


@app.command()
@handle_errors
def accept(
    asin: Annotated[str, typer.Argument(help="The ASIN whose current state is correct.")],
    db: DbOption = None,
) -> None:
    """Make the listing's current state its new baseline; its open alerts close.

    Example: watcher accept B0XXXXXXXX
    """
    asin = _asin(asin)
    with _database(db, create=False) as (_, database):
        closed = alerts.accept(database, asin, utc_now())
    typer.echo(f"{asin}: current state accepted as baseline, {closed} alerts closed", err=True)


# --- images ----------------------------------------------------------------------------------


@app.command("compare-images")
@handle_errors
def compare_images(
    old: Annotated[str, typer.Argument(help="The image you registered: a file path or URL.")],
    new: Annotated[str, typer.Argument(help="The image the listing shows: a file path or URL.")],
    json_out: JsonOption = False,
) -> None:
    """Compare two product images: same, recolored, different or edited (and low_res).

    Exit 0 when they show the same picture at a usable resolution; 3 when it differs or
    NEW is low resolution (low_res); 2 for a missing file or bad link; 1 when an image
    cannot be read or downloaded.

    Example: watcher compare-images registered.jpg https://m.media-amazon.com/images/I/xxxx.jpg
    """
    from .images import analyse, compare, read_image

    old_fp, _ = analyse(read_image(old))
    new_fp, _ = analyse(read_image(new))
    result = compare(old_fp, new_fp)
    if json_out:
        typer.echo(to_json({"verdict": result.verdict, "low_res": result.low_res, "scores": result.scores}))
    else:
        scores = ", ".join(f"{k}={v:.3g}" for k, v in sorted(result.scores.items()))
        typer.echo(f"{result.verdict}{' (low resolution)' if result.low_res else ''}  [{scores}]")
    raise typer.Exit(0 if result.verdict == "same" and not result.low_res else 3)


# --- demo ------------------------------------------------------------------------------------


@app.command()
@handle_errors
def demo(
    db: Annotated[Optional[Path], typer.Option("--db", help="Keep the demo database here (default: a temporary file).")] = None,
) -> None:
    """Run the whole story on bundled data: no credentials, no network.

    Four nights of a recorded scenario: a baseline; another seller joins and swaps the main
    image for another colour; a parent ASIN turns a ballpoint pen into a bag; a failed
    fetch (no alert) and a listing back to normal (its alert resolves).

    Example: watcher demo
    """
    from .demo import run_demo

    raise typer.Exit(run_demo(db))


# --- return check and evidence -------------------------------------------------------------------


@app.command()
@handle_errors
def check(
    asin: Annotated[Optional[str], typer.Argument(help="The ASIN of the returned item (not with --returns).", show_default=False)] = None,
    ordered_at: Annotated[Optional[str], typer.Option("--ordered-at", help="When the customer ordered: 2026-11-03 or 2026/11/3 (that whole day), 2026-11-03T14:30 or '2026-11-03 14:30 +09:00'; JST unless a zone (Z, UTC, JST, +09:00) is given.")] = None,
    returns: Annotated[Optional[Path], typer.Option("--returns", help="A Seller Central returns report (TSV or CSV; UTF-8 or CP932): check every return in it.")] = None,
    window: Annotated[int, typer.Option("--window", help="With --returns: how many days before each return date to check (a row with an order date is checked at that date instead).")] = 30,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Return check: what did the listing show when the customer ordered, and was it yours?

    Compares the listing at the order time, field by field, with the baseline in force then
    (title, brand, browse node, main image with its verdict, parent) and shows who else sold
    on it. Exit 0: it matched; 3: it differed; 1: the history cannot tell (not covered, or
    the order falls between two observations around a change); 2: usage error.
    With --returns, lists the returns whose listing differed in the window before the return
    (exit 3 when there is any, else 0); bad rows are reported on stderr and skipped.

    Example: watcher check B0XXXXXXXX --ordered-at 2026-11-03

    Example: watcher check --returns returns.tsv --window 30
    """
    from .report import check as return_check
    from .report import returns as returns_report
    from .report import text as report_text

    if returns is not None:
        if asin or ordered_at:
            raise UsageError("give either an ASIN with --ordered-at, or --returns FILE, not both")
        try:
            data = returns.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {returns}: {exc.strerror or exc}") from None
        with _database(db, create=False) as (settings, database):
            report = returns_report.parse_returns(data, str(returns), settings.zone)
            for line in report_text.render_problems(report.problems, str(returns)):
                typer.echo(line, err=True)
            if not report.rows:
                raise UsageError(f"{returns}: no usable return rows")
            checks = returns_report.check_returns(
                database, report, window, my_seller_id=settings.seller_id, zone=settings.zone
            )
        typer.echo(
            to_json(returns_report.returns_json(checks, report.problems)) if json_out
            else report_text.render_returns(checks, settings.zone)
        )
        raise typer.Exit(returns_report.exit_code(checks))
    if not asin or not ordered_at:
        raise UsageError("give an ASIN and --ordered-at (or --returns FILE)")
    asin = _asin(asin)
    with _database(db, create=False) as (settings, database):
        store.require_known(database, asin)
        start, end = return_check.order_span(ordered_at, settings.zone)
        result = return_check.check_order(
            database, asin, start, end, my_seller_id=settings.seller_id, zone=settings.zone
        )
    typer.echo(to_json(result.to_json()) if json_out else report_text.render_check(result, settings.zone))
    raise typer.Exit(result.exit_code)


@app.command()
@handle_errors
def evidence(
    asin: Annotated[str, typer.Argument(help="The ASIN whose listing was changed.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write; must not exist yet or be empty.")],
    from_: Annotated[Optional[str], typer.Option("--from", help="Start of the window: a date or time, JST unless a zone is given.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="End of the window (a date alone means the end of that day).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of index.html: ja or en. Both case texts are always written.")] = "ja",
    zip_: Annotated[bool, typer.Option("--zip", help="Also write OUT.zip next to the folder.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Build an evidence bundle for a complaint to Amazon.

    Writes index.html (timeline, before/after images with the verdict, highlighted changes,
    sellers, alerts; self-contained, prints well), complaint-ja.txt and complaint-en.txt
    (numbered facts to paste into a Seller Central case), evidence.json, images/, raw/
    (the stored API answers) and SHA256SUMS.

    Example: watcher evidence B0XXXXXXXX --from 2026-11-01 --out evidence-B0XXXXXXXX --zip
    """
    from .report.bundle import write_bundle
    from .report.evidence import gather
    from .timeutil import parse_user_time

    asin = _asin(asin)
    lang = lang.strip().lower()
    if lang not in ("ja", "en"):
        raise UsageError(f"--lang must be ja or en, not {lang!r}")
    with _database(db, create=False) as (settings, database):
        start = parse_user_time(from_, settings.zone) if from_ else None
        end = parse_user_time(to, settings.zone, end_of_day=True) if to else None
        facts = gather(database, asin, start, end, utc_now(), settings.seller_id)
    bundle = write_bundle(facts, out, lang, zip_, settings.zone)
    if json_out:
        typer.echo(to_json({"asin": asin, "out": str(bundle.directory), "files": list(bundle.files),
                            "zip": str(bundle.zip_path) if bundle.zip_path else None}))
        return
    typer.echo(f"{asin}: wrote {len(bundle.files)} files to {bundle.directory}")
    typer.echo(f"  open {bundle.directory / 'index.html'}; paste {bundle.directory / f'complaint-{lang}.txt'} into a Seller Central case")
    if bundle.zip_path:
        typer.echo(f"  zip: {bundle.zip_path}")


if __name__ == "__main__":  # pragma: no cover
    app()
