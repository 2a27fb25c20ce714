"""A fake SP-API on loopback that replays a recorded scenario night by night.

It speaks enough of the real thing for `SpApiSource` to run unchanged over real HTTP:
the LWA token endpoint, searchCatalogItems, getCatalogItem, getItemOffersBatch and the
image files. It checks credentials and the access token (403 without one), enforces the
documented quotas with the same token buckets the client uses (429 past the bucket) and
announces them in `x-amzn-RateLimit-Limit`.

Faults, from the night file's `faults` or `inject(asin, fault)`:

- `500`: every catalog call that includes the ASIN answers 500 (a search batch fails as
  a whole; the client then asks for its ASINs one by one).
- `400`: the same with 400 InvalidInput (a final error: never retried).
- `403`: the same with 403 Unauthorized, as for a token without the right role (a fresh
  token is tried once; never "not found").
- `timeout` / `slow`: catalog calls that include the ASIN answer after `slow_seconds`.
- `drop`: catalog calls that include the ASIN close the connection without answering.
- `omit`: searchCatalogItems leaves the ASIN out, getCatalogItem still answers it.
- `offers-500`: that ASIN's entry in a getItemOffersBatch answer has status 500 (the rest
  of the batch answers normally, as the real batch API does).
- `offers-timeout` / `offers-drop`: the whole getItemOffersBatch call including it is
  slow / dropped.
- `offers-400`: the whole getItemOffersBatch call including it answers 400 InvalidInput.

`outage = True` makes every API call (not the token endpoint) answer 503, as during an
SP-API outage, until it is set back to False.

An ASIN absent from the night's catalog answers 404 (and 404 in an offers batch entry).
An ASIN in the catalog with no recorded offers answers an empty offers payload
(`NoBuyableOffers`, as Amazon does for a listing nobody sells on).

As Amazon does, it refuses with 400 InvalidInput: an `includedData` value that does not
exist, and an offers batch that names one ASIN twice ("Duplicate requests submitted").
A path it does not serve answers 404 without the `NotFound` code that means "no such
item", so a client with a wrong path cannot mistake it for a deleted listing.

Run by hand: `python -m watcher.fakeserver SCENARIO_DIR [--night N] [--port P]`.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qs, urlsplit

from .config import Credentials, Settings
from .parse import image_id_from_link
from .source.ratelimit import DEFAULT_QUOTAS, Clock, TokenBucket
from .source.replay import Night, Scenario

if TYPE_CHECKING:
    from .source.spapi import SpApiSource

# Fixed fake credentials: the demo and the tests log in with these.
FAKE_CREDENTIALS = Credentials(
    app_id="amzn1.application-oa2-client.watcher-fake",
    client_secret="fake-lwa-client-secret-d3m0",
    refresh_token="Atzr|fake-refresh-token-d3m0",
)
TOKEN_PATH = "/auth/o2/token"
CATALOG_PATH = "/catalog/2022-04-01/items"
OFFERS_BATCH_PATH = "/batches/products/pricing/v0/itemOffers"
_OFFERS_URI = re.compile(r"^/products/pricing/v0/items/([A-Za-z0-9]+)/offers$")
INCLUDED_DATA = frozenset({
    "attributes", "classifications", "dimensions", "identifiers", "images",
    "productTypes", "relationships", "salesRanks", "summaries", "vendorDetails",
})
_AMAZON_IMAGES = re.compile(r"^https?://[^/]*(?:media-amazon|images-amazon)\.com/images/")
# Faults that break catalog calls, worst first: a drop beats an error beats a delay.
CATALOG_FAULTS = ("drop", "500", "403", "400", "timeout", "slow")
_CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif"}


@dataclass
class Stats:
    """What the server saw, for tests and the benchmark. Read it while no call runs."""

    requests: Counter[str] = field(default_factory=Counter)  # per operation, all answers
    throttled: Counter[str] = field(default_factory=Counter)  # per operation, 429s
    admitted: dict[str, list[float]] = field(default_factory=dict)  # clock times past the bucket
    order: list[str] = field(default_factory=list)  # operations in arrival order
    search_identifiers: list[list[str]] = field(default_factory=list)
    offers_asins: list[list[str]] = field(default_factory=list)
    catalog_gets: list[str] = field(default_factory=list)
    user_agents: set[str] = field(default_factory=set)


@dataclass
class _Answer:
    status: int
    body: Any
    fault: str | None = None  # "slow" or "drop": how to deliver it
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: str, message: str) -> _Answer:
    return _Answer(status, {"errors": [{"code": code, "message": message, "details": ""}]})


# What API Gateway says for a path no operation serves: no SP-API error code at all.
_NO_ROUTE = _Answer(404, {"message": "Not Found"})


class FakeSpApi:
    """The fake server; a context manager that listens on 127.0.0.1 while open."""

    def __init__(
        self,
        scenario: Scenario | Path | str,
        *,
        night: int = 1,
        quotas: bool = True,
        rate_scale: float = 1.0,
        clock: Clock = time.monotonic,
        slow_seconds: float = 2.0,
        token_ttl: int = 3600,
        port: int = 0,
        credentials: Credentials = FAKE_CREDENTIALS,
    ):
        self.scenario = scenario if isinstance(scenario, Scenario) else Scenario(Path(scenario))
        self.quotas = quotas
        self.rate_scale = rate_scale
        self.slow_seconds = slow_seconds
        self.token_ttl = token_ttl
        self.credentials = credentials
        self.clock = clock
        self.stats = Stats()
        self.token_fault: str | None = None  # "500" or "drop": the token endpoint fails
        self.outage = False  # every API call answers 503 ServiceUnavailable
        self._port = port
        self._lock = threading.Lock()
        self._night: Night = self.scenario.night(night)
        self._injected: dict[str, str] = {}
        self._tokens: dict[str, float] = {}  # access token -> expiry (server clock)
        self._buckets = {
            op: TokenBucket(q.scaled(rate_scale), clock=clock) for op, q in DEFAULT_QUOTAS.items()
        }
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------

    def __enter__(self) -> "FakeSpApi":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.fake = self
        self._server = server
        # A short poll interval makes stop() prompt (serve_forever checks it between polls).
        self._thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # slow answers stop waiting
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_url(self) -> str:
        return self.url + TOKEN_PATH

    # --- scenario control ---------------------------------------------------------------

    def set_night(self, number: int) -> None:
        night = self.scenario.night(number)
        with self._lock:
            self._night = night

    def inject(self, asin: str, fault: str) -> None:
        with self._lock:
            self._injected[asin.upper()] = fault

    def issued_tokens(self) -> list[str]:
        """Every access token handed out: tests grep outputs for them like other secrets."""
        with self._lock:
            return list(self._tokens)

    def clear_faults(self) -> None:
        with self._lock:
            self._injected.clear()

    def fault(self, asin: str) -> str | None:
        with self._lock:
            return self._injected.get(asin.upper()) or self._night.faults.get(asin)

    def rate(self, op: str) -> float:
        return self._buckets[op].rate

    # --- wiring a client to it ----------------------------------------------------------

    def settings(self, db_path: Path | str = "watcher.db") -> Settings:
        return Settings(
            db_path=Path(db_path),
            marketplace_id=self.scenario.marketplace_id,
            seller_id=self.scenario.seller_id,
            spapi_endpoint=self.url,
            lwa_token_url=self.token_url,
            credentials=self.credentials,
        )

    def env(self) -> dict[str, str]:
        """Environment variables that point `watcher` at this server."""
        env = {
            "WATCHER_SPAPI_ENDPOINT": self.url,
            "WATCHER_LWA_TOKEN_URL": self.token_url,
            "WATCHER_MARKETPLACE": self.scenario.marketplace_id,
            "LWA_APP_ID": self.credentials.app_id,
            "LWA_CLIENT_SECRET": self.credentials.client_secret,
            "SP_API_REFRESH_TOKEN": self.credentials.refresh_token,
        }
        if self.scenario.seller_id:
            env["WATCHER_SELLER_ID"] = self.scenario.seller_id
        return env

    def source(self, db_path: Path | str = "watcher.db", **kwargs: Any) -> "SpApiSource":
        """A real `SpApiSource` aimed at this server, with a client timeout well under
        `slow_seconds` (so `timeout` faults time out) and this server's quotas."""
        from .source.ratelimit import RetryPolicy, scaled_quotas
        from .source.spapi import SpApiSource

        kwargs.setdefault("timeout", self.slow_seconds / 4)
        kwargs.setdefault("retry", RetryPolicy(attempts=3, base=0.2, cap=2.0))
        if self.quotas:
            kwargs.setdefault("quotas", scaled_quotas(self.rate_scale))
        return SpApiSource(self.settings(db_path), **kwargs)

    # --- operations (called from handler threads) ----------------------------------------

    def _count(self, op: str, user_agent: str) -> None:
        with self._lock:
            self.stats.requests[op] += 1
            self.stats.order.append(op)
            self.stats.user_agents.add(user_agent)

    def _authorised(self, token: str | None) -> bool:
        with self._lock:
            expiry = self._tokens.get(token or "")
        return expiry is not None and self.clock() < expiry

    def _admit(self, op: str) -> bool:
        if not self.quotas:
            return True
        admitted = self._buckets[op].try_take()
        with self._lock:
            if admitted:
                self.stats.admitted.setdefault(op, []).append(self.clock())
            else:
                self.stats.throttled[op] += 1
        return admitted

    def throttle_answer(self, op: str) -> _Answer:
        """The 429 past the bucket: no x-amzn-RateLimit-Limit on it, as documented."""
        return _error(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")

    def _rate_headers(self, op: str) -> dict[str, str]:
        return {"x-amzn-RateLimit-Limit": f"{self._buckets[op].rate:g}"} if self.quotas else {}

    def issue_token(self, form: dict[str, str]) -> _Answer:
        if self.token_fault:
            return _Answer(500, {"error": "server_error"}, fault="drop" if self.token_fault == "drop" else None)
        if form.get("grant_type") != "refresh_token":
            return _Answer(400, {"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (
            self.credentials.app_id,
            self.credentials.client_secret,
        ):
            return _Answer(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        if form.get("refresh_token") != self.credentials.refresh_token:
            return _Answer(400, {"error": "invalid_grant", "error_description": "The request has an invalid grant parameter"})
        token = "Atza|fake-" + secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = self.clock() + self.token_ttl
        body = {"access_token": token, "token_type": "bearer", "expires_in": self.token_ttl}
        return _Answer(200, body)

    def _catalog_fault(self, asins: list[str]) -> str | None:
        """The worst catalog fault among `asins`, if any."""
        faults = {self.fault(a) for a in asins}
        return next((fault for fault in CATALOG_FAULTS if fault in faults), None)

    def _with_fault(self, answer: _Answer, fault: str | None) -> _Answer:
        if fault == "500":
            return _error(500, "InternalFailure", "We encountered an internal error. Please try again.")
        if fault == "400":
            return _error(400, "InvalidInput", "Invalid input.")
        if fault == "403":
            return _error(403, "Unauthorized", "Access to requested resource is denied.")
        if fault in ("timeout", "slow", "offers-timeout", "offers-slow"):
            answer.fault = "slow"
        elif fault in ("drop", "offers-drop"):
            answer.fault = "drop"
        return answer

    def search(self, query: dict[str, list[str]], base_url: str) -> _Answer:
        identifiers = [i for i in ",".join(query.get("identifiers", [])).split(",") if i]
        with self._lock:  # recorded before any check, so tests see oversized batches too
            self.stats.search_identifiers.append(identifiers)
            night = self._night
        problem = self._check_marketplace(query)
        if problem:
            return problem
        if not identifiers or query.get("identifiersType") != ["ASIN"]:
            return _error(400, "InvalidInput", "identifiers and identifiersType=ASIN are required")
        if len(identifiers) > 20:
            return _error(400, "InvalidInput", "identifiers may hold at most 20 values")
        page_size = (query.get("pageSize") or ["10"])[0]
        if not page_size.isdigit() or not 1 <= int(page_size) <= 20:
            return _error(400, "InvalidInput", "pageSize must be between 1 and 20")
        included = _included(query)
        if not included <= INCLUDED_DATA:
            return _error(400, "InvalidInput", "includedData holds an unknown value")
        found = [
            self._serve_item(night.catalog[a], included, base_url)
            for a in identifiers
            if a in night.catalog and self.fault(a) != "omit"
        ]
        body: dict[str, Any] = {
            "numberOfResults": len(found),
            "pagination": {"nextToken": "fake-next-page"} if len(found) > int(page_size) else {},
            "refinements": {"brands": [], "classifications": []},
            "items": found[: int(page_size)],
        }
        return self._with_fault(_Answer(200, body), self._catalog_fault(identifiers))

    def get_item(self, asin: str, query: dict[str, list[str]], base_url: str) -> _Answer:
        problem = self._check_marketplace(query)
        if problem:
            return problem
        if not _included(query) <= INCLUDED_DATA:
            return _error(400, "InvalidInput", "includedData holds an unknown value")
        with self._lock:
            self.stats.catalog_gets.append(asin)
            night = self._night
        item = night.catalog.get(asin)
        if item is None:
            answer = _error(404, "NotFound", f"Requested item '{asin}' not found in marketplace.")
        else:
            answer = _Answer(200, self._serve_item(item, _included(query), base_url))
        return self._with_fault(answer, self._catalog_fault([asin]))

    def offers_batch(self, body: Any) -> _Answer:
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not 1 <= len(requests) <= 20:
            return _error(400, "InvalidInput", "requests must hold 1 to 20 entries")
        asins: list[str] = []
        for request in requests:
            match = _OFFERS_URI.match(str(request.get("uri", ""))) if isinstance(request, dict) else None
            if not match or request.get("method") != "GET" or not request.get("ItemCondition"):
                return _error(400, "InvalidInput", "each request needs uri, method GET and ItemCondition")
            if request.get("MarketplaceId") != self.scenario.marketplace_id:
                return _error(400, "InvalidInput", "unknown MarketplaceId")
            asins.append(match.group(1))
        if len(set(asins)) < len(asins):
            return _error(400, "InvalidInput", "Duplicate requests submitted. Cannot run batch request.")
        with self._lock:
            self.stats.offers_asins.append(asins)
            night = self._night
        faults = {self.fault(a) for a in asins}
        if "offers-400" in faults:
            return _error(400, "InvalidInput", "Invalid input.")
        entries = [self._offers_entry(asin, night) for asin in asins]
        whole = next((f for f in ("offers-drop", "offers-timeout", "offers-slow") if f in faults), None)
        return self._with_fault(_Answer(200, {"responses": entries}), whole)

    def _offers_entry(self, asin: str, night: Night) -> dict[str, Any]:
        request = {"MarketplaceId": self.scenario.marketplace_id, "Asin": asin, "ItemCondition": "New"}
        if self.fault(asin) == "offers-500":
            status, reason = 500, "Internal Server Error"
            body: dict[str, Any] = {"errors": [{"code": "InternalFailure", "message": "Internal error."}]}
        elif asin not in night.catalog:
            status, reason = 404, "Not Found"
            body = {"errors": [{"code": "NotFound", "message": f"ASIN {asin} not found."}]}
        else:
            status, reason = 200, "OK"
            payload = night.offers.get(asin) or {
                "ASIN": asin,
                "status": "NoBuyableOffers",
                "ItemCondition": "New",
                "marketplaceId": self.scenario.marketplace_id,
                "Identifier": request,
                "Summary": {"TotalOfferCount": 0},
                "Offers": [],
            }
            body = {"payload": payload}
        return {
            "status": {"statusCode": status, "reasonPhrase": reason},
            "body": body,
            "request": request,
            "headers": {"x-amzn-RequestId": secrets.token_hex(8)},
        }

    def _check_marketplace(self, query: dict[str, list[str]]) -> _Answer | None:
        if query.get("marketplaceIds") != [self.scenario.marketplace_id]:
            return _error(400, "InvalidInput", "marketplaceIds must name exactly this marketplace")
        return None

    def _serve_item(self, item: dict[str, Any], included: set[str], base_url: str) -> dict[str, Any]:
        """The item as the real API would send it for `includedData`, images on this server."""
        kept = {k: v for k, v in item.items() if k == "asin" or k in included}
        return _rewrite_links(kept, base_url + "/images/")

    def image(self, path: str) -> tuple[bytes, str] | None:
        found = self.scenario.image_path(image_id_from_link(path))
        if found is None:
            return None
        return found.read_bytes(), _CONTENT_TYPES.get(found.suffix.lower(), "application/octet-stream")


def _included(query: dict[str, list[str]]) -> set[str]:
    return set(",".join(query.get("includedData") or ["summaries"]).split(","))


def _rewrite_links(value: Any, images_base: str) -> Any:
    if isinstance(value, dict):
        return {k: _rewrite_links(v, images_base) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_links(v, images_base) for v in value]
    if isinstance(value, str):
        return _AMAZON_IMAGES.sub(images_base, value)
    return value


# --- HTTP plumbing ----------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeSpApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that gave up on a slow answer are expected, not news


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real endpoint
    disable_nagle_algorithm = True  # headers and body go out separately: no 40 ms stalls
    server: _Server
    timeout = 60  # idle keep-alive connections do not hold a thread forever

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and the demo own stderr

    @property
    def fake(self) -> FakeSpApi:
        return self.server.fake

    def _base_url(self) -> str:
        return self.fake.url

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path.startswith("/images/"):
            self._image(parts.path)
        elif parts.path == CATALOG_PATH:
            self._api("searchCatalogItems", lambda: self.fake.search(query, self._base_url()))
        elif parts.path.startswith(CATALOG_PATH + "/") and "/" not in parts.path[len(CATALOG_PATH) + 1 :]:
            asin = parts.path[len(CATALOG_PATH) + 1 :]
            self._api("getCatalogItem", lambda: self.fake.get_item(asin, query, self._base_url()))
        else:
            self._send(_NO_ROUTE)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if path == TOKEN_PATH:
            self.fake._count("token", self.headers.get("user-agent", ""))
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
            self._deliver(self.fake.issue_token(form))
        elif path == OFFERS_BATCH_PATH:
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
            self._api("getItemOffersBatch", lambda: self.fake.offers_batch(body))
        else:
            self._send(_NO_ROUTE)

    def _api(self, op: str, answer: Callable[[], _Answer]) -> None:
        self.fake._count(op, self.headers.get("user-agent", ""))
        if self.fake.outage:
            self._send(_error(503, "ServiceUnavailable", "Service temporarily unavailable."))
        elif not self.fake._authorised(self.headers.get("x-amz-access-token")):
            self._send(_error(403, "Unauthorized", "Access to requested resource is denied."))
        elif not self.fake._admit(op):
            self._send(self.fake.throttle_answer(op))
        else:
            result = answer()
            if result.status < 500:
                result.headers.update(self.fake._rate_headers(op))
            self._deliver(result)

    def _deliver(self, answer: _Answer) -> None:
        if answer.fault == "drop":
            self.close_connection = True  # no status line at all: a dropped connection
            return
        if answer.fault == "slow" and self.fake._stopping.wait(self.fake.slow_seconds):
            self.close_connection = True
            return
        self._send(answer)

    def _image(self, path: str) -> None:
        found = self.fake.image(path)
        if found is None:
            self._send(_Answer(404, {"errors": [{"code": "NotFound", "message": "no such image"}]}))
            return
        data, content_type = found
        self._write(200, data, content_type, {})

    def _send(self, answer: _Answer) -> None:
        data = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
        self._write(answer.status, data, "application/json", answer.headers)

    def _write(self, status: int, data: bytes, content_type: str, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.send_header("x-amzn-RequestId", secrets.token_hex(8))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up first (a timeout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m watcher.fakeserver", description="Serve a recorded scenario as a fake SP-API."
    )
    parser.add_argument("scenario", type=Path, help="scenario folder (scenario.json, nights/, images/)")
    parser.add_argument("--night", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="multiply every quota")
    parser.add_argument("--no-quotas", action="store_true", help="never answer 429")
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=35.0,
        help="delay of timeout/slow faults (default 35: past watcher's 30 s client timeout)",
    )
    args = parser.parse_args(argv)
    fake = FakeSpApi(
        args.scenario,
        night=args.night,
        port=args.port,
        quotas=not args.no_quotas,
        rate_scale=args.rate_scale,
        slow_seconds=args.slow_seconds,
    )
    with fake:
        print(f"fake SP-API on {fake.url} (night {args.night}); point watcher at it with:", flush=True)
        for name, value in fake.env().items():
            print(f"  export {name}='{value}'", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
