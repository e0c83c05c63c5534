"""The fake Concur server for Python tests, and the pytest fixtures around it.

One `fake-concur` process per test session (started with
``--exit-on-stdin-eof``, so it dies with pytest), reset before every test
through ``/_admin``. The binary is ``$FAKE_CONCUR_BIN`` or the workspace's
``target/x86_64-unknown-linux-gnu/debug/fake-concur``.

The binding tests' conftest imports the fixtures from here (the server itself
is shared); the conformance driver (tests/conformance/python) starts its own
server per scenario with ``FakeConcur``.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from concur_auth import TokenManager

REPO = Path(__file__).resolve().parents[3]
DEFAULT_BINARY = REPO / "target" / "x86_64-unknown-linux-gnu" / "debug" / "fake-concur"

CLIENT_ID = "fake-client-id"
COMPANY_UUID = "11111111-2222-3333-4444-555555555555"
USERS_PATH = "/profile/identity/v4/Users/"


class FakeConcur:
    """A running fake-concur binary and its admin API."""

    def __init__(self, binary: Path, *args: str) -> None:
        if not binary.exists():
            raise RuntimeError(
                f"fake-concur not found at {binary}: run `cargo build -p fake-concur` "
                "or set FAKE_CONCUR_BIN"
            )
        self.process = subprocess.Popen(
            [str(binary), "--port", "0", "--exit-on-stdin-eof", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(30)
        if not line or not line[0].startswith("http://"):
            self.close()
            raise RuntimeError(f"fake-concur did not print its URL (got {line!r})")
        self.base_url = line[0].strip()
        self.initial_config = self.admin("GET", "/_admin/config")

    def close(self) -> None:
        if self.process.poll() is None:
            if self.process.stdin:
                self.process.stdin.close()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    # -- admin API -----------------------------------------------------------

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"content-type": "application/json"} if data is not None else {},
        )
        with urllib.request.urlopen(request, timeout=30) as reply:
            text = reply.read()
        return json.loads(text) if text else None

    def reset(self) -> None:
        """Back to the state after start: no faults, first config, zero counters."""
        self.admin("DELETE", "/_admin/faults")
        self.admin("POST", "/_admin/config", self.initial_config)
        self.admin("POST", "/_admin/reset-counters")

    @property
    def client_secret(self) -> str:
        """The server's client secret (from its config, never typed into a test)."""
        secret: str = self.initial_config["client_secret"]
        return secret

    def counters(self) -> dict[str, int]:
        result: dict[str, int] = self.admin("GET", "/_admin/counters")
        return result

    def configure(self, **patch: Any) -> None:
        self.admin("POST", "/_admin/config", patch)

    def fault(self, endpoint: str, fault: dict[str, Any], count: int = 1) -> None:
        self.admin("POST", "/_admin/faults", {"endpoint": endpoint, "count": count, "fault": fault})

    def new_request_token(self) -> str:
        token: str = self.admin("POST", "/_admin/request-token")["request_token"]
        return token

    def expire_access_tokens(self) -> None:
        self.admin("POST", "/_admin/expire-access-tokens")

    def secrets(self) -> list[str]:
        secrets: list[str] = self.admin("GET", "/_admin/secrets")
        return secrets

    def revoked(self) -> bool:
        return bool(self.admin("GET", "/_admin/revoked")["revoked"])


def binary_path() -> Path:
    return Path(os.environ.get("FAKE_CONCUR_BIN") or DEFAULT_BINARY)


_shared: Optional[FakeConcur] = None


def shared_server() -> FakeConcur:
    """The session's server, started on first use."""
    global _shared
    if _shared is None or _shared.process.poll() is not None:
        _shared = FakeConcur(binary_path())
        atexit.register(_shared.close)
    return _shared


