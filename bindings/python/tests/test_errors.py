"""Core error kinds → exception classes, with the details support needs."""

from __future__ import annotations

import builtins
import pickle
from pathlib import Path

import pytest

import concur_auth
from concur_auth import exceptions
from concur_auth._native import error_classes, error_families
from fakeconcur import USERS_PATH, FakeConcur, Setup, write_credentials

def test_every_code_has_its_own_class() -> None:
    table = dict(error_classes())
    assert set(table) == {
        "config",
        "auth",
        "refresh_token_expired",
        "not_initialized",
        "network",
        "timeout",
        "server",
        "invalid_response",
        "store",
        "corrupt_store",
        "host_not_allowed",
        "api",
    }
    assert len(set(table.values())) == len(table)
    for code, name in table.items():
        cls = getattr(exceptions, name)
        assert cls.code == code
        assert getattr(concur_auth, name) is cls
        assert issubclass(cls, concur_auth.ConcurAuthError)


def test_hierarchy_is_the_core_family_table() -> None:
    classes = {code: getattr(exceptions, name) for code, name in error_classes()}
    for code, family in error_families():
        parent = exceptions.ConcurAuthError if family is None else classes[family]
        assert classes[code].__bases__[0] is parent, code
    # The same table in Node and .NET: an expired refresh token is an authentication failure.
    assert issubclass(exceptions.RefreshTokenExpiredError, exceptions.AuthenticationError)
    assert issubclass(exceptions.TimeoutError, builtins.TimeoutError)
    assert set(exceptions.__all__) == {name for _, name in error_classes()} | {"ConcurAuthError"}


def test_exceptions_pickle_with_their_details() -> None:
    error = exceptions.AuthenticationError(
        "wrong secret (HTTP 401, Concur code 19)",
        code="auth",
        concur_code=19,
        http_status=401,
        correlation_id="abc",
        message="wrong secret",
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is exceptions.AuthenticationError
    assert (copy.code, copy.concur_code, copy.http_status, copy.correlation_id, copy.message) == (
        "auth",
        19,
        401,
        "abc",
        "wrong secret",
    )
    assert str(copy) == str(error)
    timeout = pickle.loads(pickle.dumps(exceptions.TimeoutError("slow")))
    assert isinstance(timeout, builtins.TimeoutError) and str(timeout) == "slow"


def test_wrong_client_secret(fake: FakeConcur, tmp_path: Path) -> None:
    from concur_auth import TokenManager

    credentials = write_credentials(
        tmp_path, request_token=fake.new_request_token(), client_secret="wrong-secret-Q8"
    )
    manager = TokenManager.from_files(credentials, tmp_path / "t.json", base_url=fake.base_url)
    with pytest.raises(concur_auth.AuthenticationError) as caught:
        manager.exchange_request_token()
    error = caught.value
    assert error.code == "auth"
    assert error.concur_code == 19
    assert error.http_status is not None and error.http_status >= 400
    assert error.correlation_id and error.correlation_id in str(error)
    assert error.message in str(error)
    assert "wrong-secret-Q8" not in str(error) + repr(error)


def test_not_initialized_is_a_configuration_error(setup: Setup) -> None:
    manager = setup.manager()
    with pytest.raises(concur_auth.ConfigurationError) as caught:
        manager.access_token()
    assert type(caught.value) is concur_auth.NotInitializedError
    assert caught.value.code == "not_initialized"


def test_corrupt_store(setup: Setup) -> None:
    setup.token_file.write_text("{ not json")
    manager = setup.manager()
    with pytest.raises(concur_auth.CorruptStoreError) as caught:
        manager.access_token()
    assert isinstance(caught.value, concur_auth.StoreError)
    assert caught.value.code == "corrupt_store"


def test_refresh_token_expired(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.stale()
    fake.fault(
        "token",
        {
            "kind": "concur",
            "status": 400,
            "code": 108,
            "error": "invalid_grant",
            "description": "refresh token expired",
        },
        count=2,
    )
    with pytest.raises(concur_auth.RefreshTokenExpiredError) as caught:
        manager.access_token()
    assert isinstance(caught.value, concur_auth.AuthenticationError)
    assert caught.value.code == "refresh_token_expired"
    assert "company request token" in str(caught.value)


def test_network_error(tmp_path: Path) -> None:
    from concur_auth import TokenManager

    credentials = write_credentials(tmp_path, request_token="rt-unused")
    # Port 9 (discard) is closed on loopback: connection refused.
    manager = TokenManager.from_files(credentials, tmp_path / "t.json", base_url="http://127.0.0.1:9")
    with pytest.raises(concur_auth.NetworkError) as caught:
        manager.exchange_request_token()
    assert type(caught.value) is concur_auth.NetworkError
    assert caught.value.code == "network"


def test_timeout_error(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.stale(request_timeout=0.3)
    fake.fault("token", {"kind": "delay", "ms": 2000}, count=10)
    with pytest.raises(concur_auth.TimeoutError) as caught:
        manager.access_token()
    assert isinstance(caught.value, builtins.TimeoutError)
    assert isinstance(caught.value, concur_auth.NetworkError)
    assert caught.value.code == "timeout"


def test_server_error(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.initialized()
    fake.fault("api", {"kind": "status", "status": 503}, count=10)
    with pytest.raises(concur_auth.ServerError) as caught:
        manager.request("GET", USERS_PATH)
    assert caught.value.code == "server" and caught.value.http_status == 503


def test_invalid_response(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.stale()
    fake.fault("token", {"kind": "malformed_json"}, count=10)
    with pytest.raises(concur_auth.InvalidResponseError) as caught:
        manager.access_token()
    assert caught.value.code == "invalid_response"


def test_host_not_allowed(setup: Setup, fake: FakeConcur) -> None:
    fake.configure(geolocation="https://evil.example.com")
    manager = setup.manager()
    with pytest.raises(concur_auth.HostNotAllowedError) as caught:
        manager.exchange_request_token()
    assert caught.value.code == "host_not_allowed"


def test_store_error(setup: Setup, tmp_path: Path) -> None:
    from concur_auth import TokenManager

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    manager = TokenManager.from_files(
        setup.credentials, blocker / "tokens.json", base_url=setup.fake.base_url
    )
    with pytest.raises(concur_auth.StoreError) as caught:
        manager.exchange_request_token()
    assert caught.value.code in ("store", "corrupt_store")
