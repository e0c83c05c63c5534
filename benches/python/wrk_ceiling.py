"""Row 4, the server's own ceiling: wrk against GET /profile/identity/v4/Users/
with a bearer token minted through /_admin/issue-refresh-token (passed to wrk
in its argv, never printed). Parses wrk's --latency report.

    wrk_ceiling.py --base-url URL --dir DIR [--concurrency 1 32] [--seconds 5]
"""

from __future__ import annotations

import re
import shutil
import subprocess

import _common as c

UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6}


def to_us(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    p.add_argument("--seconds", type=float, default=5.0)
    args = p.parse_args()
    wrk = shutil.which("wrk")
    if not wrk:
        c.emit(row="throughput", impl="wrk", not_measured="wrk is not installed")
        return
    token = c.fakeadmin.issue(args.base_url)["access_token"]
    url = args.base_url + c.USERS_PATH
    seconds = max(1, min(int(round(args.seconds)), 60))
    for conc in args.concurrency:
        conc = max(1, min(conc, 256))
        threads = min(2, conc)
        out = subprocess.run(
            [wrk, f"-t{threads}", f"-c{conc}", f"-d{seconds}s", "--latency",
             "-H", f"Authorization: Bearer {token}", "-H", "Accept: application/json", url],
            check=True, capture_output=True, text=True, timeout=seconds + 60,
        ).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        total = int(re.search(r"(\d+) requests in", out).group(1))
        p50 = to_us(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
        p99 = to_us(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        c.emit(row="throughput", impl="wrk", concurrency=conc, requests=total,
               errors=int(non2xx.group(1)) if non2xx else 0, seconds=float(seconds),
               rps=rps, p50_us=p50, p99_us=p99, wrk_threads=threads)


if __name__ == "__main__":
    main()
