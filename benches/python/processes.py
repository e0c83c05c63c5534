"""Row 3: PROCS processes on one token file at expiry → token requests made
and corrupted token files, over ROUNDS rounds.

Each round seeds the folder afresh (an access token that expired a minute
ago), resets nothing but reads /_admin/counters before and after, starts the
PROCS processes as fast as Popen allows, waits for all (bounded), then checks
that the token file still parses as JSON with a refresh token. A process that
failed is counted; for the tutorial-style script, exit code 3 means it read a
token file that did not parse (another process was rewriting it).

- ours: `concur-auth --credentials … --token-file … --base-url URL token`
  (the lock file makes the others wait, then reuse the stored token);
- tutorial-node: `node benches/peers/tutorial_style.js token` in the folder
  (read, POST the refresh grant, fs.writeFileSync).

Their stdout (the token) goes to /dev/null.
"""

from __future__ import annotations

import json
import os
import subprocess
import time

import _common as c


def token_file_ok(path: str) -> bool:
    try:
        with open(path) as f:
            record = json.load(f)
        return isinstance(record, dict) and bool(record.get("refresh_token"))
    except (OSError, ValueError):
        return False


def rounds_of(impl: str, argv: list[str], directory: str, base: str, procs: int, rounds: int, env: dict[str, str]) -> None:
    per_round: list[int] = []
    corrupted = 0
    failed = 0
    torn_reads = 0
    token_file = c.files(directory)[1]
    for _ in range(rounds):
        c.fakeadmin.seed(directory, base, access="expired")
        before = c.fakeadmin.token_requests(base)
        children = [
            subprocess.Popen(argv, cwd=directory, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(procs)
        ]
        for child in children:
            try:
                code = child.wait(timeout=60)
                if code != 0:
                    failed += 1
                if code == 3:  # tutorial_style.js: the file it read did not parse
                    torn_reads += 1
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                failed += 1
        time.sleep(0.05)  # let the server count the last request
        per_round.append(c.fakeadmin.token_requests(base) - before)
        if not token_file_ok(token_file):
            corrupted += 1
    c.emit(row="processes", impl=impl, procs=procs, rounds=rounds,
           token_requests=sum(per_round) / rounds, token_requests_max=max(per_round),
           corrupted_files=corrupted, failed_processes=failed, torn_reads=torn_reads)


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--cli", required=True, help="the concur-auth binary")
    p.add_argument("--tutorial", required=True, help="benches/peers/tutorial_style.js")
    p.add_argument("--procs", type=int, default=8)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    procs = max(1, min(args.procs, 64))
    rounds = max(1, min(args.rounds, 50))
    base = args.base_url
    directory = os.path.abspath(args.dir)
    creds, token_file = c.files(directory)
    env = dict(os.environ)
    env.pop("RUST_LOG", None)
    rounds_of("ours-cli", [os.path.abspath(args.cli), "--credentials", creds, "--token-file", token_file, "--base-url", base, "token"],
              directory, base, procs, rounds, env)
    rounds_of("tutorial-node", ["node", os.path.abspath(args.tutorial), "token"],
              directory, base, procs, rounds, dict(env, TUTORIAL_BASE_URL=base))


if __name__ == "__main__":
    main()
