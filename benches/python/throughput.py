"""Row 4, Python: authenticated GET /profile/identity/v4/Users/ on loopback,
CONCURRENCY threads for SECONDS → requests/s, p50, p99 (µs).

- ours: `manager.request("GET", path)` (the GIL is released while it waits);
- requests + authlib: one OAuth2Session per thread holding the valid token
  (authlib checks it before each request);
- httpx: one shared `httpx.Client` with the bearer header (thread-safe).

Every implementation reads the whole body and checks for 200; none parses it.
"""

from __future__ import annotations

import logging
import threading
import time

import _common as c


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--max-requests", type=int, default=2_000_000)
    p.add_argument("--only", nargs="*", default=None, help="ours, requests+authlib, httpx")
    args = p.parse_args()
    seconds = max(0.5, min(args.seconds, 60.0))
    base = args.base_url
    url = base + c.USERS_PATH
    creds, token_file = c.files(args.dir)
    record = c.stored_record(args.dir)
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    wanted = set(args.only or ["ours", "requests+authlib", "httpx"])

    def run(impl: str, call) -> None:
        for conc in args.concurrency:
            conc = max(1, min(conc, 256))
            stats = c.run_threads(call, conc, seconds, args.max_requests)
            c.emit(row="throughput", impl=impl, **stats)

    if "ours" in wanted:
        from concur_auth import TokenManager

        manager = TokenManager.from_files(creds, token_file, base_url=base)
        assert manager.request("GET", c.USERS_PATH).status == 200
        run("ours-python", lambda: manager.request("GET", c.USERS_PATH).status == 200)

    if "requests+authlib" in wanted:
        from authlib.integrations.requests_client import OAuth2Session

        local = threading.local()
        token = {
            "access_token": record["access_token"],
            "refresh_token": record["refresh_token"],
            "token_type": "Bearer",
            "expires_at": int(time.time()) + 3600,
        }

        def session() -> OAuth2Session:
            s = getattr(local, "session", None)
            if s is None:
                s = OAuth2Session(
                    *c.client_credentials(args.dir), token=dict(token),
                    token_endpoint=base + c.TOKEN_PATH,
                    token_endpoint_auth_method="client_secret_post",
                )
                local.session = s
            return s

        assert session().get(url).status_code == 200

        def authlib_get() -> bool:
            r = session().get(url)
            _ = r.content
            return r.status_code == 200

        run("requests+authlib", authlib_get)

    if "httpx" in wanted:
        import httpx

        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        with httpx.Client(headers={"Authorization": "Bearer " + record["access_token"]}, limits=limits) as client:
            assert client.get(url).status_code == 200

            def httpx_get() -> bool:
                r = client.get(url)
                _ = r.content
                return r.status_code == 200

            run("httpx", httpx_get)


if __name__ == "__main__":
    main()
