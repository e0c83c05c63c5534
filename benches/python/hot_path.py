"""Row 1, Python: ns per call of the hot path, a valid cached access token.

- ours: `manager.access_token()` (concur_auth, release build), via timeit;
- authlib: `OAuth2Session.ensure_active_token()`, the check authlib's
  OAuth2Auth runs before every request (`session.token` + `token.is_expired()`).

Neither touches the network here: both hold a token with an hour left. Each
figure is the median of ROUNDS timeit rounds of CALLS calls (timeit's own loop
overhead, a few ns, is included, as it is for any Python caller).
"""

from __future__ import annotations

import statistics
import time
import timeit

import _common as c


def per_call_ns(fn, calls: int, rounds: int) -> tuple[float, float]:
    fn()
    times = timeit.repeat(fn, number=calls, repeat=rounds)
    per = [t / calls * 1e9 for t in times]
    return statistics.median(per), min(per)


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--calls", type=int, default=500_000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    calls = max(1, min(args.calls, 10_000_000))
    rounds = max(1, min(args.rounds, 50))
    creds, token_file = c.files(args.dir)

    from concur_auth import TokenManager

    manager = TokenManager.from_files(creds, token_file, base_url=args.base_url)
    manager.access_token()  # adopts the stored record (reads the file once)
    median, best = per_call_ns(manager.access_token, calls, rounds)
    c.emit(row="hot_path", impl="ours-python", ns_per_call=median, best_ns=best, calls_per_round=calls, rounds=rounds)

    from authlib.integrations.requests_client import OAuth2Session

    record = c.stored_record(args.dir)
    session = OAuth2Session(
        *c.client_credentials(args.dir),
        token={
            "access_token": record["access_token"],
            "refresh_token": record["refresh_token"],
            "token_type": "Bearer",
            "expires_at": int(time.time()) + 3600,
        },
        token_endpoint=args.base_url + c.TOKEN_PATH,
        token_endpoint_auth_method="client_secret_post",
    )
    assert session.ensure_active_token() is True
    median, best = per_call_ns(session.ensure_active_token, calls, rounds)
    c.emit(row="hot_path", impl="authlib", ns_per_call=median, best_ns=best, calls_per_round=calls, rounds=rounds)


if __name__ == "__main__":
    main()
