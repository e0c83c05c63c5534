"""Where a token may go (issue 11): no hostile path, no full URL on another
loopback host or port, no redirect and no 401 after a redirect delivers a
token to a recording listener on 127.0.0.2 (or on another 127.0.0.1 port)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import requests

from concur_auth import ConcurAuthError, HostNotAllowedError
from concur_auth.adapters import HttpxAuth, RequestsAuth
from fakeconcur import USERS_PATH, FakeConcur, Setup

HOSTILE_INPUTS = Path(__file__).resolve().parents[3] / "tests/token-destinations/hostile-inputs.json"


class Listener:
    """An HTTP listener on `host` that counts connections and Authorization
    headers. A recorder answers 401 (so a client that refreshes on 401 would
    come back with a new token); a redirector answers 302 to `location`."""

    def __init__(self, host: str, location: str = "") -> None:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                if self.headers.get("Authorization"):
                    listener.authorizations += 1
                if listener.location:
                    self.send_response(302)
                    self.send_header("Location", listener.location)
                else:
                    self.send_response(401)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def verify_request(self, request: Any, client_address: Any) -> bool:
                listener.connections += 1
                return True

        self.connections = 0
        self.authorizations = 0
        self.location = location
        self.server = Server((host, 0), Handler)
        self.host = host
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def thief() -> Iterator[Listener]:
    listener = Listener("127.0.0.2")
    yield listener
    listener.close()


@pytest.fixture
def other_port() -> Iterator[Listener]:
    listener = Listener("127.0.0.1")
    yield listener
    listener.close()


def hostile_inputs(thief: Listener, other_port: Listener, fake: FakeConcur) -> list[str]:
    inputs: list[str] = json.loads(HOSTILE_INPUTS.read_text())["inputs"]
    fills = {
        "{thief}": thief.authority,
        "{thiefport}": str(thief.port),
        "{loop}": other_port.authority,
        "{loopport}": str(other_port.port),
        "{fake}": fake.base_url.removeprefix("http://"),
    }
    filled = []
    for text in inputs:
        for key, value in fills.items():
            text = text.replace(key, value)
        filled.append(text)
    return filled


def assert_untouched(*listeners: Listener) -> None:
    for listener in listeners:
        assert (listener.connections, listener.authorizations) == (0, 0), listener.authority


def test_request_never_sends_a_token_off_the_geolocation(
    setup: Setup, fake: FakeConcur, thief: Listener, other_port: Listener
) -> None:
    manager = setup.initialized()
    inputs = hostile_inputs(thief, other_port, fake)
    assert len(inputs) >= 50
    refused = 0
    for text in inputs:
        try:
            manager.request("GET", text)
        except ConcurAuthError:
            refused += 1
    assert refused >= 45
    assert_untouched(thief, other_port)


def test_adapters_refuse_every_hostile_url(
    setup: Setup, fake: FakeConcur, thief: Listener, other_port: Listener
) -> None:
    manager = setup.initialized()
    urls = [u for u in hostile_inputs(thief, other_port, fake) if "://" in u]
    refused = 0
    for url in urls:
        # Refused by the adapter (or by the HTTP library, for a URL it cannot
        # send); a URL the library reads as the fake's own may go there.
        try:
            requests.get(url, auth=RequestsAuth(manager), timeout=5)
        except (ConcurAuthError, requests.RequestException):
            refused += 1
        try:
            with httpx.Client(auth=HttpxAuth(manager), timeout=5) as client:
                client.get(url)
        except (ConcurAuthError, httpx.HTTPError, httpx.InvalidURL):
            refused += 1
    assert refused >= 2 * len(urls) - 4
    assert_untouched(thief, other_port)


def test_loopback_is_not_a_wildcard(setup: Setup, other_port: Listener, thief: Listener) -> None:
    manager = setup.initialized()
    for url in (
        f"http://localhost:{other_port.port}/",
        f"http://{other_port.authority}/",
        f"http://{thief.authority}/",
    ):
        with pytest.raises(HostNotAllowedError):
            manager.check_url(url)
    allowed = setup.manager(allowed_hosts=["127.0.0.2"])
    allowed.check_url(f"http://{thief.authority}/x")


@pytest.fixture
def redirector(thief: Listener) -> Iterator[Listener]:
    """An allowed host (by name: localhost) that redirects to the thief."""
    listener = Listener("127.0.0.1", location=f"http://{thief.authority}/steal")
    yield listener
    listener.close()


def test_requests_redirect_then_401_sends_no_token_to_the_refused_host(
    setup: Setup, fake: FakeConcur, thief: Listener, redirector: Listener
) -> None:
    manager = setup.initialized(allowed_hosts=["localhost"])
    session = requests.Session()
    session.auth = RequestsAuth(manager)
    response = session.get(f"http://localhost:{redirector.port}/x", timeout=10)
    assert response.status_code == 401
    assert redirector.authorizations == 1
    assert thief.connections == 1 and thief.authorizations == 0
    assert fake.counters()["refresh_grants"] == 0, "no refresh for a foreign 401"


@pytest.mark.parametrize("follow", [True, False])
def test_httpx_redirect_then_401_sends_no_token_to_the_refused_host(
    setup: Setup, fake: FakeConcur, thief: Listener, redirector: Listener, follow: bool
) -> None:
    manager = setup.initialized(allowed_hosts=["localhost"])
    with httpx.Client(auth=HttpxAuth(manager), follow_redirects=follow) as client:
        response = client.get(f"http://localhost:{redirector.port}/x")
    assert response.status_code == (401 if follow else 302)
    assert redirector.authorizations == 1
    assert thief.authorizations == 0
    assert fake.counters()["refresh_grants"] == 0, "no refresh for a foreign 401"


@pytest.mark.asyncio
async def test_httpx_async_redirect_then_401_sends_no_token(
    setup: Setup, fake: FakeConcur, thief: Listener, redirector: Listener
) -> None:
    manager = setup.initialized(allowed_hosts=["localhost"])
    async with httpx.AsyncClient(auth=HttpxAuth(manager), follow_redirects=True) as client:
        response = await client.get(f"http://localhost:{redirector.port}/x")
    assert response.status_code == 401
    assert thief.authorizations == 0
    assert fake.counters()["refresh_grants"] == 0


def test_a_401_on_an_allowed_host_still_refreshes_once(
    setup: Setup, fake: FakeConcur
) -> None:
    manager = setup.initialized()
    fake.expire_access_tokens()
    response = requests.get(fake.base_url + USERS_PATH, auth=RequestsAuth(manager), timeout=10)
    assert response.status_code == 200
    assert fake.counters()["refresh_grants"] == 1
