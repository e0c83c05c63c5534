"""The one table of `bash scripts/bench.sh`.

    python3 benches/report.py criterion CRITERION_HOME     # criterion estimates → JSON lines
    python3 benches/report.py table RESULTS.jsonl [--doc docs/BENCHMARKS.md] [--commands FILE]

`table` prints the table (Markdown) and, with --doc, rewrites the part of
the document between the `bench:figures` markers: the machine, the versions,
the table and the exact commands. Figures only; nothing here fails on a missed
goal (benchmarks are not tests). No token ever reaches the results file.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

START = "<!-- bench:figures:start (written by benches/report.py; edit outside these markers) -->"
END = "<!-- bench:figures:end -->"

LABELS = {
    "ours-rust": "concur-auth, Rust `access_token().await`",
    "ours-rust-cached": "concur-auth, Rust `cached_access_token()`",
    "ours-rust-blocking": "concur-auth, Rust `blocking::TokenManager::access_token()`",
    "ours-c": "concur-auth, C `concur_manager_access_token` + `concur_string_free`",
    "ours-c-buffer": "concur-auth, C `concur_manager_access_token_into` (caller's buffer)",
    "ours-python": "concur-auth, Python `manager.access_token()`",
    "ours-node": "concur-auth, Node `await manager.accessToken()`",
    "ours-node-sync": "concur-auth, Node `manager.cachedAccessToken()`",
    "node-promise-floor": "Node floor: `await` of an async function (no library)",
    "authlib": "authlib `OAuth2Session.ensure_active_token()`",
    "simple-oauth2": "simple-oauth2 `accessToken.expired()`",
}
STORM_LABELS = {
    "ours-rust": "concur-auth, Rust (1000 tokio tasks)",
    "ours-python-threads": "concur-auth, Python (1000 threads)",
    "ours-python-asyncio": "concur-auth, Python (1000 asyncio tasks)",
    "ours-node": "concur-auth, Node (1000 promises)",
    "tutorial-node": "tutorial-style Node (1000 concurrent calls)",
    "authlib": "authlib OAuth2Session auto refresh (1000 threads)",
    "simple-oauth2": "simple-oauth2 `token.refresh()` (1000 concurrent)",
}
PROC_LABELS = {
    "ours-cli": "concur-auth CLI `concur-auth token`",
    "tutorial-node": "tutorial-style Node script",
}
TP_LABELS = {
    "wrk": "wrk (the server's ceiling)",
    "ours-rust": "concur-auth, Rust `ApiClient::get`",
    "ours-python": "concur-auth, Python `manager.request` (threads)",
    "ours-node": "concur-auth, Node `manager.request`",
    "requests+authlib": "requests + authlib OAuth2Session (threads)",
    "httpx": "httpx.Client (threads)",
    "node-https": "Node http module, token reused, keep-alive",
    "tutorial-node": "tutorial-style Node: refresh + write file + GET per call",
}
COLD_LABELS = {
    "ours-cli": "concur-auth CLI `concur-auth token` (cached token)",
    "tutorial-node": "tutorial-style Node (read file, print token)",
}
HOT_GOALS = {"ours-rust": 100, "ours-c": 200, "ours-python": 1000, "ours-node": 2000}
# Goals relative to another line of row 1 (issue 17): (reference impl, factor, its label).
HOT_RELATIVE_GOALS = {
    "ours-c-buffer": ("ours-rust", 2, "Rust `access_token().await`"),
    "ours-node": ("node-promise-floor", 5, "the bare-`await` floor"),
}
STALE_LABELS = {
    "ours-rust": "concur-auth, Rust (32 tokio tasks)",
    "ours-python": "concur-auth, Python (32 threads)",
    "ours-node": "concur-auth, Node (32 async loops)",
}
# Row 7's goal: the slowest call in the stale window within this many times the
# slowest call of the same callers once the token is fresh again (the hot path,
# timed the same way in the same run, under the same scheduling and garbage
# collection: a maximum over millions of calls is the machine's interruptions,
# in both phases; a call that waited for the 2 s token endpoint would stand out).
STALE_FACTOR = 10


def load(path: str) -> list[dict[str, Any]]:
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def ns(v: float) -> str:
    return f"{v:,.0f} ns" if v >= 100 else f"{v:.1f} ns"


def us(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return f"{v / 1000:.2f} ms" if v >= 1000 else f"{v:.0f} µs"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "**MISS**"


LIST_LABELS = {
    "ours-cli": "concur-auth CLI `call GET … --all` (Rust core, JSON lines to a pipe)",
    "ours-python": "concur-auth, Python `for user in manager.read_list()`",
    "ours-python-async": "concur-auth, Python `async for user in manager.read_list()`",
    "requests": "hand-written loop: requests.Session, startIndex until totalResults",
    "ours-node": "concur-auth, Node `for await (const user of manager.readList())`",
    "fetch": "hand-written loop: global fetch, startIndex until totalResults",
}


def table(rows: list[dict[str, Any]]) -> str:
    out = ["| # | row | implementation | figure | goal | result |", "|---|---|---|---|---|---|"]

    def add(n: str, row: str, impl: str, figure: str, goal: str = "", result: str = "") -> None:
        out.append(f"| {n} | {row} | {impl} | {figure} | {goal} | {result} |")

    def find(row: str, impl: str, **match: Any) -> dict[str, Any] | None:
        for r in rows:
            if r.get("row") == row and r.get("impl") == impl and all(r.get(k) == v for k, v in match.items()):
                return r
        return None

    # 1. hot path
    for impl in ["ours-rust", "ours-rust-cached", "ours-rust-blocking", "ours-c", "ours-c-buffer", "ours-python",
                 "authlib", "ours-node", "ours-node-sync", "node-promise-floor", "simple-oauth2"]:
        r = find("hot_path", impl)
        if r is None:
            continue
        # Every goal of the line: (text, met or None when it cannot be judged).
        goals: list[tuple[str, bool | None]] = []
        if impl in HOT_GOALS:
            limit = HOT_GOALS[impl]
            goals.append((f"≤ {limit:,} ns", None if "not_measured" in r else r["ns_per_call"] <= limit))
        if impl in HOT_RELATIVE_GOALS:
            ref_impl, factor, ref_label = HOT_RELATIVE_GOALS[impl]
            ref = find("hot_path", ref_impl)
            if ref is None or "not_measured" in ref or "not_measured" in r:
                goals.append((f"≤ {factor}× {ref_label}", None))
            else:
                limit = factor * ref["ns_per_call"]
                ratio = r["ns_per_call"] / ref["ns_per_call"]
                goals.append((f"≤ {factor}× {ref_label} ({ns(limit)}); is {ratio:.1f}×", r["ns_per_call"] <= limit))
        goal = " and ".join(text for text, _ in goals)
        result = " / ".join("—" if ok is None else verdict(ok) for _, ok in goals)
        figure = f"not measured: {r['not_measured']}" if "not_measured" in r else ns(r["ns_per_call"])
        add("1", "hot path, ns/call", LABELS[impl], figure, goal, result)

    # 2. storm
    for impl in ["ours-rust", "ours-python-threads", "ours-python-asyncio", "ours-node", "tutorial-node", "authlib", "simple-oauth2"]:
        r = find("storm", impl)
        if r is None:
            continue
        ours = impl.startswith("ours")
        if "not_measured" in r:
            add("2", "refresh storm: token requests", STORM_LABELS[impl], f"not measured: {r['not_measured']}",
                "exactly 1" if ours else "", "—" if ours else "")
            continue
        extra = f" ({r['errors']} callers failed)" if r.get("errors") else ""
        fig = f"{r['token_requests']} for {r['callers']} callers{extra}, {r['elapsed_ms']:.0f} ms"
        add("2", "refresh storm: token requests", STORM_LABELS[impl], fig, "exactly 1" if ours else "",
            verdict(r["token_requests"] == 1 and not r.get("errors")) if ours else "")

    # 3. processes
    for impl in ["ours-cli", "tutorial-node"]:
        r = find("processes", impl)
        if r is None:
            continue
        ours = impl == "ours-cli"
        fig = (f"{r['token_requests']:g} token requests/round (max {r['token_requests_max']}), "
               f"{r['corrupted_files']} corrupted files, {r['failed_processes']} failed processes"
               + (f" ({r['torn_reads']} read a half-written file)" if r.get("torn_reads") else "") + " "
               f"({r['procs']} processes × {r['rounds']} rounds)")
        add("3", "8 processes, one token file", PROC_LABELS[impl], fig, "1 and 0" if ours else "",
            verdict(r["token_requests_max"] == 1 and r["corrupted_files"] == 0 and r["failed_processes"] == 0) if ours else "")

    # 4. throughput
    levels = sorted({r["concurrency"] for r in rows if r.get("row") == "throughput" and "concurrency" in r})
    for conc in levels:
        ceiling = find("throughput", "wrk", concurrency=conc)
        tutorial = find("throughput", "tutorial-node", concurrency=conc)
        req_authlib = find("throughput", "requests+authlib", concurrency=conc)
        for impl in ["wrk", "ours-rust", "ours-python", "requests+authlib", "httpx", "ours-node", "node-https", "tutorial-node"]:
            r = find("throughput", impl, concurrency=conc)
            if r is None:
                continue
            fig = f"{r['rps']:,.0f} req/s, p50 {us(r['p50_us'])}, p99 {us(r['p99_us'])}"
            if r.get("errors"):
                fig += f", {r['errors']} errors"
            if ceiling and impl != "wrk":
                fig += f" ({r['rps'] / ceiling['rps']:.0%} of wrk)"
            goal, res = "", ""
            if impl == "ours-rust" and ceiling and conc == 32:
                goal, res = "≥ 80 % of wrk", verdict(r["rps"] >= 0.8 * ceiling["rps"])
            elif impl == "ours-rust" and ceiling:
                goal = "(goals are set at 32; c=1 is scheduler-bound, see notes)"
            elif impl == "ours-python" and conc == 32 and req_authlib:
                ratio = r["rps"] / req_authlib["rps"]
                goal, res = "≥ 1.5× requests + authlib", f"{verdict(ratio >= 1.5)} ({ratio:.2f}×)"
            elif impl == "ours-node" and conc == 32 and tutorial:
                ratio = r["rps"] / tutorial["rps"]
                goal, res = "≥ 2× tutorial-style", f"{verdict(ratio >= 2)} ({ratio:.2f}×)"
            add("4", f"GET Profile v4, concurrency {conc}", TP_LABELS[impl], fig, goal, res)
    for r in rows:
        if r.get("row") == "throughput" and "not_measured" in r:
            goal = {"ours-node": "≥ 2× tutorial-style", "ours-python": "≥ 1.5× requests + authlib",
                    "ours-rust": "≥ 80 % of wrk"}.get(r["impl"], "")
            add("4", "GET Profile v4", TP_LABELS.get(r["impl"], r["impl"]), f"not measured: {r['not_measured']}",
                goal, "—" if goal else "")

    # 5. cold start
    for impl in ["ours-cli", "tutorial-node"]:
        r = find("cold_start", impl)
        if r is None:
            continue
        ours = impl == "ours-cli"
        fig = (f"{r['wall_ms']:.2f} ms median ({r['wall_mean_ms']:.2f} mean, {r['runs']} runs, {r['timer']}), "
               f"peak RSS {r['rss_mib']:.1f} MiB")
        res = ""
        if ours:
            res = f"{verdict(r['wall_ms'] <= 10)} / {verdict(r['rss_mib'] <= 15)}"
        add("5", "cold start, cached token", COLD_LABELS[impl], fig, "≤ 10 ms and ≤ 15 MiB" if ours else "", res)

    # 6. a whole paged list
    for impl in ["ours-cli", "ours-python", "ours-python-async", "requests", "ours-node", "fetch"]:
        r = find("list", impl)
        if r is None:
            continue
        if "not_measured" in r:
            add("6", "read 10,000 users", LIST_LABELS[impl], f"not measured: {r['not_measured']}")
            continue
        grew = f", grew {r['rss_growth_mib']:.1f} MiB while reading" if "rss_growth_mib" in r else ""
        fig = f"{r['records_per_s']:,.0f} records/s ({r['records']:,} in {r['seconds']:.2f} s), peak RSS {r['rss_mib']:.1f} MiB{grew}"
        add("6", "read 10,000 users", LIST_LABELS[impl], fig)
    # 7. the stale window
    for part in ["slow", "outage"]:
        for impl in ["ours-rust", "ours-python", "ours-node"]:
            r = find("stale_window", impl, part=part)
            if r is None:
                r = find("stale_window", impl)
                if r is None or "not_measured" not in r:
                    continue
            if "not_measured" in r:
                add("7", f"stale window ({part})", STALE_LABELS[impl], f"not measured: {r['not_measured']}", "", "—")
                continue
            if part == "slow":
                add("7", "stale window, token endpoint at 2 s", STALE_LABELS[impl], *stale_slow(r))
            else:
                add("7", "stale window, 503 outage", STALE_LABELS[impl], *stale_outage(r))
    return "\n".join(out)


def lat(v: float | None) -> str:
    """A latency in ns, in the unit that reads best."""
    if v is None:
        return "n/a"
    if v >= 1e6:
        return f"{v / 1e6:.2f} ms"
    if v >= 1e3:
        return f"{v / 1e3:.1f} µs"
    return f"{v:.0f} ns"


def stale_slow(r: dict[str, Any]) -> tuple[str, str, str]:
    """Row 7, token endpoint at 2 s: figure, goal, result."""
    figure = (f"{r['stale_calls']:,} calls while stale: p50 {lat(r['stale_p50_ns'])}, p99 {lat(r['stale_p99_ns'])}, "
              f"max {lat(r['stale_max_ns'])}; after the renewal ({r['fresh_calls']:,} calls): "
              f"p50 {lat(r['fresh_p50_ns'])}, p99 {lat(r['fresh_p99_ns'])}, max {lat(r['fresh_max_ns'])}; "
              f"first call (reads the file) {lat(r['first_call_ns'])}; renewed after "
              + (f"{r['renewed_after_ms']:,.0f} ms" if r.get("renewed_after_ms") is not None else "— (never)")
              + f"; {r['errors']} errors, {r['refresh_grants']} refresh grants")
    goal = f"max while stale ≤ {STALE_FACTOR}× max once fresh; 0 errors"
    ref = r.get("fresh_max_ns")
    if ref is None or r.get("stale_max_ns") is None:
        return figure, goal, "—"
    ratio = r["stale_max_ns"] / ref
    ok = r["stale_max_ns"] <= STALE_FACTOR * ref and r["errors"] == 0
    return figure, goal, f"{verdict(ok)} ({ratio:.1f}×)"


def stale_outage(r: dict[str, Any]) -> tuple[str, str, str]:
    """Row 7, a 503 outage inside the stale window: figure, goal, result."""
    calls = (r.get("stale_calls") or 0) + (r.get("fresh_calls") or 0)
    renewed = r.get("renewed_after_ms")
    figure = (f"{calls:,} calls, {r['errors']} errors; {r['failed_grants']} refresh grants refused (the outage), "
              f"{r['landed_grants']} landed after it; renewed "
              + (f"{renewed / 1000:.1f} s after the first call" if renewed is not None else "— (never)")
              + f"; while stale p99 {lat(r.get('stale_p99_ns'))}, max {lat(r.get('stale_max_ns'))}")
    ok = r["errors"] == 0 and r.get("landed_grants") == 1
    return figure, "0 errors; exactly 1 refresh lands after the outage", verdict(ok)


def machine(rows: list[dict[str, Any]]) -> str:
    meta = next((r for r in rows if r.get("row") == "meta"), None)
    if not meta:
        return ""
    lines = [
        f"- Run: {meta.get('date', '?')}, commit {meta.get('commit', '?')}; `scripts/bench.sh` took "
        f"{meta.get('bench_seconds', '?')} s end to end, {meta.get('seconds_per_run', '?')} s per throughput run.",
        f"- Machine: {meta.get('nproc')} cores ({meta.get('cpu_model')}), {meta.get('memory')}, {meta.get('kernel')}.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items()) + ".",
    ]
    return "\n".join(lines)


def criterion(home: str) -> None:
    ids = {"access_token_await": "ours-rust", "cached_access_token": "ours-rust-cached",
           "blocking_access_token": "ours-rust-blocking"}
    for bench, impl in ids.items():
        path = os.path.join(home, "hot_path", bench, "new", "estimates.json")
        try:
            with open(path) as f:
                est = json.load(f)
        except OSError:
            print(json.dumps({"row": "hot_path", "impl": impl, "not_measured": "criterion produced no estimate"}))
            continue
        print(json.dumps({"row": "hot_path", "impl": impl, "ns_per_call": est["median"]["point_estimate"],
                          "mean_ns": est["mean"]["point_estimate"], "timer": "criterion (median)"}))


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "criterion":
        criterion(argv[1])
        return 0
    if len(argv) < 2 or argv[0] != "table":
        print(__doc__, file=sys.stderr)
        return 2
    rows = load(argv[1])
    doc = argv[argv.index("--doc") + 1] if "--doc" in argv else None
    commands = argv[argv.index("--commands") + 1] if "--commands" in argv else None
    text = table(rows)
    print(text)
    if doc:
        parts = [START, "", machine(rows), "", text, ""]
        if commands and os.path.exists(commands):
            with open(commands) as f:
                parts += ["The exact commands of this run (`$OUT` = `target/bench`, `$URL` = the fake server's base URL):",
                          "", "```sh", f.read().rstrip(), "```", ""]
        parts.append(END)
        block = "\n".join(parts)
        with open(doc) as f:
            current = f.read()
        if START in current and END in current:
            head, rest = current.split(START, 1)
            tail = rest.split(END, 1)[1]
            current = head + block + tail
        else:
            current = current.rstrip() + "\n\n" + block + "\n"
        with open(doc, "w") as f:
            f.write(current)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
