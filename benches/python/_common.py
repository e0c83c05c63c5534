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


def client_credentials(directory: str) -> tuple[str, str]:
    """The app's client id and secret, from the credentials.json seeded in `directory`."""
    return fakeadmin.client_credentials(directory)


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


class Histogram:
    """Latencies in ns, log-linear buckets (16 per power of two: a percentile
    is the upper edge of its bucket, at most 1/16 above the true value); the
    count and the maximum are exact. Constant memory whatever the number of
    calls. Not thread-safe: one per thread, merged at the end."""

    def __init__(self) -> None:
        self.buckets = [0] * (64 * 16)
        self.count = 0
        self.max = 0

    @staticmethod
    def index(ns: int) -> int:
        if ns < 16:
            return max(0, ns)
        e = ns.bit_length() - 1
        return (e - 3) * 16 + (ns >> (e - 4)) - 16

    @staticmethod
    def upper(i: int) -> int:
        if i < 16:
            return i
        e, sub = i // 16 + 3, i % 16
        return ((16 + sub + 1) << (e - 4)) - 1

    def record(self, ns: int) -> None:
        self.buckets[min(self.index(ns), len(self.buckets) - 1)] += 1
        self.count += 1
        if ns > self.max:
            self.max = ns

    def merge(self, other: "Histogram") -> None:
        for i, n in enumerate(other.buckets):
            self.buckets[i] += n
        self.count += other.count
        self.max = max(self.max, other.max)

    def percentile(self, p: float) -> int | None:
        if self.count == 0:
            return None
        rank = max(1, -(-int(self.count * p * 1_000_000) // 1_000_000))
        seen = 0
        for i, n in enumerate(self.buckets):
            seen += n
            if seen >= rank:
                return min(self.upper(i), self.max)
        return self.max

    def summary(self, prefix: str) -> dict[str, Any]:
        return {
            f"{prefix}_calls": self.count,
            f"{prefix}_p50_ns": self.percentile(0.5),
            f"{prefix}_p99_ns": self.percentile(0.99),
            f"{prefix}_max_ns": self.max if self.count else None,
        }
