"""The fake SP-API itself, spoken to with a bare httpx client over loopback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from spapi_helpers import FakeClock, asin, jpeg, make_item, simple_scenario, write_scenario
from watcher.fakeserver import CATALOG_PATH, FAKE_CREDENTIALS, OFFERS_BATCH_PATH, FakeSpApi
from watcher.model import JAPAN

GOOD_FORM = {
    "grant_type": "refresh_token",
    "refresh_token": FAKE_CREDENTIALS.refresh_token,
    "client_id": FAKE_CREDENTIALS.app_id,
    "client_secret": FAKE_CREDENTIALS.client_secret,
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(tmp_path: Path, clock: FakeClock) -> Iterator[FakeSpApi]:
    with FakeSpApi(simple_scenario(tmp_path, 25), clock=clock, slow_seconds=2.0) as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=1.0) as client:
        yield client


def login(http: httpx.Client, fake: FakeSpApi) -> dict[str, str]:
    response = http.post(fake.token_url, data=GOOD_FORM)
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 3600 and body["token_type"] == "bearer"
    return {"x-amz-access-token": body["access_token"]}


def search(http: httpx.Client, fake: FakeSpApi, headers: dict[str, str], ids: list[str], **params: Any) -> httpx.Response:
    query = {"identifiers": ",".join(ids), "identifiersType": "ASIN", "marketplaceIds": JAPAN, **params}
    return http.get(fake.url + CATALOG_PATH, params=query, headers=headers)


def offers(http: httpx.Client, fake: FakeSpApi, headers: dict[str, str], ids: list[str]) -> httpx.Response:
    requests = [
        {"uri": f"/products/pricing/v0/items/{a}/offers", "method": "GET", "MarketplaceId": JAPAN, "ItemCondition": "New"}
        for a in ids
    ]
    return http.post(fake.url + OFFERS_BATCH_PATH, json={"requests": requests}, headers=headers)


@pytest.mark.parametrize(
    "change, status, error",
    [
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "wrong"}, 401, "invalid_client"),
        ({"refresh_token": "wrong"}, 400, "invalid_grant"),
    ],
)
def test_token_endpoint_checks_the_form(fake: FakeSpApi, http: httpx.Client, change: dict[str, str], status: int, error: str) -> None:
    response = http.post(fake.token_url, data={**GOOD_FORM, **change})
    assert (response.status_code, response.json()["error"]) == (status, error)


def test_api_wants_a_live_access_token(fake: FakeSpApi, http: httpx.Client, clock: FakeClock) -> None:
    assert search(http, fake, {}, [asin(0)]).status_code == 403
    assert search(http, fake, {"x-amz-access-token": "Atza|made-up"}, [asin(0)]).status_code == 403
    headers = login(http, fake)
    assert search(http, fake, headers, [asin(0)]).status_code == 200
    clock.advance(3600)
    response = search(http, fake, headers, [asin(0)])
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "Unauthorized"


def test_search_answers_like_catalog_items(fake: FakeSpApi, http: httpx.Client) -> None:
    headers = login(http, fake)
    ids = [asin(i) for i in range(12)] + ["B0NOTHERE1"]
    answer = search(http, fake, headers, ids).json()
    # Default pageSize is 10 and default includedData is summaries, as in the real API.
    assert len(answer["items"]) == 10 and answer["pagination"]["nextToken"]
    assert set(answer["items"][0]) == {"asin", "summaries"}
    full = search(http, fake, headers, ids, pageSize="20", includedData="summaries,images").json()
    assert [i["asin"] for i in full["items"]] == ids[:12] and full["pagination"] == {}
    link = full["items"][0]["images"][0]["images"][0]["link"]
    assert link == f"{fake.url}/images/I/61img{asin(0)}.jpg"
    assert fake.stats.search_identifiers[-1] == ids


@pytest.mark.parametrize(
    "ids, params",
    [
        ([asin(i) for i in range(21)], {}),
        ([asin(0)], {"identifiersType": "EAN"}),
        ([asin(0)], {"marketplaceIds": "ATVPDKIKX0DER"}),
        ([asin(0)], {"pageSize": "21"}),
    ],
)
def test_search_refuses_what_amazon_refuses(fake: FakeSpApi, http: httpx.Client, ids: list[str], params: dict[str, str]) -> None:
    response = search(http, fake, login(http, fake), ids, **params)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "InvalidInput"


def test_get_item_and_404(fake: FakeSpApi, http: httpx.Client) -> None:
    headers = login(http, fake)
    params = {"marketplaceIds": JAPAN, "includedData": "summaries,productTypes"}
    item = http.get(f"{fake.url}{CATALOG_PATH}/{asin(3)}", params=params, headers=headers)
    assert item.status_code == 200 and set(item.json()) == {"asin", "summaries", "productTypes"}
    missing = http.get(f"{fake.url}{CATALOG_PATH}/B0NOTHERE1", params=params, headers=headers)
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NotFound"


def test_offers_batch_entries(fake: FakeSpApi, http: httpx.Client, clock: FakeClock) -> None:
    headers = login(http, fake)
    fake.inject(asin(1), "offers-500")
    answer = offers(http, fake, headers, [asin(0), asin(1), "B0NOTHERE1"])
    assert answer.status_code == 200
    entries = answer.json()["responses"]
    assert [e["status"]["statusCode"] for e in entries] == [200, 500, 404]
    assert [e["request"]["Asin"] for e in entries] == [asin(0), asin(1), "B0NOTHERE1"]
    assert entries[0]["body"]["payload"]["Offers"][0]["SellerId"]
    clock.advance(10)
    assert offers(http, fake, headers, [asin(i) for i in range(21)]).status_code == 400


def test_quotas_are_enforced_and_announced(fake: FakeSpApi, http: httpx.Client, clock: FakeClock) -> None:
    headers = login(http, fake)
    assert offers(http, fake, headers, [asin(0)]).headers["x-amzn-RateLimit-Limit"] == "0.1"
    throttled = offers(http, fake, headers, [asin(0)])
    assert throttled.status_code == 429 and "x-amzn-RateLimit-Limit" not in throttled.headers
    clock.advance(10)
    assert offers(http, fake, headers, [asin(0)]).status_code == 200
    assert [search(http, fake, headers, [asin(0)]).status_code for _ in range(3)] == [200, 200, 429]
    clock.advance(0.5)
    assert search(http, fake, headers, [asin(0)]).status_code == 200
    assert fake.stats.throttled == {"getItemOffersBatch": 1, "searchCatalogItems": 1}
    assert len(fake.stats.admitted["searchCatalogItems"]) == 3


def test_quotas_scaled_or_lifted(tmp_path: Path, http: httpx.Client, clock: FakeClock) -> None:
    scenario = simple_scenario(tmp_path, 2)
    with FakeSpApi(scenario, clock=clock, rate_scale=10) as fast:
        assert search(http, fast, login(http, fast), [asin(0)]).headers["x-amzn-RateLimit-Limit"] == "20"
    with FakeSpApi(scenario, clock=clock, quotas=False) as free:
        headers = login(http, free)
        answers = [offers(http, free, headers, [asin(0)]) for _ in range(5)]
        assert {a.status_code for a in answers} == {200}
        assert "x-amzn-RateLimit-Limit" not in answers[0].headers


def test_faults(fake: FakeSpApi, http: httpx.Client, clock: FakeClock) -> None:
    headers = login(http, fake)

    def search_later(ids: list[str]) -> httpx.Response:
        clock.advance(1)  # keep clear of the quota: this is about faults
        return search(http, fake, headers, ids)

    fake.inject(asin(1), "500")
    assert search_later([asin(0), asin(1)]).status_code == 500
    assert search_later([asin(0)]).status_code == 200  # only batches with it fail
    fake.inject(asin(2), "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        search_later([asin(2)])
    fake.inject(asin(3), "slow")
    with pytest.raises(httpx.ReadTimeout):
        http.get(
            f"{fake.url}{CATALOG_PATH}/{asin(3)}",
            params={"marketplaceIds": JAPAN},
            headers=headers,
            timeout=0.1,
        )
    fake.clear_faults()
    assert search_later([asin(1), asin(2), asin(3)]).status_code == 200


def test_token_endpoint_faults(fake: FakeSpApi, http: httpx.Client) -> None:
    fake.token_fault = "500"
    assert http.post(fake.token_url, data=GOOD_FORM).status_code == 500
    fake.token_fault = "drop"
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(fake.token_url, data=GOOD_FORM)


def test_images_any_size_modifier(tmp_path: Path, http: httpx.Client) -> None:
    scenario = simple_scenario(tmp_path, 1)
    (tmp_path / "images" / "81plain.png").write_bytes(b"\x89PNG fake")
    with FakeSpApi(scenario) as fake:
        original = (tmp_path / "images" / f"61img{asin(0)}.jpg").read_bytes()
        for name in (f"61img{asin(0)}.jpg", f"61img{asin(0)}._AC_SL1500_.jpg", f"61img{asin(0)}._SX38_SY50_.jpg"):
            response = http.get(f"{fake.url}/images/I/{name}")
            assert response.status_code == 200 and response.content == original
            assert response.headers["content-type"] == "image/jpeg"
        assert http.get(f"{fake.url}/images/I/81plain.png").headers["content-type"] == "image/png"
        assert http.get(f"{fake.url}/images/I/nosuch.jpg").status_code == 404


def test_nights_and_their_faults(tmp_path: Path, http: httpx.Client) -> None:
    scenario = write_scenario(tmp_path, {
        1: {"catalog": {"B0NIGHT001": make_item("B0NIGHT001", title="before")}},
        2: {"catalog": {"B0NIGHT001": make_item("B0NIGHT001", title="after")}, "faults": {"B0NIGHT002": "500"}},
    })
    (tmp_path / "images" / "extra.jpg").write_bytes(jpeg())
    with FakeSpApi(scenario, quotas=False) as fake:
        headers = login(http, fake)
        title = lambda: search(http, fake, headers, ["B0NIGHT001"]).json()["items"][0]["summaries"][0]["itemName"]  # noqa: E731
        assert title() == "before"
        assert search(http, fake, headers, ["B0NIGHT002"]).status_code == 200
        fake.set_night(2)
        assert title() == "after"
        assert search(http, fake, headers, ["B0NIGHT002"]).status_code == 500
        assert fake.settings().spapi_endpoint == fake.url
        assert fake.env()["WATCHER_LWA_TOKEN_URL"] == fake.token_url


def test_runs_by_hand(tmp_path: Path) -> None:
    simple_scenario(tmp_path, 1)
    process = subprocess.Popen(
        [sys.executable, "-m", "watcher.fakeserver", str(tmp_path), "--night", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        exports = [process.stdout.readline() for _ in range(3)]
        assert f"export WATCHER_SPAPI_ENDPOINT='{url}'" in exports[0]
        response = httpx.post(url + "/auth/o2/token", data=GOOD_FORM, timeout=5)
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=5)
