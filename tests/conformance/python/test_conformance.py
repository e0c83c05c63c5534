"""The cross-language scenarios of tests/conformance/SCENARIOS.md, in Python.
Every binding runs the same list; outcomes are compared by error code
(``.code`` on the exceptions)."""

from __future__ import annotations

import stat
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import concur_auth
from concur_auth import ConcurAuthError, TokenManager
from fakeconcur import CLIENT_ID, USERS_PATH, FakeConcur, Setup, write_credentials


def raised(call: object) -> ConcurAuthError:
    with pytest.raises(ConcurAuthError) as caught:
        call()  # type: ignore[operator]
    return caught.value


def assert_no_secret(fake: FakeConcur, *texts: str) -> None:
    secrets = fake.secrets()
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"secret leaked into {text[:120]!r}"


def test_s01_exchange_then_access_token(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.manager()
    manager.exchange_request_token()
    assert stat.S_IMODE(setup.token_file.stat().st_mode) == 0o600
    stored = json.loads(setup.token_file.read_text())
    for field in ("refresh_token", "refresh_expires_in", "companyUUID"):
        assert field in stored, field
    assert fake.counters()["password_grants"] == 1
    assert manager.access_token()
    assert fake.counters()["token_requests"] == 1


def test_s02_cached_token(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    manager.access_token()
    before = fake.counters()["token_requests"]
    manager.access_token()
    assert fake.counters()["token_requests"] == before


def test_s03_expired_access_token_many_callers(setup: Setup, fake: FakeConcur) -> None:
    setup.seed_expired_access_token()
    manager = setup.manager()
    with ThreadPoolExecutor(64) as pool:
        tokens = set(pool.map(lambda _: manager.access_token(), range(64)))
    assert len(tokens) == 1
    assert fake.counters()["refresh_grants"] == 1


def test_s04_wrong_client_secret(fake: FakeConcur, tmp_path: Path) -> None:
    credentials = write_credentials(
        tmp_path, request_token=fake.new_request_token(), client_secret="not-the-secret-91"
    )
    manager = TokenManager.from_files(
        credentials, tmp_path / "refreshTokenObjectFile.json", base_url=fake.base_url
    )
    error = raised(manager.exchange_request_token)
    assert error.code == "auth"
    assert error.concur_code == 19
    assert error.correlation_id
    assert "not-the-secret-91" not in str(error)


def test_s05_request_token_used_twice(setup: Setup) -> None:
    manager = setup.manager()
    manager.exchange_request_token()
    before = setup.token_file.read_bytes()
    error = raised(manager.exchange_request_token)
    assert error.code == "auth"
    assert error.concur_code == 5
    assert setup.token_file.read_bytes() == before


def test_s06_unknown_refresh_token(setup: Setup) -> None:
    setup.seed_expired_access_token(refresh_token="unknown-refresh-token")
    before = setup.token_file.read_bytes()
    error = raised(setup.manager().access_token)
    assert error.code == "refresh_token_expired"
    assert "company request token" in error.message
    assert setup.token_file.read_bytes() == before


def test_s07_no_token_file(setup: Setup) -> None:
    assert raised(setup.manager().access_token).code == "not_initialized"


def test_s08_garbage_token_file(setup: Setup) -> None:
    setup.token_file.write_bytes(b"garbage")
    assert raised(setup.manager().access_token).code == "corrupt_store"
    kept = [p for p in setup.folder.iterdir() if ".json.corrupt-" in p.name]
    assert len(kept) == 1 and kept[0].name.startswith("refreshTokenObjectFile.json.corrupt-")
    assert kept[0].read_bytes() == b"garbage"


def test_s09_profile_call(setup: Setup) -> None:
    reply = setup.initialized().request("GET", USERS_PATH)
    assert reply.status == 200
    assert isinstance(reply.json()["Resources"], list)


def test_s10_503_503_200(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    fake.fault("api", {"kind": "status", "status": 503}, count=2)
    assert manager.request("GET", USERS_PATH).status == 200
    assert fake.counters()["user_requests"] == 3


def test_s11_status(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    before = fake.counters()
    status = manager.status()
    assert fake.counters() == before, "no network"
    assert status.initialized
    assert status.access_token_expires_at is not None
    assert status.refresh_token_expires_at is not None
    assert status.geolocation == fake.base_url
    assert_no_secret(fake, status.to_json(), repr(status), str(status))


def test_s12_secrets_never_shown(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.manager()
    status = manager.exchange_request_token()
    token = manager.access_token()
    response = manager.request("GET", USERS_PATH)
    error = raised(manager.exchange_request_token)
    texts = [repr(manager), str(manager), repr(status), repr(response), str(error), repr(error)]
    assert_no_secret(fake, *texts)
    assert token in fake.secrets()


def test_s13_foreign_geolocation(setup: Setup, fake: FakeConcur) -> None:
    fake.configure(geolocation="https://evil.example.com")
    manager = setup.manager()
    assert raised(manager.exchange_request_token).code == "host_not_allowed"
    # Nothing was sent anywhere after that: no refresh, no API call (the core
    # refuses the host again, or never stored the reply).
    assert raised(manager.access_token).code in ("host_not_allowed", "not_initialized")
    counters = fake.counters()
    assert counters["refresh_grants"] == 0 and counters["user_requests"] == 0


def test_s14_revoke(fresh_fake: FakeConcur, tmp_path: Path) -> None:
    setup = Setup(fresh_fake, tmp_path)
    manager = setup.initialized()
    assert not fresh_fake.revoked()
    manager.revoke()
    assert fresh_fake.revoked()
    assert not setup.token_file.exists()
    assert raised(manager.access_token).code == "not_initialized"
    assert concur_auth.NotInitializedError.code == "not_initialized"
    assert manager.client_id == CLIENT_ID
