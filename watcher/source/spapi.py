"""The real source: Catalog Items and Product Pricing over HTTP, within the quotas.

A night is two streams running side by side, each in its own thread:

- catalog: searchCatalogItems, 20 ASINs a call. An ASIN missing from the answer, or in a
  batch whose call failed for good, is asked for alone with getCatalogItem, so one bad
  ASIN neither fails its 19 neighbours nor counts as deleted without a 404.
- offers: getItemOffersBatch, 20 ASINs a call, at 0.1 call/s: the slow stream, which is
  why it runs beside the catalog one instead of after it.

The caller's thread merges the two and yields an ASIN as soon as both parts are known.
Each call waits for its operation's token bucket and is retried on 429, 5xx, timeouts and
dropped connections (bounded); other 4xx are final. Nothing here raises for one ASIN; only
an `AuthError` (no access token) ends the run.

An answer counts only when it is plainly one: "not found" only from getCatalogItem's 404
`NotFound`, an item only when it is the ASIN asked for with a summary for our marketplace,
offers only from a batch entry with a 2xx status, no errors and a payload that says
Success (or NoBuyableOffers). Anything else is a failed fetch, which is never a change.
"""

from __future__ import annotations

import logging
import math
import queue
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import httpx

from .. import __version__, images
from ..config import Settings
from ..errors import AuthError, ConfigError, FetchError
from ..model import Observation, Snapshot, Status
from ..parse import catalog_problem, offers_problem, parse_catalog_item, parse_offers
from .auth import LwaToken, error_code
from .breaker import Breaker, BreakerPolicy, Unreachable
from .ratelimit import (
    DEFAULT_QUOTAS,
    Clock,
    Quota,
    RetryPolicy,
    Sleep,
    TokenBucket,
    announced_rate,
    retry_after,
)

log = logging.getLogger(__name__)

BATCH = 20  # identifiers per searchCatalogItems call, requests per getItemOffersBatch call
INCLUDED_DATA = "summaries,classifications,images,productTypes,relationships,salesRanks"
CATALOG_PATH = "/catalog/2022-04-01/items"
OFFERS_BATCH_PATH = "/batches/products/pricing/v0/itemOffers"
RATE_HEADER = "x-amzn-RateLimit-Limit"
CLIENT_MARGIN = 0.02  # see TokenBucket: stay 2% under the quota to absorb jitter
# Parent ASINs come from API answers and go into URL paths: only this shape is asked for.
_ASIN = re.compile(r"^[A-Z0-9]{10}$")


def user_agent() -> str:
    version = ".".join(str(part) for part in sys.version_info[:3])
    return f"watcher/{__version__} (Language=Python/{version})"


def build_client(
    *, transport: httpx.BaseTransport | None = None, timeout: float = 30.0
) -> httpx.Client:
    """The one place HTTP clients are made; tests hand in a transport.

    The access token is deliberately not a default header: it goes only to the SP-API
    endpoint, never to the token URL or the image host (API calls do not follow redirects,
    which would carry it elsewhere).
    """
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        headers={"user-agent": user_agent()},
        follow_redirects=True,
    )


class CallFailed(FetchError):
    """One SP-API call failed for good (after its retries, or with a final 4xx).

    `refused` is the status of a final 4xx answer (None for anything else): a 400 says
    the request itself was refused, which a smaller request may not be.
    """

    def __init__(self, message: str, refused: int | None = None) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True)
class _CatalogResult:
    asin: str
    status: Status
    item: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class _OffersResult:
    asin: str
    payload: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class _Entry:
    """One ASIN's part of a getItemOffersBatch answer."""

    payload: dict[str, Any] | None
    problem: str = ""
    retryable: bool = False


@dataclass
class _Run:
    """What the two stream threads of one `observe` share with the merging thread."""

    results: "queue.Queue[object]" = field(default_factory=queue.Queue)
    cancel: threading.Event = field(default_factory=threading.Event)


_DONE = object()  # a stream put everything it had


class _Cancelled(BaseException):
    """The run is over (its consumer left): a stream stops before its next call.

    A BaseException, so that the streams' "a bug must not cost the night" handlers let
    it through.
    """


