"""Row 6, Python: read a whole paged user list (GET /profile/identity/v4/Users,
startIndex/count, 100 a page) → records/s and peak RSS, one implementation per
process so that each peak is its own.

- ours: `for user in manager.read_list()` (and `async for`), and the CLI's
  `concur-auth call GET /profile/identity/v4/Users --all` (the Rust core,
  JSON lines on a pipe; its peak RSS is the child's);
- requests: the loop users write by hand today — one `requests.Session` with
  the bearer header, `startIndex` advanced until `totalResults`.

Every implementation touches each record (reads its userName) and keeps none.
Peak RSS is the process's (`ru_maxrss`); "grew" is how much it rose during the
read, i.e. what reading the list cost beyond the interpreter and the imports.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import subprocess
import sys
import time
from typing import Any, Callable

import _common as c

IMPLS = ["ours-cli", "ours-python", "ours-python-async", "requests"]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(impl: str, read: Callable[[], int]) -> None:
    before = rss_mib()
    started = time.perf_counter()
    records = read()
    seconds = time.perf_counter() - started
    peak = rss_mib()
    c.emit(row="list", impl=impl, records=records, seconds=seconds, records_per_s=records / seconds,
           rss_mib=peak, rss_growth_mib=peak - before)


def one(impl: str, base: str, directory: str, cli: str | None) -> None:
    creds, token_file = c.files(directory)
    path = "/profile/identity/v4/Users"
    if impl == "ours-cli":
        if not cli:
            c.emit(row="list", impl=impl, not_measured="no --cli given")
            return
        env = {"PATH": "/usr/bin:/bin", "CONCUR_BASE_URL": base}
        started = time.perf_counter()
        with subprocess.Popen([os.path.abspath(cli), "call", "GET", path, "--all"], cwd=directory, env=env,
                              stdout=subprocess.PIPE) as child:
            assert child.stdout is not None
            records = sum(1 for line in child.stdout if line.strip())
        seconds = time.perf_counter() - started
        if child.returncode != 0:
            raise SystemExit(f"concur-auth call --all exited {child.returncode}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        c.emit(row="list", impl=impl, records=records, seconds=seconds, records_per_s=records / seconds,
               rss_mib=peak)
    elif impl.startswith("ours"):
        from concur_auth import TokenManager

        manager = TokenManager.from_files(creds, token_file, base_url=base)
        manager.access_token()
        if impl == "ours-python":
            measure(impl, lambda: sum(1 for user in manager.read_list(path) if user["userName"]))
        else:

            async def read() -> int:
                return sum([1 async for user in manager.read_list(path) if user["userName"]])

            measure(impl, lambda: asyncio.run(read()))
    elif impl == "requests":
        import requests

        logging.getLogger("urllib3").setLevel(logging.ERROR)
        token = c.stored_record(directory)["access_token"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        session.headers["Accept"] = "application/json"

        def read() -> int:
            count, start = 0, 1
            while True:
                reply = session.get(base + path, params={"startIndex": start, "count": 100}, timeout=30)
                reply.raise_for_status()
                body: dict[str, Any] = reply.json()
                resources = body.get("Resources") or []
                count += sum(1 for user in resources if user["userName"])
                start += len(resources)
                if not resources or start > body["totalResults"]:
                    return count

        measure(impl, read)
    else:
        raise SystemExit(f"unknown implementation {impl}")


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--impl", default=None, help="one of " + ", ".join(IMPLS) + " (default: each in its own process)")
    p.add_argument("--cli", default=None, help="the concur-auth command (release build)")
    args = p.parse_args()
    if args.impl:
        one(args.impl, args.base_url, args.dir, args.cli)
        return
    for impl in IMPLS:
        extra = ["--cli", args.cli] if args.cli else []
        subprocess.run([sys.executable, __file__, "--base-url", args.base_url, "--dir", args.dir, "--impl", impl,
                        *extra], check=True, timeout=300)


if __name__ == "__main__":
    main()