def write_credentials(
    folder: Path,
    *,
    request_token: str = "",
    client_secret: Optional[str] = None,
    company_uuid: str = COMPANY_UUID,
) -> Path:
    """The tutorials' credentials.json for the shared server, written by the
    server itself (``/_admin/fixtures/credentials``), mode 0600."""
    spec: dict[str, str] = {"request_token": request_token, "company_uuid": company_uuid}
    if client_secret is not None:
        spec["client_secret"] = client_secret
    path = folder / "credentials.json"
    path.write_text(json.dumps(shared_server().admin("POST", "/_admin/fixtures/credentials", spec)))
    path.chmod(0o600)
    return path


class Setup:
    """A test's folder with credentials.json (holding a fresh request token)
    and the path of its token file."""

    def __init__(self, fake: FakeConcur, folder: Path) -> None:
        self.fake = fake
        self.folder = folder
        self.request_token = fake.new_request_token()
        self.credentials = write_credentials(folder, request_token=self.request_token)
        self.token_file = folder / "refreshTokenObjectFile.json"

    def manager(self, **options: Any) -> TokenManager:
        options.setdefault("base_url", self.fake.base_url)
        return TokenManager.from_files(self.credentials, self.token_file, **options)

    def initialized(self, **options: Any) -> TokenManager:
        """A manager whose exchange has run (counters reset afterwards)."""
        manager = self.manager(**options)
        manager.exchange_request_token()
        self.fake.admin("POST", "/_admin/reset-counters")
        return manager

    def seed_expired_access_token(self, refresh_token: Optional[str] = None) -> dict[str, Any]:
        """Writes a token file as the library would, holding a live refresh
        token issued by the server (or `refresh_token`) and an access token
        that expired 10 s ago. Returns the record written."""
        issued = self.fake.admin("POST", "/_admin/issue-refresh-token")
        record = {
            "access_token": issued["access_token"],
            "expires_in": issued["expires_in"],
            "refresh_token": refresh_token or issued["refresh_token"],
            "refresh_expires_in": issued["refresh_expires_in"],
            "geolocation": issued["geolocation"],
            "token_type": "Bearer",
            "companyUUID": COMPANY_UUID,
            "access_token_expires_at": int(time.time()) - 10,
        }
        self.token_file.write_text(json.dumps(record, indent=2) + "\n")
        self.token_file.chmod(0o600)
        return record

    def stale(self, **options: Any) -> TokenManager:
        """A manager over a token file whose access token is no longer fresh
        (the next access_token() must refresh); counters reset."""
        self.seed_expired_access_token()
        self.fake.admin("POST", "/_admin/reset-counters")
        return self.manager(**options)


# -- fixtures ------------------------------------------------------------------


@pytest.fixture(scope="session")
def fake_server() -> FakeConcur:
    return shared_server()


@pytest.fixture
def fake(fake_server: FakeConcur) -> Iterator[FakeConcur]:
    fake_server.reset()
    yield fake_server


@pytest.fixture
def setup(fake: FakeConcur, tmp_path: Path) -> Setup:
    return Setup(fake, tmp_path)


@pytest.fixture
def fresh_fake() -> Iterator[FakeConcur]:
    """A server of the test's own (for state /_admin cannot reset, e.g. revoked)."""
    server = FakeConcur(binary_path())
    try:
        yield server
    finally:
        server.close()


def process_worker(credentials: str, token_file: str, base_url: str, barrier: Any, results: Any) -> None:
    """One of several processes sharing a token file (multiprocessing, spawn):
    waits for the others, then asks for an access token."""
    manager = TokenManager.from_files(credentials, token_file, base_url=base_url)
    barrier.wait(30)
    try:
        results.put(("ok", manager.access_token()))
    except Exception as error:  # reported to the parent, which fails the test
        results.put(("error", repr(error)))


def forked_worker(manager: TokenManager, results: Any) -> None:
    """Runs in a child forked after the parent used the library's runtime."""
    cached = manager.cached_access_token()  # the in-memory hot path still works
    try:
        manager.force_refresh()
        results.put(("no error", cached is not None))
    except Exception as error:
        results.put((type(error).__name__ + ": " + str(error), cached is not None))