class SpApiSource:
    """Observations from the SP-API (or the bundled fake server, through the same code).

    `progress(n)` is called in the caller's thread with the number of ASINs just
    completed (an increment, not a total), so a progress bar can `advance(n)`.

    Example:

        with SpApiSource(load_settings()) as source:
            for observation in source.observe(["B0ABCDEF12"]):
                print(observation.snapshot.status)
    """

    def __init__(
        self,
        settings: Settings,
        *,
        client: httpx.Client | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        progress: Callable[[int], None] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        quotas: Mapping[str, Quota] | None = None,
        rng: random.Random | None = None,
        breaker: BreakerPolicy | None = None,
    ):
        credentials = settings.require_credentials()
        self.marketplace_id = settings.marketplace_id
        self.seller_id = settings.seller_id  # mine: never "another seller" (as ReplaySource)
        self._endpoint = _checked_url(settings.spapi_endpoint, "WATCHER_SPAPI_ENDPOINT").rstrip("/")
        _checked_url(settings.lwa_token_url, "WATCHER_LWA_TOKEN_URL")
        self._owns_client = client is None
        self._client = client if client is not None else build_client(timeout=timeout)
        self._clock = clock
        self._sleep = sleep
        self._progress = progress
        self._retry = retry or RetryPolicy()
        self._rng = rng or random.Random()
        self._auth = LwaToken(
            self._client,
            settings.lwa_token_url,
            credentials,
            clock=clock,
            sleep=sleep,
            retry=RetryPolicy(attempts=min(3, self._retry.attempts), base=self._retry.base),
            rng=self._rng,
        )
        # Across calls and both streams: an outage costs minutes, not the whole night's retries.
        self._breaker = Breaker(clock, sleep, breaker)
        quotas = {**DEFAULT_QUOTAS, **(quotas or {})}
        self._buckets = {
            op: TokenBucket(q, clock=clock, margin=CLIENT_MARGIN) for op, q in quotas.items()
        }

    def __repr__(self) -> str:
        return f"SpApiSource(endpoint={self._endpoint!r}, marketplace_id={self.marketplace_id!r})"

    def __enter__(self) -> "SpApiSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def fetch_image(self, link: str) -> bytes:
        return images.download(self._client, link)

    # --- the run ------------------------------------------------------------------------

    def observe(self, asins: Sequence[str], with_offers: bool = True) -> Iterator[Observation]:
        # One spelling per ASIN: the batch API refuses a batch that names one twice.
        wanted = list(dict.fromkeys(a.strip().upper() for a in asins if a and a.strip()))
        for odd in [a for a in wanted if not _ASIN.match(a)]:
            wanted.remove(odd)
            self._advance()
            yield Observation(Snapshot(odd, "fetch_failed", error="not an ASIN"))
        if not wanted:
            return
        self._auth.token()  # a bad credential fails here, once, before any thread starts
        run = _Run()
        streams = [self._catalog_stream]
        if with_offers:
            streams.append(self._offers_stream)
        for stream in streams:
            threading.Thread(target=self._stream, args=(stream, wanted, run), daemon=True).start()
        try:
            yield from self._merge(wanted, run, len(streams), with_offers)
        finally:
            # A consumer that stopped early, or offers still pending for ASINs that turned
            # out gone: the streams stop before their next call.
            run.cancel.set()

    def _merge(
        self, wanted: list[str], run: _Run, streams: int, with_offers: bool
    ) -> Iterator[Observation]:
        catalog: dict[str, _CatalogResult] = {}
        offers: dict[str, _OffersResult] = {}
        remaining = set(wanted)
        while remaining and streams:
            message = run.results.get()
            if message is _DONE:
                streams -= 1
                continue
            if isinstance(message, BaseException):
                raise message
            if isinstance(message, _CatalogResult):
                catalog[message.asin] = message
            elif isinstance(message, _OffersResult):
                offers[message.asin] = message
            asin = message.asin  # type: ignore[attr-defined]
            part = catalog.get(asin)
            if asin in remaining and part and (
                not with_offers or part.status != "ok" or asin in offers
            ):
                remaining.discard(asin)
                self._advance()
                yield self._observation(part, offers.get(asin))
        for asin in wanted:  # only if a stream ended without a word on some ASIN (a bug)
            if asin in remaining:
                self._advance()
                part = catalog.get(asin)
                if part is None:
                    yield Observation(Snapshot(asin, "fetch_failed", error="no answer for this ASIN"))
                else:  # the catalog part is known; its offers stay unknown
                    yield self._observation(part, offers.get(asin) or _OffersResult(asin, error="no offers answer"))

    def _advance(self) -> None:
        if self._progress is not None:
            self._progress(1)

    def _observation(self, part: _CatalogResult, offers: _OffersResult | None) -> Observation:
        if part.status != "ok" or part.item is None:
            return Observation(Snapshot(part.asin, part.status, error=part.error))
        catalog = parse_catalog_item(part.item, self.marketplace_id)
        payload = offers.payload if offers else None
        parsed = parse_offers(payload, self.seller_id) if payload is not None else None
        return Observation(
            Snapshot(part.asin, "ok", catalog=catalog, offers=parsed),
            raw_catalog=part.item,
            raw_offers=payload,
            offers_error=offers.error if offers else None,
        )

    @staticmethod
    def _stream(body: Callable[[list[str], _Run], None], wanted: list[str], run: _Run) -> None:
        """Thread body: run one stream, hand an `AuthError` to the merging thread."""
        try:
            body(wanted, run)
        except AuthError as exc:
            run.results.put(exc)
        except _Cancelled:
            pass
        finally:
            run.results.put(_DONE)

    # --- catalog stream -----------------------------------------------------------------

    def _catalog_stream(self, wanted: list[str], run: _Run) -> None:
        for chunk in _chunks(wanted, BATCH):
            try:
                results = self._catalog_chunk(chunk, run.cancel)
            except AuthError:
                raise
            except Exception as exc:  # a bug must not cost the rest of the night
                error = _internal_error("catalog", exc, run)
                results = [_CatalogResult(a, "fetch_failed", error=error) for a in chunk]
            for result in results:
                run.results.put(result)

    def _catalog_chunk(self, chunk: list[str], cancel: threading.Event) -> list[_CatalogResult]:
        try:
            found = self._search(chunk, cancel)
        except CallFailed as exc:
            if self._breaker.gave_up:  # the night is given up: no point asking one by one
                return [_CatalogResult(a, "fetch_failed", error=str(exc)) for a in chunk]
            log.warning("%s; asking for its %d ASINs one by one", exc, len(chunk))
            found = {}
        # Absent from the answer, half there, or the whole call failed: not proof of
        # deletion, nor of an empty title. getCatalogItem decides.
        return [
            _CatalogResult(a, "ok", item=found[a])
            if a in found and catalog_problem(found[a], a, self.marketplace_id) is None
            else self._get_item(a, cancel)
            for a in chunk
        ]

    def _search(self, chunk: list[str], cancel: threading.Event) -> dict[str, dict[str, Any]]:
        params = {
            "identifiers": ",".join(chunk),
            "identifiersType": "ASIN",
            "marketplaceIds": self.marketplace_id,
            "includedData": INCLUDED_DATA,
            "pageSize": str(len(chunk)),  # the default (10) would cut a batch of 20 in half
        }
        response = self._call("searchCatalogItems", "GET", CATALOG_PATH, cancel, params=params)
        items = _json(response, "searchCatalogItems").get("items") or []
        return {
            str(item["asin"]).upper(): item
            for item in items
            if isinstance(item, dict) and item.get("asin")
        }

    def _get_item(self, asin: str, cancel: threading.Event) -> _CatalogResult:
        params = {"marketplaceIds": self.marketplace_id, "includedData": INCLUDED_DATA}
        path = f"{CATALOG_PATH}/{asin}"
        try:
            response = self._call("getCatalogItem", "GET", path, cancel, accept_404=True, params=params)
            if response.status_code == 404:
                if _says_not_found(response):
                    return _CatalogResult(asin, "not_found")
                # A proxy's or a mistyped endpoint's 404 is not Amazon saying "no such item".
                raise CallFailed(f"getCatalogItem: {_describe(response)} without NotFound")
            item = _json(response, "getCatalogItem")
            problem = catalog_problem(item, asin, self.marketplace_id)
            if problem:
                raise CallFailed(f"getCatalogItem: {problem}")
            return _CatalogResult(asin, "ok", item=item)
        except CallFailed as exc:
            return _CatalogResult(asin, "fetch_failed", error=str(exc))

    # --- offers stream ------------------------------------------------------------------

    def _offers_stream(self, wanted: list[str], run: _Run) -> None:
        # Entries that failed inside an answer go to the back of the line and ride in a
        # later batch, so a retry rarely costs a call of its own.
        line: list[tuple[str, int]] = [(asin, 1) for asin in wanted]
        while line:
            batch, line = line[:BATCH], line[BATCH:]
            try:
                done, again = self._offers_batch(batch, run.cancel)
            except AuthError:
                raise
            except Exception as exc:  # a bug must not cost the rest of the night
                error = _internal_error("offers", exc, run)
                done, again = [_OffersResult(asin, error=error) for asin, _ in batch], []
            for result in done:
                run.results.put(result)
            line.extend(again)

    def _offers_batch(
        self, batch: list[tuple[str, int]], cancel: threading.Event
    ) -> tuple[list[_OffersResult], list[tuple[str, int]]]:
        """One getItemOffersBatch call -> (finished ASINs, (ASIN, tries) to ask again)."""
        asins = [asin for asin, _ in batch]
        try:
            body = self._offers_body(asins)
            response = self._call("getItemOffersBatch", "POST", OFFERS_BATCH_PATH, cancel, json=body)
            entries = _entries_by_asin(_json(response, "getItemOffersBatch"), asins)
        except CallFailed as exc:
            if exc.refused == 400 and len(batch) > 1:
                # One ASIN the API will not take must not cost the other 19 their offers:
                # halve the batch until the refused one is alone.
                log.warning("%s; splitting the batch of %d to find what it refuses", exc, len(batch))
                half = len(batch) // 2
                first, first_again = self._offers_batch(batch[:half], cancel)
                second, second_again = self._offers_batch(batch[half:], cancel)
                return first + second, first_again + second_again
            return [_OffersResult(asin, error=str(exc)) for asin in asins], []
        done: list[_OffersResult] = []
        again: list[tuple[str, int]] = []
        for asin, tries in batch:
            # A partial answer (an ASIN left out) is worth asking again, like a 5xx entry.
            entry = entries.get(asin) or _Entry(None, "missing from the answer", retryable=True)
            problem = entry.problem
            if entry.payload is not None:
                problem = offers_problem(entry.payload, asin, self.marketplace_id) or ""
                if not problem:
                    done.append(_OffersResult(asin, payload=entry.payload))
                    continue
            if entry.retryable and tries < self._retry.entry_attempts:
                again.append((asin, tries + 1))
            else:
                done.append(_OffersResult(asin, error=f"getItemOffersBatch: {problem}"))
        return done, again

    def _offers_body(self, asins: list[str]) -> dict[str, Any]:
        return {
            "requests": [
                {
                    "uri": f"/products/pricing/v0/items/{asin}/offers",
                    "method": "GET",
                    "MarketplaceId": self.marketplace_id,
                    "ItemCondition": "New",
                    "CustomerType": "Consumer",
                }
                for asin in asins
            ]
        }

    # --- one call -----------------------------------------------------------------------

    def _call(
        self,
        op: str,
        method: str,
        path: str,
        cancel: threading.Event,
        *,
        accept_404: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """One operation within its quota, retried when that can help.

        Returns a 2xx answer, or a 404 when `accept_404` (getCatalogItem: "no such item");
        raises `CallFailed` with a one-line reason otherwise.
        """
        bucket = self._buckets[op]
        try:
            probe = self._breaker.before_call()
        except Unreachable as exc:
            raise CallFailed(f"{op}: {exc}") from None
        attempts = 1 if probe else self._retry.attempts
        started: float | None = None
        renewed = False
        problem = "not tried"
        attempt = 0
        while attempt < attempts:
            attempt += 1
            bucket.acquire(self._sleep)
            if cancel.is_set():
                raise _Cancelled
            started = self._clock() if started is None else started
            token = self._auth.token()
            wait: float | None = None
            try:
                response = self._client.request(
                    method,
                    self._endpoint + path,
                    headers={"x-amz-access-token": token},
                    follow_redirects=False,
                    **kwargs,
                )
            except httpx.TimeoutException as exc:
                problem = f"timeout ({type(exc).__name__})"
            except httpx.UnsupportedProtocol as exc:
                raise CallFailed(f"{op}: bad endpoint URL ({type(exc).__name__})") from None
            except httpx.RequestError as exc:  # dropped, refused, reset, undecodable
                problem = f"connection failed ({type(exc).__name__})"
            else:
                self._adopt_rate(bucket, response)
                status = response.status_code
                if 200 <= status < 300 or (status == 404 and accept_404):
                    self._breaker.answered()
                    return response
                problem = _describe(response)
                if status in (401, 403) and not renewed and self._auth.invalidate(token):
                    # An access token can expire or be revoked early; one fresh token is
                    # worth a try (the API says 403 for an expired one, some proxies 401).
                    renewed = True
                    continue
                if not _retryable(status):
                    self._breaker.answered()  # a final "no" is still an answer: the API is up
                    raise CallFailed(f"{op}: {problem}", refused=status)
                if status == 429:
                    bucket.drain()
                wait = retry_after(response.headers)
            if attempt >= attempts:
                break
            delay = max(self._retry.backoff(attempt, self._rng), wait or 0.0)
            if self._clock() - started + delay > self._retry.budget:
                break
            log.info("%s: %s; retry %d in %.1fs", op, problem, attempt, delay)
            self._sleep(delay)
        self._breaker.failed(problem)
        raise CallFailed(f"{op}: {problem} after {attempt} attempt{'s' if attempt > 1 else ''}")

    def _adopt_rate(self, bucket: TokenBucket, response: httpx.Response) -> None:
        rate = announced_rate(response.headers.get(RATE_HEADER))
        if rate is not None and not math.isclose(rate, bucket.rate):
            log.debug("adopting rate %g/s announced by the server (was %g/s)", rate, bucket.rate)
            bucket.set_rate(rate)


# --- helpers ----------------------------------------------------------------------------


def _internal_error(stream: str, exc: Exception, run: _Run) -> str:
    if not run.cancel.is_set():  # after the run, a closed client failing is no news
        log.exception("%s batch failed unexpectedly", stream)
    return f"internal error: {type(exc).__name__}"


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _checked_url(url: str, name: str) -> str:
    """`url` if it is an http(s) URL with a host: a typo fails the run once, up front,
    instead of failing every call of the night."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{name} is not an http(s) URL")
    return url


def _says_not_found(response: httpx.Response) -> bool:
    """A 404 with the SP-API's own `NotFound` error: the item does not exist."""
    try:
        errors = response.json()["errors"]
    except (ValueError, LookupError, TypeError):
        return False
    return isinstance(errors, list) and any(
        isinstance(e, dict) and str(e.get("code", "")).lower() == "notfound" for e in errors
    )


def _describe(response: httpx.Response) -> str:
    """`HTTP 500 InternalFailure`: the status plus the SP-API error code if it has one."""
    try:
        code = error_code(response.json()["errors"][0]["code"])
    except (ValueError, LookupError, TypeError):
        code = ""
    return f"HTTP {response.status_code}" + (f" {code}" if code else "")


def _json(response: httpx.Response, op: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise CallFailed(f"{op}: answer is not JSON") from None
    if not isinstance(data, dict):
        raise CallFailed(f"{op}: answer is not a JSON object")
    return data


def _ci(d: Any, name: str) -> Any:
    """`d[name]`, ignoring the key's case (batch answers vary in casing)."""
    if not isinstance(d, dict):
        return None
    if name in d:
        return d[name]
    return next((v for k, v in d.items() if k.lower() == name.lower()), None)


def _entries_by_asin(data: dict[str, Any], asins: list[str]) -> dict[str, _Entry]:
    """getItemOffersBatch `responses` -> {ASIN: entry}.

    An entry names its ASIN in `request.Asin` or in its payload (`ASIN`, `Identifier`).
    Only when no entry names one, and there is one entry per request, are they taken in
    request order: guessing by position in a mixed answer could hand one ASIN's sellers
    to another, which reads as a seller joining one listing and leaving the other.
    """
    responses = _ci(data, "responses")
    responses = [e for e in responses if isinstance(e, dict)] if isinstance(responses, list) else []
    names = [_entry_asin(entry) for entry in responses]
    if not any(names) and len(responses) == len(asins):
        names = list(asins)
    return {str(name).upper(): _entry(entry) for name, entry in zip(names, responses) if name}


def _entry_asin(entry: dict[str, Any]) -> str | None:
    payload = _ci(_ci(entry, "body"), "payload")
    asin = _ci(_ci(entry, "request"), "Asin") or _ci(payload, "ASIN") or _ci(_ci(payload, "Identifier"), "ASIN")
    return str(asin) if asin else None


def _entry(entry: dict[str, Any]) -> _Entry:
    """One batch entry: usable only with a 2xx status, a payload and no errors."""
    body = _ci(entry, "body")
    body = body if isinstance(body, dict) else {}
    payload = _ci(body, "payload")
    raw_status = _ci(_ci(entry, "status"), "statusCode")
    try:
        status = 200 if raw_status is None else int(raw_status)  # missing: judged by the body
    except (TypeError, ValueError):
        status = 0
    errors = _ci(body, "errors")
    if 200 <= status < 300 and isinstance(payload, dict) and not errors:
        return _Entry(payload)
    code = error_code(_ci(errors[0], "code")) if isinstance(errors, list) and errors else ""
    if 200 <= status < 300:
        problem = "answer with errors" if errors else "answer without payload"
    else:
        problem = f"HTTP {status}"
    return _Entry(None, problem + (f" {code}" if code else ""), retryable=_retryable(status))
