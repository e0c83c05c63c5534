"""Reading whole lists: ``manager.read_list()`` as an iterator and an async
iterator, against the fake server's paged user list."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest

from concur_auth import ApiError, Page, Pager, ServerError, TokenManager

USERS = "/profile/identity/v4/Users"


def users(fake: Any, count: int) -> None:
    fake.configure(users=count)


def page_fault(fake: Any, start_index: int, fault: dict[str, Any], count: int = 1) -> None:
    fake.admin("POST", "/_admin/page-faults", {"start_index": start_index, "count": count, "fault": fault})


def names(records: list[dict[str, Any]]) -> list[str]:
    return [r["userName"] for r in records]


@pytest.fixture
def manager(setup: Any) -> TokenManager:
    return setup.initialized()  # type: ignore[no-any-return]


def test_first_middle_and_last_page(fake: Any, manager: TokenManager) -> None:
    users(fake, 250)
    pager = manager.read_list()
    assert isinstance(pager, Pager)
    records = list(pager)
    assert len(records) == 250
    assert records[0]["userName"] == "jane.doe@example.com"
    assert records[100]["userName"] == "user101@example.com"
    assert records[-1]["userName"] == "user250@example.com"
    assert pager.records_read == 250
    assert pager.total_results == 250


def test_pages_and_passed_through_parameters(fake: Any, manager: TokenManager) -> None:
    users(fake, 25)
    pages = list(manager.read_list(USERS + "?attributes=userName", page_size=10).pages())
    assert all(isinstance(p, Page) for p in pages)
    assert [(p.start_index, len(p)) for p in pages] == [(1, 10), (11, 10), (21, 5)]
    assert "emails" not in pages[0].records[0]
    assert pages[0].total_results == 25


def test_an_empty_list(fake: Any, manager: TokenManager) -> None:
    users(fake, 0)
    assert list(manager.read_list()) == []


def test_a_failing_page_is_retried(fake: Any, manager: TokenManager) -> None:
    users(fake, 150)
    page_fault(fake, 101, {"kind": "status", "status": 503}, 2)
    page_fault(fake, 1, {"kind": "rate_limited", "retry_after_secs": 0})
    assert len(list(manager.read_list())) == 150


def test_a_page_failing_for_good_keeps_what_was_read(fake: Any, manager: TokenManager) -> None:
    users(fake, 250)
    page_fault(fake, 101, {"kind": "status", "status": 503}, 100)
    seen: list[dict[str, Any]] = []
    pager = manager.read_list()
    with pytest.raises(ServerError) as raised:
        for record in pager:
            seen.append(record)
    assert len(seen) == 100
    error = raised.value
    assert (error.records_read, error.pages_read, error.next_start_index) == (100, 1, 101)
    assert error.http_status == 503
    for secret in fake.secrets():
        assert secret not in str(error) and secret not in repr(error)
    # The progress survives a trip through multiprocessing / concurrent.futures.
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ServerError
    assert (copy.records_read, copy.pages_read, copy.next_start_index, copy.http_status) == (100, 1, 101, 503)
    # The pager stayed on the failed page: once the server heals, it reads on.
    fake.admin("DELETE", "/_admin/faults")
    assert len(list(pager)) == 150


def test_an_http_error_page_raises_api_error(fake: Any, manager: TokenManager) -> None:
    users(fake, 5)
    page_fault(fake, 1, {"kind": "status", "status": 403})
    with pytest.raises(ApiError) as raised:
        next(iter(manager.read_list()))
    assert raised.value.records_read == 0


def test_a_list_that_changes_size_while_read(fake: Any, manager: TokenManager) -> None:
    users(fake, 250)
    pager = manager.read_list()
    first = [next(pager) for _ in range(100)]
    users(fake, 150)  # shrinks: the read ends at the new end
    rest = list(pager)
    assert names(first + rest)[-1] == "user150@example.com"
    assert len(first) + len(rest) == 150

    users(fake, 150)
    pager = manager.read_list()
    first = [next(pager) for _ in range(100)]
    users(fake, 320)  # grows: read to the new end
    assert len(first) + len(list(pager)) == 320


def test_bad_paths_are_configuration_errors(manager: TokenManager) -> None:
    from concur_auth import ConfigurationError

    with pytest.raises(ConfigurationError):
        manager.read_list(USERS + "?count=lots")


def test_async_iteration(fake: Any, manager: TokenManager) -> None:
    users(fake, 130)
    page_fault(fake, 101, {"kind": "status", "status": 502})

    async def read() -> tuple[list[dict[str, Any]], list[Page]]:
        records = [record async for record in manager.read_list()]
        pages = [page async for page in manager.read_list(page_size=50).pages()]
        return records, pages

    records, pages = asyncio.run(read())
    assert names(records)[-1] == "user130@example.com" and len(records) == 130
    assert [len(p) for p in pages] == [50, 50, 30]


def test_async_failure_keeps_progress(fake: Any, manager: TokenManager) -> None:
    users(fake, 0)

    async def empty() -> list[dict[str, Any]]:
        return [record async for record in manager.read_list()]

    assert asyncio.run(empty()) == []
    users(fake, 120)
    page_fault(fake, 101, {"kind": "status", "status": 503}, 100)

    async def failing() -> int:
        seen = 0
        with pytest.raises(ServerError) as raised:
            async for _ in manager.read_list():
                seen += 1
        assert raised.value.next_start_index == 101
        return seen

    assert asyncio.run(failing()) == 100


def test_exiting_right_after_an_async_read_does_not_crash(fake: Any, setup: Any, manager: TokenManager) -> None:
    # A completion thread still inside Python when the interpreter finalizes
    # used to abort the process (SIGSEGV/SIGABRT) in most of these runs.
    import subprocess
    import sys

    users(fake, 300)
    program = (
        "import asyncio, sys\n"
        "from concur_auth import TokenManager\n"
        "m = TokenManager.from_files(sys.argv[1], sys.argv[2], base_url=sys.argv[3])\n"
        "async def read():\n"
        "    return len([u async for u in m.read_list()])\n"
        "print(asyncio.run(read()))\n"
    )
    for _ in range(6):
        done = subprocess.run(
            [sys.executable, "-c", program, str(setup.credentials), str(setup.token_file), fake.base_url],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (done.returncode, done.stdout.strip()) == (0, "300"), done.stderr[-2000:]
