"""The requests and httpx adapters: bearer header, one shared refresh and one
retry on 401, and no token sent to a host that may not receive it."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
import requests

from concur_auth import HostNotAllowedError
from concur_auth.adapters import HttpxAuth, RequestsAuth
from fakeconcur import USERS_PATH, FakeConcur, Setup

REFUSED = {
    "kind": "concur",
    "status": 401,
    "code": 401,
    "error": "invalid_token",
    "description": "refused",
}


def users_url(fake: FakeConcur) -> str:
    return fake.base_url + USERS_PATH


def test_requests_adds_the_bearer_token(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    response = requests.get(users_url(fake), auth=RequestsAuth(manager), timeout=30)
    assert response.status_code == 200
    assert response.request.headers["Authorization"] == "Bearer " + manager.access_token()
    assert response.json()["Resources"]
    assert fake.counters()["token_requests"] == 0


def test_requests_refreshes_once_and_retries_on_401(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    session = requests.Session()
    session.auth = RequestsAuth(manager)
    old = manager.access_token()
    fake.expire_access_tokens()
    response = session.get(users_url(fake), timeout=30)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    assert manager.access_token() != old
    counters = fake.counters()
    assert counters["refresh_grants"] == 1
    assert counters["user_requests"] == 2


def test_requests_retries_only_once(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    fake.fault("api", REFUSED, count=5)
    response = requests.get(users_url(fake), auth=RequestsAuth(manager), timeout=30)
    assert response.status_code == 401
    counters = fake.counters()
    assert counters["user_requests"] == 2
    assert counters["refresh_grants"] == 1


def test_requests_resends_a_rewindable_body(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    fake.fault("api", REFUSED, count=1)
    body = io.BytesIO(b'{"a": 1}')
    response = requests.request(
        "GET", users_url(fake), data=body, auth=RequestsAuth(manager), timeout=30
    )
    assert [r.status_code for r in response.history] == [401]
    assert response.status_code == 200


def test_requests_refuses_other_hosts(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    with pytest.raises(HostNotAllowedError):
        requests.get("https://evil.example.com/steal", auth=RequestsAuth(manager), timeout=5)
    assert fake.counters()["token_requests"] == 0


def test_httpx_sync_refreshes_once_and_retries_on_401(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    with httpx.Client(auth=HttpxAuth(manager)) as client:
        assert client.get(users_url(fake)).status_code == 200
        fake.expire_access_tokens()
        response = client.get(users_url(fake))
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [401]
    counters = fake.counters()
    assert counters["refresh_grants"] == 1
    assert counters["user_requests"] == 3


def test_httpx_sync_retries_only_once(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    fake.fault("api", REFUSED, count=5)
    with httpx.Client(auth=HttpxAuth(manager)) as client:
        response = client.request("GET", users_url(fake), json={"a": 1})
    assert response.status_code == 401
    assert fake.counters()["user_requests"] == 2


@pytest.mark.asyncio
async def test_httpx_async_refreshes_once_and_retries_on_401(
    setup: Setup, fake: FakeConcur
) -> None:
    manager = setup.initialized()
    async with httpx.AsyncClient(auth=HttpxAuth(manager)) as client:
        fake.expire_access_tokens()
        responses = await _gather(client, users_url(fake), 20)
    assert all(r.status_code == 200 for r in responses)
    counters = fake.counters()
    assert counters["refresh_grants"] == 1, "concurrent 401s share one refresh"


async def _gather(client: httpx.AsyncClient, url: str, n: int) -> list[httpx.Response]:
    import asyncio

    return list(await asyncio.gather(*(client.get(url) for _ in range(n))))


@pytest.mark.asyncio
async def test_httpx_async_refuses_other_hosts(setup: Setup) -> None:
    manager = setup.initialized()
    async with httpx.AsyncClient(auth=HttpxAuth(manager)) as client:
        with pytest.raises(HostNotAllowedError):
            await client.get("https://evil.example.com/steal")


def test_thread_fallback_for_other_async_libraries(setup: Setup) -> None:
    import anyio

    from concur_auth.adapters import _in_thread

    manager = setup.initialized()
    assert anyio.run(_in_thread, manager.access_token) == manager.access_token()


def test_adapter_reprs(setup: Setup) -> None:
    manager = setup.manager()
    assert repr(RequestsAuth(manager)).startswith("RequestsAuth(TokenManager(")
    assert repr(HttpxAuth(manager)).startswith("HttpxAuth(TokenManager(")
