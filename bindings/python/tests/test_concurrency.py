"""One refresh for many callers: threads, processes and asyncio tasks."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from concur_auth import NotInitializedError, Response, Status
from fakeconcur import USERS_PATH, FakeConcur, Setup, forked_worker, process_worker


def test_200_threads_at_expiry_refresh_once(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.stale()
    fake.configure(latency_ms=100)  # keep the refresh in flight while all arrive
    threads = 200
    barrier = threading.Barrier(threads)

    def call(_: int) -> str:
        barrier.wait(30)
        return manager.access_token()

    with ThreadPoolExecutor(threads) as pool:
        tokens = list(pool.map(call, range(threads)))
    assert len(set(tokens)) == 1
    assert fake.counters()["refresh_grants"] == 1


def test_4_processes_on_one_token_file_refresh_once(setup: Setup, fake: FakeConcur) -> None:
    setup.stale()
    fake.configure(latency_ms=200)
    context = multiprocessing.get_context("spawn")
    processes = 4
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = [
        context.Process(
            target=process_worker,
            args=(str(setup.credentials), str(setup.token_file), fake.base_url, barrier, results),
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    assert len({token for _, token in outcomes}) == 1
    assert fake.counters()["refresh_grants"] == 1


@pytest.mark.asyncio
async def test_gather_500_access_token_async_refresh_once(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.stale()
    fake.configure(latency_ms=100)
    tokens = await asyncio.gather(*(manager.access_token_async() for _ in range(500)))
    assert len(set(tokens)) == 1
    assert fake.counters()["refresh_grants"] == 1
    # Now cached: answered at once, no runtime hop, no request.
    assert await manager.access_token_async() == tokens[0]
    assert fake.counters()["token_requests"] == 1


@pytest.mark.asyncio
async def test_async_calls_do_not_block_the_loop(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.stale()
    fake.configure(latency_ms=300)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.ensure_future(tick())
    try:
        await manager.access_token_async()
    finally:
        ticker.cancel()
    assert ticks > 20


@pytest.mark.asyncio
async def test_every_async_call(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.manager()
    status = await manager.exchange_request_token_async()
    assert isinstance(status, Status) and status.initialized
    assert (await manager.status_async()) == manager.status()
    token = await manager.access_token_async()
    refreshed = await manager.force_refresh_async()
    assert refreshed != token
    replacement = await manager.replace_rejected_token_async(refreshed)
    assert replacement not in (token, refreshed)
    response = await manager.request_async("GET", USERS_PATH)
    assert isinstance(response, Response) and response.status == 200
    assert response.json()["Resources"]
    posted = await manager.request_async("POST", USERS_PATH, json={"a": 1})
    assert posted.status >= 400
    await manager.revoke_async()
    assert not setup.token_file.exists()
    with pytest.raises(NotInitializedError):
        await manager.access_token_async()


@pytest.mark.asyncio
async def test_async_error_and_cancellation(setup: Setup, fake: FakeConcur) -> None:
    manager = setup.stale()
    fake.configure(latency_ms=300)
    pending = manager.access_token_async()
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    # The refresh went on; the next caller gets its result (or shares it).
    token = await manager.access_token_async()
    assert token
    await asyncio.sleep(0.4)  # the cancelled future's completion is a no-op
    assert fake.counters()["refresh_grants"] == 1


def test_async_outside_a_running_loop() -> None:
    from concur_auth import TokenManager

    manager = TokenManager("id", "secret", base_url="http://127.0.0.1:9")
    with pytest.raises(RuntimeError):
        manager.status_async()


def test_fork_after_use_fails_cleanly_instead_of_hanging(setup: Setup) -> None:
    manager = setup.initialized()
    manager.access_token()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=forked_worker, args=(manager, results))
    child.start()
    outcome, had_cached = results.get(timeout=30)
    child.join(30)
    assert outcome.startswith("ConfigurationError: ") and "spawn" in outcome, outcome
    assert had_cached
