"""No secret in any repr, str, exception text or log record."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import concur_auth
from concur_auth import TokenManager
from concur_auth.adapters import HttpxAuth, RequestsAuth
from fakeconcur import USERS_PATH, FakeConcur, Setup, write_credentials


def assert_no_secret(fake: FakeConcur, texts: list[str]) -> None:
    secrets = fake.secrets()
    assert len(secrets) >= 3  # client secret, request tokens, issued tokens
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"a secret leaked into: {text[:200]}"


def test_no_secret_in_reprs_errors_or_logs(
    setup: Setup, fake: FakeConcur, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="concur_auth")
    texts: list[str] = []
    manager = setup.manager()
    status = manager.exchange_request_token()
    token = manager.access_token()
    manager.force_refresh()
    fake.expire_access_tokens()
    response = manager.request("GET", USERS_PATH)  # 401, refresh, retry
    assert response.status == 200
    texts += [repr(manager), str(manager), repr(status), str(status), status.to_json()]
    texts += [repr(response), str(response), repr(RequestsAuth(manager)), repr(HttpxAuth(manager))]

    errors: list[BaseException] = []
    (tmp_path / "wrong").mkdir()
    wrong = write_credentials(
        tmp_path / "wrong", request_token=setup.request_token, client_secret="wrong-secret"
    )
    for call in (
        lambda: setup.manager().exchange_request_token(force=True),  # request token already used
        lambda: TokenManager.from_files(wrong, tmp_path / "x.json", base_url=fake.base_url)
        .exchange_request_token(),
        lambda: manager.check_url("https://evil.example.com/?token=" + token),
    ):
        with pytest.raises(concur_auth.ConcurAuthError) as caught:
            call()
        errors.append(caught.value)
    for error in errors:
        texts += [str(error), repr(error), repr(error.args)]

    records = caplog.records
    assert any(r.name.startswith("concur_auth") for r in records), "library logs reach logging"
    texts += [r.getMessage() for r in records]
    texts.append(caplog.text)
    assert_no_secret(fake, texts)
    # The token itself only leaves through access_token().
    assert token in fake.secrets()


def test_log_records_use_the_concur_auth_logger(
    setup: Setup, fake: FakeConcur, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="concur_auth")
    manager = setup.initialized()
    manager.force_refresh()
    ours = [r for r in caplog.records if r.name.split(".")[0] == "concur_auth"]
    assert ours
    assert {r.levelno for r in ours} <= {5, logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR}
    assert any("exchanged" in r.getMessage() for r in ours)
    assert any(r.name == "concur_auth.manager" for r in ours)


def test_logging_respects_the_level(setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="concur_auth")
    manager = setup.initialized()
    manager.force_refresh()
    assert not [r for r in caplog.records if r.name.startswith("concur_auth") and r.levelno < logging.WARNING]
