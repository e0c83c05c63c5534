"""Row 5: cold start with a cached token — wall time and peak RSS.

- ours: `concur-auth --credentials … --token-file … --base-url URL token`
  with an access token that has an hour left (no network: it reads the file,
  prints the token);
- tutorial-node: `node benches/peers/tutorial_style.js print-cached` (read the
  file, print the token).

Wall time: hyperfine (-N, warm-up 5, RUNS runs; stdout discarded), its mean
and median; without hyperfine, RUNS timed runs here. Peak RSS: /usr/bin/time
-f %M over 10 runs, the median (and the max).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import _common as c


def wall_ms(argv: list[str], cwd: str, env: dict[str, str], runs: int) -> dict[str, float]:
    hyperfine = shutil.which("hyperfine")
    if hyperfine:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "h.json")
            subprocess.run(
                [hyperfine, "-N", "--warmup", "5", "--runs", str(runs), "--style", "none",
                 "--export-json", out, " ".join(argv)],
                cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300,
            )
            with open(out) as f:
                r = json.load(f)["results"][0]
            return {"wall_ms": r["median"] * 1e3, "wall_mean_ms": r["mean"] * 1e3, "wall_min_ms": r["min"] * 1e3, "runs": runs, "timer": "hyperfine"}
    times = []
    for _ in range(runs + 5):
        t0 = time.perf_counter_ns()
        subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, timeout=60)
        times.append((time.perf_counter_ns() - t0) / 1e6)
    times = times[5:]
    return {"wall_ms": statistics.median(times), "wall_mean_ms": statistics.mean(times), "wall_min_ms": min(times), "runs": runs, "timer": "loop"}


def peak_rss_kib(argv: list[str], cwd: str, env: dict[str, str], runs: int = 10) -> tuple[float, float]:
    values = []
    for _ in range(runs):
        with tempfile.NamedTemporaryFile("r") as out:
            subprocess.run(["/usr/bin/time", "-o", out.name, "-f", "%M"] + argv, cwd=cwd, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            values.append(float(out.read().strip().splitlines()[-1]))
    return statistics.median(values), max(values)


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--cli", required=True)
    p.add_argument("--tutorial", required=True)
    p.add_argument("--runs", type=int, default=50)
    args = p.parse_args()
    runs = max(5, min(args.runs, 500))
    base = args.base_url
    directory = os.path.abspath(args.dir)
    creds, token_file = c.files(directory)
    c.fakeadmin.seed(directory, base, access="valid")
    env = dict(os.environ)
    env.pop("RUST_LOG", None)
    cases = [
        ("ours-cli", [os.path.abspath(args.cli), "--credentials", creds, "--token-file", token_file, "--base-url", base, "token"], env),
        ("tutorial-node", ["node", os.path.abspath(args.tutorial), "print-cached"], dict(env, TUTORIAL_BASE_URL=base)),
    ]
    for impl, argv, case_env in cases:
        before = c.fakeadmin.token_requests(base)
        wall = wall_ms(argv, directory, case_env, runs)
        rss, rss_max = peak_rss_kib(argv, directory, case_env)
        c.emit(row="cold_start", impl=impl, **wall, rss_mib=rss / 1024, rss_max_mib=rss_max / 1024,
               token_requests=c.fakeadmin.token_requests(base) - before)


if __name__ == "__main__":
    main()
