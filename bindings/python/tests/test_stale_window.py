"""The stale window (issue 17): between the stale and the hard instant, every
call gets the valid token at once while one background refresh runs."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable

from fakeconcur import COMPANY_UUID, FakeConcur, Setup


def seed_stale(setup: Setup, seconds_left: int = 120) -> dict[str, Any]:
    """A token file whose access token is stale (fewer than the 300 s of leeway
    left) but far from hard expiry (more than the 30 s margin)."""
    issued = setup.fake.admin("POST", "/_admin/issue-refresh-token")
    record = {
        "access_token": issued["access_token"],
        "expires_in": 3600,
        "refresh_token": issued["refresh_token"],
        "refresh_expires_in": issued["refresh_expires_in"],
        "geolocation": issued["geolocation"],
        "token_type": "Bearer",
        "companyUUID": COMPANY_UUID,
        "access_token_expires_at": int(time.time()) + seconds_left,
    }
    setup.token_file.write_text(json.dumps(record))
    setup.token_file.chmod(0o600)
    setup.fake.admin("POST", "/_admin/reset-counters")
    return record


def wait_for_new_token(get: Callable[[], str], old: str) -> str:
    """Calls `get` until the background refresh has landed; every call must succeed."""
    deadline = time.monotonic() + 60
    while (token := get()) == old:
        assert time.monotonic() < deadline, "the background refresh never landed"
        time.sleep(0.05)
    return token


def run_async(manager: Any) -> str:
    """One `await manager.access_token_async()` on a fresh event loop."""

    async def one() -> str:
        token: str = await manager.access_token_async()
        return token

    return asyncio.run(one())


def test_a_slow_token_endpoint_does_not_hold_a_stale_window_call(setup: Setup, fake: FakeConcur) -> None:
    record = seed_stale(setup)
    fake.fault("token", {"kind": "delay", "ms": 2000}, count=1)
    manager = setup.manager()
    # Returned without waiting for the 2 s refresh: the token in hand, not its successor.
    assert manager.access_token() == record["access_token"]
    assert run_async(manager) == record["access_token"]
    wait_for_new_token(manager.access_token, record["access_token"])
    assert fake.counters()["refresh_grants"] == 1


def outage_then_recovery(setup: Setup, fake: FakeConcur, get: Callable[[], str]) -> None:
    """503 from the token endpoint through longer than one background refresh's
    retry budget, ending long before hard expiry: every call gets the token in
    hand meanwhile, and exactly one refresh lands once the outage is over."""
    record = seed_stale(setup)
    outage = 6
    fake.fault("token", {"kind": "status", "status": 503}, count=outage)
    deadline = time.monotonic() + 60
    while fake.counters()["refresh_grants"] < outage:
        assert get() == record["access_token"], "the token in hand is served during the outage"
        assert time.monotonic() < deadline, "the background refresh never tried again"
        time.sleep(0.01)
    renewed = wait_for_new_token(get, record["access_token"])
    for _ in range(20):
        assert get() == renewed
    assert fake.counters()["refresh_grants"] == outage + 1, "exactly one refresh landed"


def test_an_outage_in_the_stale_window_fails_no_thread_call(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.manager()
    outage_then_recovery(setup, fake, manager.access_token)


def test_an_outage_in_the_stale_window_fails_no_async_call(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.manager()
    outage_then_recovery(setup, fake, lambda: run_async(manager))
