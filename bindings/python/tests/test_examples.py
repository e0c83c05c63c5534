"""examples/python runs as documented, against the fake server."""

from __future__ import annotations

import json
import subprocess
import sys

from fakeconcur import REPO, FakeConcur, Setup

PIPELINE = REPO / "examples" / "python" / "pipeline.py"


def test_pipeline_example(setup: Setup, fake: FakeConcur) -> None:
    command = [
        sys.executable,
        str(PIPELINE),
        "--credentials",
        str(setup.credentials),
        "--token-file",
        str(setup.token_file),
        "--base-url",
        fake.base_url,
    ]
    run = subprocess.run([*command, "--exchange"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    users = [json.loads(line) for line in run.stdout.splitlines()]
    assert users and users[0]["userName"] == "jane.doe@example.com"
    for secret in fake.secrets():
        assert secret not in run.stdout + run.stderr

    again = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and again.stdout == run.stdout
    assert fake.counters()["password_grants"] == 1

    # A second exchange fails cleanly, before anything is sent: a live refresh
    # token is stored, and replacing it takes an explicit force.
    failed = subprocess.run([*command, "--exchange"], capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert "code config" in failed.stderr and "live refresh token" in failed.stderr
    assert fake.counters()["password_grants"] == 1
    # --force sends it: the fixture's request token is spent, so Concur says so.
    forced = subprocess.run([*command, "--exchange", "--force"], capture_output=True, text=True, timeout=60)
    assert forced.returncode == 1 and "code auth" in forced.stderr, forced.stderr
    assert fake.counters()["password_grants"] == 2
