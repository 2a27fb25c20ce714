"""Odd, partial and refused answers through the real client and the fake over loopback.

The worst thing the source can do is hand the diff a failure dressed as an answer: an
offers entry with errors read as "nobody sells", a 403 read as "listing gone", another
ASIN's item read as "title changed". Each test here feeds one such answer through real
HTTP and checks that it ends as unknown (`fetch_failed`, or offers None), never as data.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest

from spapi_helpers import OTHER, SELLER, FakeClock, asin, make_item, make_offers, simple_scenario, write_scenario
from watcher import images
from watcher.errors import ConfigError
from watcher.fakeserver import FAKE_CREDENTIALS, FakeSpApi, _Answer, _rewrite_links
from watcher.model import JAPAN, Observation
from watcher.source.ratelimit import Quota, RetryPolicy
from watcher.source.spapi import SpApiSource

FAST_RETRY = RetryPolicy(attempts=3, base=0.5, cap=4.0)
Edit = Callable[[dict[str, Any]], dict[str, Any] | None]


class Odd(FakeSpApi):
    """The fake, with chosen answers bent into the shapes real answers can take.

    `entries`: ASIN -> edit of its getItemOffersBatch entry (None leaves it out).
    `search_items`: ASIN -> edit of its item in searchCatalogItems answers (None leaves it out).
    `extra_items`: items every search answer carries besides those asked for.
    `items`: ASIN -> the getCatalogItem answer.
    `retry_after`: a Retry-After header on every 429.
    """

    def __init__(self, *args: Any, entries: dict[str, Edit] | None = None,
                 search_items: dict[str, Edit] | None = None, extra_items: list[dict[str, Any]] | None = None,
                 items: dict[str, _Answer] | None = None, retry_after: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.entries = entries or {}
        self.search_items = search_items or {}
        self.extra_items = extra_items or []
        self.items = items or {}
        self.retry_after = retry_after

    def offers_batch(self, body: Any) -> _Answer:
        answer = super().offers_batch(body)
        if answer.status == 200:
            edited = [self._edit(self.entries, e["request"]["Asin"], e) for e in answer.body["responses"]]
            answer.body["responses"] = [e for e in edited if e is not None]
        return answer

    def search(self, query: dict[str, list[str]], base_url: str) -> _Answer:
        answer = super().search(query, base_url)
        if answer.status == 200:
            edited = [self._edit(self.search_items, i["asin"], i) for i in answer.body["items"]]
            answer.body["items"] = [i for i in edited if i is not None] + copy.deepcopy(self.extra_items)
        return answer

    def get_item(self, asin: str, query: dict[str, list[str]], base_url: str) -> _Answer:
        if asin in self.items:
            with self._lock:
                self.stats.catalog_gets.append(asin)
            answer = copy.deepcopy(self.items[asin])
            answer.body = _rewrite_links(answer.body, base_url + "/images/")  # never the internet
            return answer
        return super().get_item(asin, query, base_url)

    def throttle_answer(self, op: str) -> _Answer:
        answer = super().throttle_answer(op)
        if self.retry_after is not None:
            answer.headers["Retry-After"] = self.retry_after
        return answer

    @staticmethod
    def _edit(edits: dict[str, Edit], key: str, value: dict[str, Any]) -> dict[str, Any] | None:
        return edits[key](copy.deepcopy(value)) if key in edits else value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def observe(fake: FakeSpApi, clock: FakeClock, asins: list[str], **kwargs: Any) -> dict[str, Observation]:
    kwargs.setdefault("timeout", 0.25)
    kwargs.setdefault("retry", FAST_RETRY)
    with_offers = kwargs.pop("with_offers", True)
    with SpApiSource(fake.settings(), clock=clock, sleep=clock.sleep, **kwargs) as source:
        found = list(source.observe(asins, with_offers=with_offers))
    by_asin = {o.snapshot.asin: o for o in found}
    assert len(found) == len(by_asin)
    return by_asin


def odd(tmp_path: Path, clock: FakeClock, count: int = 4, **kwargs: Any) -> Odd:
    return Odd(simple_scenario(tmp_path, count), clock=clock, slow_seconds=2.0, **kwargs)


def unknown_offers(observation: Observation) -> bool:
    """Catalog known, offers unknown: the shape a failed offers answer must take."""
    snapshot = observation.snapshot
    return snapshot.status == "ok" and snapshot.offers is None and observation.raw_offers is None \
        and bool(observation.offers_error)


# --- getItemOffersBatch: item-level failures inside a 200 --------------------------------


def _errors_beside_payload(entry: dict[str, Any]) -> dict[str, Any]:
    entry["body"]["errors"] = [{"code": "InternalFailure", "message": "partial"}]
    entry["body"]["payload"]["Offers"] = []  # what a half answer looks like: nobody
    return entry


def _payload_status(status: str) -> Edit:
    def edit(entry: dict[str, Any]) -> dict[str, Any]:
        entry["body"]["payload"]["status"] = status
        entry["body"]["payload"]["Offers"] = []
        return entry
    return edit


def _payload(payload: Any) -> Edit:
    def edit(entry: dict[str, Any]) -> dict[str, Any]:
        entry["body"]["payload"] = payload
        return entry
    return edit


def _status_code(code: Any) -> Edit:
    def edit(entry: dict[str, Any]) -> dict[str, Any]:
        entry["status"]["statusCode"] = code
        return entry
    return edit


def _without_payload(entry: dict[str, Any]) -> dict[str, Any]:
    entry["body"] = {}
    return entry


def _sellers_unnamed(entry: dict[str, Any]) -> dict[str, Any]:
    for offer in entry["body"]["payload"]["Offers"]:
        offer.pop("SellerId")
    return entry


@pytest.mark.parametrize(
    "edit, error",
    [
        (_errors_beside_payload, "getItemOffersBatch: answer with errors InternalFailure"),
        (_payload_status("ClientError"), "getItemOffersBatch: payload status ClientError"),
        (_payload_status("Server Error <b>"), "getItemOffersBatch: payload status ?"),
        (_payload({}), "getItemOffersBatch: payload has no Offers"),
        (_payload({"ASIN": asin(1), "status": "Success"}), "getItemOffersBatch: payload has no Offers"),
        (_payload({"ASIN": asin(1), "status": "Success", "Offers": {"x": 1}}), "getItemOffersBatch: payload Offers is not a list"),
        (_payload(make_offers(asin(3), sellers=(OTHER,))), f"getItemOffersBatch: payload is for ASIN {asin(3)}"),
        (_payload({**make_offers(asin(1)), "marketplaceId": "ATVPDKIKX0DER"}),
         "getItemOffersBatch: payload is for marketplace ATVPDKIKX0DER"),
        (_payload([]), "getItemOffersBatch: answer without payload"),
        (_without_payload, "getItemOffersBatch: answer without payload"),
        (_sellers_unnamed, "getItemOffersBatch: no offer in the payload names its seller"),
        (_status_code(0), "getItemOffersBatch: HTTP 0"),
        (_status_code("OK"), "getItemOffersBatch: HTTP 0"),
        (_status_code(400), "getItemOffersBatch: HTTP 400"),
    ],
)
def test_a_bad_offers_entry_is_unknown_never_empty(tmp_path: Path, clock: FakeClock, edit: Edit, error: str) -> None:
    with odd(tmp_path, clock, entries={asin(1): edit}) as fake:
        seen = observe(fake, clock, [asin(i) for i in range(4)])
    assert unknown_offers(seen[asin(1)])
    assert seen[asin(1)].offers_error == error
    for i in (0, 2, 3):  # its neighbours in the same 200 answer are fine
        offers = seen[asin(i)].snapshot.offers
        assert offers is not None and offers.seller_ids() == {SELLER, OTHER}


def test_a_5xx_entry_is_asked_again_and_can_recover(tmp_path: Path, clock: FakeClock) -> None:
    tries: list[int] = []

    def once(entry: dict[str, Any]) -> dict[str, Any]:
        tries.append(1)
        return _status_code(503)(entry) if len(tries) == 1 else entry

    with odd(tmp_path, clock, entries={asin(2): once}) as fake:
        seen = observe(fake, clock, [asin(i) for i in range(4)])
        assert fake.stats.offers_asins == [[asin(i) for i in range(4)], [asin(2)]]
    offers = seen[asin(2)].snapshot.offers
    assert offers is not None and offers.seller_ids() == {SELLER, OTHER}


def test_an_entry_left_out_is_asked_again_then_unknown(tmp_path: Path, clock: FakeClock) -> None:
    with odd(tmp_path, clock, entries={asin(0): lambda entry: None}) as fake:
        seen = observe(fake, clock, [asin(i) for i in range(3)])
        assert fake.stats.offers_asins == [[asin(0), asin(1), asin(2)], [asin(0)]]
    assert unknown_offers(seen[asin(0)])
    assert seen[asin(0)].offers_error == "getItemOffersBatch: missing from the answer"
    assert all(seen[asin(i)].snapshot.offers is not None for i in (1, 2))


def test_no_buyable_offers_is_an_answer(tmp_path: Path, clock: FakeClock) -> None:
    # Amazon's "nobody sells this new": a real answer, even without an Offers list.
    bare = {"ASIN": asin(1), "status": "NoBuyableOffers", "marketplaceId": JAPAN, "Summary": {"TotalOfferCount": 0}}
    with odd(tmp_path, clock, entries={asin(1): _payload(bare)}) as fake:
        seen = observe(fake, clock, [asin(0), asin(1)])
    offers = seen[asin(1)].snapshot.offers
    assert offers is not None and offers.offers == () and seen[asin(1)].offers_error is None


# --- searchCatalogItems: omitted, extra and half items ------------------------------------


def test_search_omitting_and_adding_asins(tmp_path: Path, clock: FakeClock) -> None:
    stranger = make_item("B0STRANGER", title="not asked for")
    with odd(tmp_path, clock, search_items={asin(1): lambda item: None}, extra_items=[stranger]) as fake:
        seen = observe(fake, clock, [asin(i) for i in range(4)] + ["B0GONE0001"], with_offers=False)
        assert sorted(fake.stats.catalog_gets) == sorted([asin(1), "B0GONE0001"])
    assert set(seen) == {asin(0), asin(1), asin(2), asin(3), "B0GONE0001"}  # no stranger
    assert {a: o.snapshot.status for a, o in seen.items()} == {
        **{asin(i): "ok" for i in range(4)}, "B0GONE0001": "not_found"}
    assert seen[asin(1)].snapshot.catalog is not None and seen[asin(1)].snapshot.catalog.title == f"テスト商品 {asin(1)}"


def _summary_elsewhere(item: dict[str, Any]) -> dict[str, Any]:
    item["summaries"] = [{**item["summaries"][0], "marketplaceId": "ATVPDKIKX0DER", "itemName": "US"}]
    return item


def _bare(item: dict[str, Any]) -> dict[str, Any]:
    return {"asin": item["asin"]}


@pytest.mark.parametrize("edit", [_summary_elsewhere, _bare])
def test_a_half_item_in_search_is_asked_for_alone(tmp_path: Path, clock: FakeClock, edit: Edit) -> None:
    with odd(tmp_path, clock, search_items={asin(2): edit}) as fake:
        seen = observe(fake, clock, [asin(i) for i in range(3)], with_offers=False)
        assert fake.stats.catalog_gets == [asin(2)]
    catalog = seen[asin(2)].snapshot.catalog
    assert catalog is not None and catalog.title == f"テスト商品 {asin(2)}"  # not None: no "title changed"


# --- getCatalogItem: only Amazon's NotFound is "not found" --------------------------------


@pytest.mark.parametrize(
    "answer, error",
    [
        (_Answer(404, {"message": "Not Found"}), "getCatalogItem: HTTP 404 without NotFound"),
        (_Answer(404, "no such thing"), "getCatalogItem: HTTP 404 without NotFound"),
        (_Answer(404, {"errors": [{"code": "InvalidInput", "message": "?"}]}),
         "getCatalogItem: HTTP 404 InvalidInput without NotFound"),
        (_Answer(403, {"errors": [{"code": "Unauthorized", "message": "denied"}]}), "getCatalogItem: HTTP 403 Unauthorized"),
        (_Answer(400, {"errors": [{"code": "InvalidInput", "message": "bad"}]}), "getCatalogItem: HTTP 400 InvalidInput"),
        (_Answer(200, {"errors": [{"code": "InternalFailure", "message": "?"}]}),
         "getCatalogItem: answer has no summary for this marketplace"),
        (_Answer(200, make_item("B0MERGED01")), "getCatalogItem: answer is for ASIN B0MERGED01"),
        (_Answer(200, ["not", "an", "item"]), "getCatalogItem: answer is not a JSON object"),
        (_Answer(302, {}), "getCatalogItem: HTTP 302"),
    ],
)
def test_get_item_failures_are_never_not_found(tmp_path: Path, clock: FakeClock, answer: _Answer, error: str) -> None:
    items = {"B0GONE0001": answer}
    with odd(tmp_path, clock, count=2, search_items={asin(1): lambda item: None},
             items={asin(1): answer, **items}) as fake:
        seen = observe(fake, clock, [asin(0), asin(1), "B0GONE0001"], with_offers=False)
    for code in (asin(1), "B0GONE0001"):
        snapshot = seen[code].snapshot
        assert snapshot.status == "fetch_failed" and snapshot.catalog is None
        assert snapshot.error == error
    assert seen[asin(0)].snapshot.status == "ok"


def test_403_is_final_and_costs_one_fresh_token_per_minute(tmp_path: Path, clock: FakeClock) -> None:
    # A role the app lacks answers 403 to every call: one fresh token is worth a try, a
    # fresh token per call is not.
    scenario = simple_scenario(tmp_path, 6, faults={asin(i): "403" for i in (1, 2, 4)})
    with FakeSpApi(scenario, clock=clock, slow_seconds=2.0) as fake:
        seen = observe(fake, clock, [asin(i) for i in range(6)], with_offers=False)
        # The search batch met the 403 first (and its one renewal); no ASIN got another.
        assert fake.stats.requests["token"] == 2
        assert fake.stats.requests["searchCatalogItems"] == 2
        assert [fake.stats.catalog_gets.count(asin(i)) for i in (1, 2, 4)] == [1, 1, 1]
    for i in (1, 2, 4):
        assert seen[asin(i)].snapshot.status == "fetch_failed"
        assert seen[asin(i)].snapshot.error == "getCatalogItem: HTTP 403 Unauthorized"
    assert all(seen[asin(i)].snapshot.status == "ok" for i in (0, 3, 5))


# --- tokens on refusal --------------------------------------------------------------------


class ExpiresEarly(FakeSpApi):
    """Answers 401 to the first search after `expire()`, as a proxy in front might."""

    refuse = False

    def search(self, query: dict[str, list[str]], base_url: str) -> _Answer:
        if self.refuse:
            self.refuse = False
            with self._lock:
                self._tokens.clear()
            return _Answer(401, {"errors": [{"code": "Unauthorized", "message": "token expired"}]})
        return super().search(query, base_url)


def test_401_renews_the_token_once(tmp_path: Path, clock: FakeClock) -> None:
    with ExpiresEarly(simple_scenario(tmp_path, 2), clock=clock) as fake:
        with SpApiSource(fake.settings(), clock=clock, sleep=clock.sleep, retry=FAST_RETRY, timeout=0.25) as source:
            list(source.observe([asin(0)], with_offers=False))
            fake.refuse = True
            seen = list(source.observe([asin(1)], with_offers=False))
        assert seen[0].snapshot.status == "ok"
        assert fake.stats.requests["token"] == 2
        assert fake.stats.requests["searchCatalogItems"] == 3


# --- Retry-After and announced rates ------------------------------------------------------


def test_retry_after_is_honoured(tmp_path: Path, clock: FakeClock) -> None:
    greedy = {"getItemOffersBatch": Quota(1.0, 50)}  # the server grants a burst of 1
    with odd(tmp_path, clock, count=25, retry_after="30") as fake:
        seen = observe(fake, clock, [asin(i) for i in range(25)], quotas=greedy)
        assert fake.stats.throttled["getItemOffersBatch"] == 1
        admitted = fake.stats.admitted["getItemOffersBatch"]
    assert all(o.snapshot.offers is not None for o in seen.values())
    assert admitted[1] - admitted[0] >= 30  # not the 0.5 s backoff, nor the bucket's 1 s


def test_retry_after_past_the_budget_gives_up_at_once(tmp_path: Path, clock: FakeClock) -> None:
    greedy = {"getItemOffersBatch": Quota(1.0, 50)}
    with odd(tmp_path, clock, count=25, retry_after="3600") as fake:
        seen = observe(fake, clock, [asin(i) for i in range(25)], quotas=greedy,
                       retry=RetryPolicy(attempts=3, base=0.5, budget=60))
        assert fake.stats.requests["getItemOffersBatch"] == 2
    assert all(seconds < 3600 for seconds in clock.slept)
    failed = [o for o in seen.values() if o.snapshot.offers is None]
    assert len(failed) == 5  # the second batch
    assert all(o.offers_error == "getItemOffersBatch: HTTP 429 QuotaExceeded after 1 attempt" for o in failed)


class AnnouncesJunk(FakeSpApi):
    def _rate_headers(self, op: str) -> dict[str, str]:
        return {"x-amzn-RateLimit-Limit": {"searchCatalogItems": "inf", "getItemOffersBatch": "0"}.get(op, "abc")}


def test_junk_rate_headers_are_not_adopted(tmp_path: Path, clock: FakeClock) -> None:
    with AnnouncesJunk(simple_scenario(tmp_path, 2), clock=clock) as fake:
        with SpApiSource(fake.settings(), clock=clock, sleep=clock.sleep, retry=FAST_RETRY, timeout=0.25) as source:
            list(source.observe([asin(0), asin(1)]))
            assert {op: b.rate for op, b in source._buckets.items()} == {
                "searchCatalogItems": 2.0, "getCatalogItem": 2.0, "getItemOffersBatch": 0.1}


# --- input and configuration --------------------------------------------------------------


def test_one_asin_in_two_spellings_is_asked_once(tmp_path: Path, clock: FakeClock) -> None:
    # The batch API refuses a batch that names an ASIN twice, which would cost all 20.
    with FakeSpApi(simple_scenario(tmp_path, 2), clock=clock) as fake:
        seen = observe(fake, clock, [asin(0).lower(), asin(0), f" {asin(1)} "])
        assert fake.stats.offers_asins == [[asin(0), asin(1)]]
    assert set(seen) == {asin(0), asin(1)}
    assert all(o.snapshot.offers is not None for o in seen.values())


@pytest.mark.parametrize("field, name", [("spapi_endpoint", "WATCHER_SPAPI_ENDPOINT"),
                                         ("lwa_token_url", "WATCHER_LWA_TOKEN_URL")])
@pytest.mark.parametrize("url", ["sellingpartnerapi-fe.amazon.com", "ftp://example.com", "http://"])
def test_a_bad_url_is_one_config_error(tmp_path: Path, field: str, name: str, url: str) -> None:
    with FakeSpApi(simple_scenario(tmp_path, 1)) as fake:
        settings = fake.settings()
    from dataclasses import replace

    with pytest.raises(ConfigError) as info:
        SpApiSource(replace(settings, **{field: url}))
    assert str(info.value) == f"{name} is not an http(s) URL"


def test_api_redirects_are_not_followed_with_the_token(clock: FakeClock) -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "Atza|secret", "expires_in": 3600})
        if request.url.host == "sp.example":
            return httpx.Response(307, headers={"location": "https://elsewhere.example/catalog"})
        return httpx.Response(200, json={"items": []})

    from watcher.config import Settings
    from watcher.source.spapi import build_client

    settings = Settings(Path("x.db"), spapi_endpoint="https://sp.example", lwa_token_url="https://lwa.example/token",
                        credentials=FAKE_CREDENTIALS)
    source = SpApiSource(settings, client=build_client(transport=httpx.MockTransport(handler)), clock=clock,
                         sleep=clock.sleep, retry=FAST_RETRY)
    seen = list(source.observe([asin(0)], with_offers=False))
    assert "elsewhere.example" not in hosts
    assert seen[0].snapshot.status == "fetch_failed" and seen[0].snapshot.error == "getCatalogItem: HTTP 307"


# --- the fake refuses what Amazon refuses -------------------------------------------------


@pytest.fixture
def served(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[FakeSpApi, httpx.Client, dict[str, str]]]:
    with FakeSpApi(simple_scenario(tmp_path, 3), clock=clock, quotas=False) as fake, httpx.Client(timeout=2) as http:
        form = {"grant_type": "refresh_token", "refresh_token": FAKE_CREDENTIALS.refresh_token,
                "client_id": FAKE_CREDENTIALS.app_id, "client_secret": FAKE_CREDENTIALS.client_secret}
        token = http.post(fake.token_url, data=form).json()["access_token"]
        yield fake, http, {"x-amz-access-token": token}


def test_fake_refuses_duplicate_batch_requests(served: tuple[FakeSpApi, httpx.Client, dict[str, str]]) -> None:
    fake, http, headers = served
    request = {"uri": f"/products/pricing/v0/items/{asin(0)}/offers", "method": "GET",
               "MarketplaceId": JAPAN, "ItemCondition": "New"}
    answer = http.post(fake.url + "/batches/products/pricing/v0/itemOffers", json={"requests": [request, request]},
                       headers=headers)
    assert answer.status_code == 400 and "Duplicate" in answer.json()["errors"][0]["message"]


def test_fake_refuses_unknown_included_data(served: tuple[FakeSpApi, httpx.Client, dict[str, str]]) -> None:
    fake, http, headers = served
    base = {"marketplaceIds": JAPAN, "includedData": "summaries,productType"}  # singular: a typo
    search = http.get(fake.url + "/catalog/2022-04-01/items", headers=headers,
                      params={**base, "identifiers": asin(0), "identifiersType": "ASIN"})
    item = http.get(f"{fake.url}/catalog/2022-04-01/items/{asin(0)}", headers=headers, params=base)
    assert (search.status_code, item.status_code) == (400, 400)


def test_fake_unknown_paths_do_not_say_not_found(served: tuple[FakeSpApi, httpx.Client, dict[str, str]]) -> None:
    fake, http, headers = served
    for path in ("/catalog/2020-12-01/items/" + asin(0), f"/catalog/2022-04-01/items/{asin(0)}/x"):
        answer = http.get(fake.url + path, headers=headers, params={"marketplaceIds": JAPAN})
        assert answer.status_code == 404 and "errors" not in answer.json()


def test_fake_403_fault(served: tuple[FakeSpApi, httpx.Client, dict[str, str]]) -> None:
    fake, http, headers = served
    fake.inject(asin(1), "403")
    answer = http.get(f"{fake.url}/catalog/2022-04-01/items/{asin(1)}", headers=headers,
                      params={"marketplaceIds": JAPAN})
    assert answer.status_code == 403 and answer.json()["errors"][0]["code"] == "Unauthorized"


# --- the whole pipeline: odd answers never become alerts ----------------------------------


def test_odd_answers_never_become_alerts(tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    if not hasattr(images, "download"):
        pytest.skip("watcher.images.download is not there yet")
    from datetime import datetime, timedelta, timezone

    from watcher import pipeline, store

    codes = [asin(i) for i in range(8)]
    calm = {
        "catalog": {c: make_item(c) for c in codes},
        "offers": {c: make_offers(c, sellers=(SELLER, OTHER)) for c in codes},
    }
    scenario = write_scenario(tmp_path / "scenario", {1: calm, 2: calm})
    left_out: Edit = lambda value: None  # noqa: E731
    bent = Odd(
        scenario, clock=clock, slow_seconds=1.0,
        entries={codes[0]: _errors_beside_payload, codes[1]: _payload_status("ClientError"),
                 codes[2]: _payload({}), codes[3]: left_out},
        search_items={codes[4]: _bare, codes[5]: left_out, codes[6]: left_out, codes[7]: left_out},
        items={codes[4]: _Answer(200, {"asin": codes[4]}), codes[5]: _Answer(404, {"message": "Not Found"}),
               codes[6]: _Answer(200, make_item("B0MERGED01")),
               codes[7]: _Answer(403, {"errors": [{"code": "Unauthorized", "message": "denied"}]})},
    )
    db = store.open_db(tmp_path / "w.db")
    start = datetime(2025, 1, 1, 18, tzinfo=timezone.utc)
    store.add_asins(db, [(c, None) for c in codes], start)
    caplog.set_level(logging.DEBUG)
    with FakeSpApi(scenario, clock=clock) as calm_fake:
        with SpApiSource(calm_fake.settings(), clock=clock, sleep=clock.sleep, retry=FAST_RETRY, timeout=0.25) as source:
            first = pipeline.run(db, source, now=start + timedelta(days=1), my_seller_id=SELLER, source_name="fake#1")
    assert first.failed == 0
    with bent:
        bent.set_night(2)
        with SpApiSource(bent.settings(), clock=clock, sleep=clock.sleep, retry=FAST_RETRY, timeout=0.25) as source:
            summary = pipeline.run(db, source, now=start + timedelta(days=2), my_seller_id=SELLER, source_name="fake#2")
        tokens = bent.issued_tokens() + calm_fake.issued_tokens()
    assert summary.new_alerts == []
    assert store.alerts(db) == []
    assert sorted((f["asin"], f["stage"]) for f in summary.failures) == sorted(
        [(c, "offers") for c in codes[:4]] + [(c, "catalog") for c in codes[4:]])
    db.close()
    blob = caplog.text + (tmp_path / "w.db").read_bytes().decode("latin-1")
    for secret in [*FAKE_CREDENTIALS.secrets(), *tokens]:
        assert secret not in blob


def test_what_is_not_an_asin_is_never_put_in_a_path(tmp_path: Path, clock: FakeClock) -> None:
    # Parent ASINs come from answers: one shaped like a path must not reach the server.
    with FakeSpApi(simple_scenario(tmp_path, 1), clock=clock) as fake:
        seen = observe(fake, clock, [asin(0), "../../token", "B0SHORT"], with_offers=False)
        assert fake.stats.search_identifiers == [[asin(0)]] and fake.stats.catalog_gets == []
    assert seen[asin(0)].snapshot.status == "ok"
    assert {seen[a].snapshot.error for a in ("../../TOKEN", "B0SHORT")} == {"not an ASIN"}
    assert seen["B0SHORT"].snapshot.status == "fetch_failed"
