"""Shared bits of the Python benchmark programs: arguments, the peers' token
dicts, bounded timing loops and JSON output. Loopback only; no token is ever
printed."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import threading
import time
from typing import Any, Callable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fakeadmin  # noqa: E402  (benches/fakeadmin.py)

# authlib refuses plain http unless told otherwise; every URL here is loopback.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

CLIENT_ID = fakeadmin.CLIENT_ID
CLIENT_SECRET = fakeadmin.CLIENT_SECRET
TOKEN_PATH = fakeadmin.TOKEN_PATH
USERS_PATH = fakeadmin.USERS_PATH


def parser(doc: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("--base-url", required=True)
    p.add_argument("--dir", required=True, help="folder with credentials.json and refreshTokenObjectFile.json")
    return p


def files(directory: str) -> tuple[str, str]:
    return (
        os.path.join(directory, "credentials.json"),
        os.path.join(directory, "refreshTokenObjectFile.json"),
    )


def stored_record(directory: str) -> dict[str, Any]:
    with open(files(directory)[1]) as f:
        return json.load(f)


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values), max(1, int(-(-len(sorted_values) * p // 1)))) - 1
    return sorted_values[i]


def run_threads(
    call: Callable[[], bool], concurrency: int, seconds: float, max_requests: int
) -> dict[str, Any]:
    """`concurrency` threads call `call` until the time or the count runs out.
    Returns requests/s and latency percentiles (µs) of the successful calls."""
    issued = itertools.count()  # next() is atomic under the GIL
    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency

    def worker(i: int) -> None:
        mine = latencies[i]
        while time.perf_counter() < deadline and next(issued) < max_requests:
            t0 = time.perf_counter()
            try:
                ok = call()
            except Exception:  # noqa: BLE001 - counted, never printed (could quote a URL with a token)
                ok = False
            if ok:
                mine.append((time.perf_counter() - t0) * 1e6)
            else:
                errors[i] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.perf_counter() - started
    merged = sorted(itertools.chain.from_iterable(latencies))
    return {
        "concurrency": concurrency,
        "requests": len(merged),
        "errors": sum(errors),
        "seconds": elapsed,
        "rps": len(merged) / elapsed,
        "p50_us": percentile(merged, 0.50),
        "p99_us": percentile(merged, 0.99),
    }


def wait_until_stale(manager: Any, limit: float = 30.0) -> None:
    """Waits (bounded) until the manager's short-lived cached token is stale."""
    deadline = time.monotonic() + limit
    while manager.cached_access_token() is not None:
        if time.monotonic() > deadline:
            raise SystemExit("the cached token did not turn stale; is access_token_ttl_secs short?")
        time.sleep(0.005)
