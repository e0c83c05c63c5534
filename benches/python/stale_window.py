"""Row 7, Python: 32 threads calling `manager.access_token()` continuously while
the token is stale (issue 17). The script seeds DIR with an access token that
has ~120 s left (stale at once with the default leeway of 300 s, expired at
30 s left); this program steers fake-concur itself.

- `--part slow`: the token endpoint answers after 2 s (config latency_ms);
  per-call latency while the seeded token is served (the stale window) and
  after the background refresh landed.
- `--part outage`: the token endpoint answers 503 to the next --outage-grants
  refresh grants (12: about 10 s of the core's retries and backoff), then
  recovers, long before the hard expiry; errors, and the refresh grants
  refused / landed.

The first call (it reads the token file) is reported on its own; the first
250 ms of calls warm up and are not timed. Each thread
sleeps(0) every 64 calls, outside the timed call, so that the GIL goes round
the 32 threads in short turns (as Node's and Rust's loops yield). The threads
stop --after-seconds (2) after the first call that got the renewed token, or
after 60 s. Prints one JSON line; never a token.
"""

from __future__ import annotations

import threading
import time

import _common as c

WARM_UP_NS = 250_000_000  # the first 250 ms of calls: not timed


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--part", choices=["slow", "outage"], default="slow")
    p.add_argument("--callers", type=int, default=32)
    p.add_argument("--outage-grants", type=int, default=12)
    p.add_argument("--after-seconds", type=float, default=2.0)
    args = p.parse_args()
    callers = max(1, min(args.callers, 1000))
    outage = max(1, min(args.outage_grants, 100))
    after = max(0.0, min(args.after_seconds, 30.0))
    base = args.base_url
    admin = c.fakeadmin
    creds, token_file = c.files(args.dir)
    seeded = c.stored_record(args.dir)["access_token"]

    from concur_auth import TokenManager

    manager = TokenManager.from_files(creds, token_file, base_url=base)
    admin.reset(base)
    if args.part == "slow":
        admin.config(base, {"latency_ms": 2000})
    else:
        admin.faults(base, "token", {"kind": "status", "status": 503}, outage)

    t0 = time.perf_counter_ns()
    if manager.access_token() != seeded:
        raise SystemExit("stale_window: the seeded token should be served")
    first_call_ns = time.perf_counter_ns() - t0

    started = time.perf_counter()
    warm_until = time.perf_counter_ns() + WARM_UP_NS
    state = {"stop_at": started + 60.0, "renewed_at": None}
    lock = threading.Lock()
    stale = [c.Histogram() for _ in range(callers)]
    fresh = [c.Histogram() for _ in range(callers)]
    errors = [0] * callers

    def caller(i: int) -> None:
        mine_stale, mine_fresh = stale[i], fresh[i]
        clock, call, pause = time.perf_counter_ns, manager.access_token, time.sleep
        n = 0
        while time.perf_counter() < state["stop_at"]:
            n += 1
            if n % 64 == 0:
                pause(0)
            t = clock()
            try:
                token = call()
            except Exception:  # noqa: BLE001 - counted, never printed
                errors[i] += 1
                continue
            ns = clock() - t
            if t < warm_until:
                continue
            if token == seeded:
                mine_stale.record(ns)
            else:
                mine_fresh.record(ns)
                if state["renewed_at"] is None:
                    with lock:
                        if state["renewed_at"] is None:
                            state["renewed_at"] = time.perf_counter()
                            state["stop_at"] = min(state["stop_at"], state["renewed_at"] + after)

    threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(callers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if args.part == "slow":
        admin.config(base, {"latency_ms": 0})
    else:
        admin.clear_faults(base)
    grants = admin.counters(base)["refresh_grants"]

    all_stale, all_fresh = c.Histogram(), c.Histogram()
    for h in stale:
        all_stale.merge(h)
    for h in fresh:
        all_fresh.merge(h)
    renewed_at = state["renewed_at"]
    out = {
        "row": "stale_window",
        "impl": "ours-python",
        "part": args.part,
        "callers": callers,
        "errors": sum(errors),
        "refresh_grants": grants,
        "first_call_ns": first_call_ns,
        "renewed_after_ms": None if renewed_at is None else (renewed_at - started) * 1000,
        **all_stale.summary("stale"),
        **all_fresh.summary("fresh"),
    }
    if args.part == "slow":
        out["token_latency_ms"] = 2000
    else:
        out["outage_grants"] = outage
        out["failed_grants"] = min(grants, outage)
        out["landed_grants"] = max(0, grants - outage)
    c.emit(**out)


if __name__ == "__main__":
    main()
