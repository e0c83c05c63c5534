"""The machine and the versions of one `scripts/bench.sh` run, as one JSON line.

Run it with the bench venv's python so that the peers' versions are those the
run used: `meta.py ROOT NODE_DIR SECONDS_PER_RUN [BENCH_SECONDS]`.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys


def cmd(*argv: str) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "n/a"


def main() -> None:
    root, node_dir, seconds_per_run = sys.argv[1], sys.argv[2], sys.argv[3]
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    versions = {
        "rustc": cmd("rustc", "--version").replace("rustc ", ""),
        "python": platform.python_version(),
        "node": cmd("node", "--version"),
    }
    for pkg in ("concur-auth", "authlib", "requests", "httpx"):
        try:
            versions[pkg if pkg != "concur-auth" else "concur-auth (Python)"] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    try:
        with open(os.path.join(node_dir, "node_modules", "simple-oauth2", "package.json")) as f:
            versions["simple-oauth2"] = json.load(f)["version"]
    except OSError:
        versions["simple-oauth2"] = "not installed"
    versions["criterion"] = "0.8.2"
    versions["wrk"] = cmd("wrk", "-v").split(" [")[0].replace("wrk ", "")
    versions["hyperfine"] = cmd("hyperfine", "--version").replace("hyperfine ", "")
    versions["gcc"] = cmd("gcc", "--version").split(") ")[-1]
    commit = cmd("git", "-C", root, "rev-parse", "--short", "HEAD")
    dirty = subprocess.run(["git", "-C", root, "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
    meta = {
        "row": "meta",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" + uncommitted changes" if dirty else ""),
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "memory": mem,
        "kernel": platform.platform(),
        "versions": versions,
        "seconds_per_run": float(seconds_per_run),
    }
    if len(sys.argv) > 4:
        meta["bench_seconds"] = int(sys.argv[4])
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
