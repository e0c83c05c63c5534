"""`redis://` store locations from Python: the same one string as the CLI,
C and Node, backed by a real redis-server (path in CONCUR_TEST_REDIS_SERVER,
set by scripts/test-python.sh)."""

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from concur_auth import StoreError, TokenManager
from fakeconcur import CLIENT_ID, COMPANY_UUID, FakeConcur


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_url() -> Iterator[str]:
    server = os.environ.get("CONCUR_TEST_REDIS_SERVER")
    assert server, "CONCUR_TEST_REDIS_SERVER must name redis-server (scripts/test-python.sh sets it)"
    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _manager(fake: FakeConcur, store: str, request_token: str = "") -> TokenManager:
    return TokenManager(
        client_id=CLIENT_ID,
        client_secret=fake.client_secret,
        company_uuid=COMPANY_UUID,
        request_token=request_token or None,
        token_file=store,
        base_url=fake.base_url,
    )


def test_two_managers_share_tokens_through_redis(fake: FakeConcur, redis_url: str) -> None:
    first = _manager(fake, redis_url, request_token=fake.new_request_token())
    status = first.exchange_request_token()
    assert status.store.startswith("redis ") and "127.0.0.1" in status.store
    token = first.access_token()
    before = fake.counters()["token_requests"]
    # Another worker (a new manager, as in another process) reuses it.
    second = _manager(fake, redis_url)
    assert second.access_token() == token
    assert fake.counters()["token_requests"] == before


def test_an_unreachable_redis_is_a_store_error_without_the_password(fake: FakeConcur, tmp_path: Path) -> None:
    manager = _manager(fake, f"redis://:sekret-pw@127.0.0.1:{_free_port()}/0")
    with pytest.raises(StoreError) as caught:
        manager.access_token()
    assert "sekret-pw" not in str(caught.value)
    assert "redis" in str(caught.value).lower()


def test_cluster_and_sentinel_locations_reach_the_core(fake: FakeConcur) -> None:
    # The one location string goes to the core as is: any case, several hosts,
    # the password never shown.
    first, second = _free_port(), _free_port()
    cluster = _manager(fake, f"REDIS+CLUSTER://:sekret-pw@127.0.0.1:{first},127.0.0.1:{second}")
    with pytest.raises(StoreError) as caught:
        cluster.access_token()
    assert f"cluster 127.0.0.1:{first},127.0.0.1:{second}" in str(caught.value)
    assert "sekret-pw" not in str(caught.value)
    sentinel = _manager(fake, f"redis+sentinel://:sekret-pw@127.0.0.1:{first}/main/0")
    with pytest.raises(StoreError) as caught:
        sentinel.access_token()
    assert "sentinel master main via" in str(caught.value)
    assert "sekret-pw" not in str(caught.value)
