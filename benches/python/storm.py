"""Row 2, Python: CALLERS concurrent callers at expiry → token requests made
(the server's /_admin/counters before and after).

- ours (threads): a shared TokenManager, CALLERS threads released at once by a
  barrier, each calling `manager.access_token()`;
- ours (asyncio): CALLERS `manager.access_token_async()` awaited together;
- authlib: one OAuth2Session holding an expired token (auto refresh:
  token_endpoint + refresh_token), CALLERS threads released at once, each
  calling `session.ensure_active_token()` (what every request runs first).

For ours the manager first gets a short-lived token (the script sets the
server's access_token_ttl_secs), then waits until it is stale, so the storm
hits a warm process at expiry.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import _common as c


def thread_storm(call, callers: int) -> tuple[int, float]:
    barrier = threading.Barrier(callers + 1, timeout=60)
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            call()
        except Exception:  # noqa: BLE001 - counted; messages may quote URLs
            with lock:
                errors[0] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(callers)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join(120)
    return errors[0], (time.perf_counter() - started) * 1e3


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--callers", type=int, default=1000)
    args = p.parse_args()
    callers = max(1, min(args.callers, 5000))
    base = args.base_url
    creds, token_file = c.files(args.dir)
    logging.getLogger("urllib3").setLevel(logging.ERROR)

    from concur_auth import TokenManager

    # ours, threads
    manager = TokenManager.from_files(creds, token_file, base_url=base)
    manager.access_token()
    c.wait_until_stale(manager)
    before = c.fakeadmin.token_requests(base)
    errors, ms = thread_storm(manager.access_token, callers)
    c.emit(row="storm", impl="ours-python-threads", callers=callers,
           token_requests=c.fakeadmin.token_requests(base) - before, errors=errors, elapsed_ms=ms)

    # ours, asyncio
    async def asyncio_storm() -> None:
        m = TokenManager.from_files(creds, token_file, base_url=base)
        await m.access_token_async()
        c.wait_until_stale(m)
        before = c.fakeadmin.token_requests(base)
        started = time.perf_counter()
        results = await asyncio.wait_for(
            asyncio.gather(*(m.access_token_async() for _ in range(callers)), return_exceptions=True), 120
        )
        ms = (time.perf_counter() - started) * 1e3
        errors = sum(1 for r in results if isinstance(r, BaseException))
        c.emit(row="storm", impl="ours-python-asyncio", callers=callers,
               token_requests=c.fakeadmin.token_requests(base) - before, errors=errors, elapsed_ms=ms)

    asyncio.run(asyncio_storm())

    # authlib: an OAuth2Session whose token expired a minute ago
    from authlib.integrations.requests_client import OAuth2Session

    record = c.stored_record(args.dir)
    session = OAuth2Session(
        *c.client_credentials(args.dir),
        token={
            "access_token": record["access_token"],
            "refresh_token": record["refresh_token"],
            "token_type": "Bearer",
            "expires_at": int(time.time()) - 60,
        },
        token_endpoint=base + c.TOKEN_PATH,
        token_endpoint_auth_method="client_secret_post",
    )
    before = c.fakeadmin.token_requests(base)
    errors, ms = thread_storm(session.ensure_active_token, callers)
    c.emit(row="storm", impl="authlib", callers=callers,
           token_requests=c.fakeadmin.token_requests(base) - before, errors=errors, elapsed_ms=ms)


if __name__ == "__main__":
    main()
