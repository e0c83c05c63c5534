"""The Python driver of the conformance table (tests/conformance/scenarios.json).

Each scenario runs against a fresh fake-concur and a fresh folder and yields
one outcome line; the test fails when it differs from the table, and the lines
go to ``$CONCUR_CONFORMANCE_OUT/python.txt`` for the cross-language comparison
(scripts/test-conformance.sh). The step vocabulary is in SCENARIOS.md.
"""

from __future__ import annotations

import json
import os
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest

from concur_auth import ConcurAuthError, TokenManager
from fakeconcur import FakeConcur, binary_path

HERE = Path(__file__).resolve().parent
TABLE = json.loads((HERE.parent / "scenarios.json").read_text())["scenarios"]
# How long ``access_token_until_renewed`` asks, and how often (seconds).
RENEWAL_WAIT, RENEWAL_POLL = 30.0, 0.02
OUT = Path(os.environ.get("CONCUR_CONFORMANCE_OUT") or HERE.parents[2] / "target" / "conformance")


class Run:
    """What one scenario has seen so far."""

    def __init__(self, fake: FakeConcur, folder: Path) -> None:
        self.fake = fake
        self.folder = folder
        self.token_path = folder / "refreshTokenObjectFile.json"
        self.manager: Optional[TokenManager] = None
        self.tokens: list[str] = []
        self.status: Any = None
        self.response: Any = None
        self.error: Optional[ConcurAuthError] = None
        self.snapshot: Optional[bytes] = None
        self.written: Optional[bytes] = None

    def the_manager(self) -> TokenManager:
        if self.manager is None:
            self.manager = TokenManager.from_files(
                self.folder / "credentials.json", self.token_path, base_url=self.fake.base_url
            )
        return self.manager

    def prepare(self, step: dict[str, Any]) -> bool:
        """A step that prepares the server or the folder; yields no outcome."""
        if "fixture" in step:
            name = {"credentials": "credentials.json", "token-file": self.token_path.name}[step["fixture"]]
            text = self.fake.admin("POST", f"/_admin/fixtures/{step['fixture']}", step.get("spec"))
            path = self.folder / name
            path.touch(mode=0o600)
            path.write_text(json.dumps(text))
        elif "admin" in step:
            self.fake.admin(step["admin"], step["path"], step.get("body"))
        elif step.get("write") == "token_file":
            self.written = step["text"].encode()
            self.token_path.write_bytes(self.written)
        elif step.get("snapshot") == "token_file":
            self.snapshot = self.token_path.read_bytes() if self.token_path.exists() else None
        else:
            return False
        return True

    def attempt(self, call: Any) -> tuple[str, Any]:
        try:
            return "ok", call()
        except ConcurAuthError as error:
            self.error = error
            return error.code, None

    def act(self, step: dict[str, Any]) -> str:
        action = step["do"]
        manager = self.the_manager()
        if action == "exchange":
            force = step.get("force", False)
            value, status = self.attempt(lambda: manager.exchange_request_token(force=force))
            self.status = status or self.status
        elif action == "access_token":
            callers = step.get("callers", 1)
            with ThreadPoolExecutor(callers) as pool:
                results = list(pool.map(lambda _: self.attempt(manager.access_token), range(callers)))
            self.tokens = [token for _, token in results if token is not None]
            value = next((v for v, _ in results if v != "ok"), "ok")
        elif action == "access_token_until_renewed":
            value = self.until_renewed(manager)
        elif action == "status":
            value, status = self.attempt(manager.status)
            self.status = status or self.status
        elif action == "api_get":
            value, response = self.attempt(lambda: manager.request("GET", step["path"]))
            if response is not None:
                self.response = response
                value = str(response.status)
        elif action == "revoke":
            value, _ = self.attempt(manager.revoke)
        else:
            raise AssertionError(f"unknown action {action}")
        return f"{action}={value}"

    def snapshot_access_token(self) -> Optional[str]:
        """The access token in the last snapshot of the token file."""
        try:
            return json.loads(self.snapshot or b"").get("access_token")
        except ValueError:
            return None

    def until_renewed(self, manager: TokenManager) -> str:
        """Asks until the token differs from the snapshot's; each new value kept once."""
        old = self.snapshot_access_token()
        deadline = time.monotonic() + RENEWAL_WAIT
        self.tokens = []
        while True:
            value, token = self.attempt(manager.access_token)
            if token is None:
                return value
            if not self.tokens or self.tokens[-1] != token:
                self.tokens.append(token)
            if token != old:
                return "ok"
            if time.monotonic() >= deadline:
                return "unchanged"
            time.sleep(RENEWAL_POLL)

    def texts(self) -> list[str]:
        """Every text form of every library object this run holds."""
        texts = [repr(self.manager), str(self.manager)]
        if self.status is not None:
            texts += [repr(self.status), str(self.status), self.status.to_json()]
        if self.response is not None:
            texts += [repr(self.response), str(self.response)]
        if self.error is not None:
            texts += [str(self.error), repr(self.error), self.error.message]
        return texts

    def check(self, step: dict[str, Any]) -> str:
        check = step["check"]

        def yes(b: bool) -> str:
            return "yes" if b else "no"

        if check == "counter":
            return f"{step['name']}={self.fake.counters()[step['name']]}"
        if check == "concur_code":
            code = self.error.concur_code if self.error else None
            value = "none" if code is None else str(code)
        elif check == "correlation_id":
            value = yes(bool(self.error and self.error.correlation_id))
        elif check == "error_mentions":
            value = yes(bool(self.error) and step["text"] in f"{self.error} {self.error!r}")
        elif check == "token_file":
            value = "present" if self.token_path.exists() else "absent"
        elif check == "token_file_mode":
            exists = self.token_path.exists()
            value = format(stat.S_IMODE(self.token_path.stat().st_mode), "o") if exists else "absent"
        elif check == "token_file_fields":
            try:
                stored = json.loads(self.token_path.read_text())
            except (OSError, ValueError):
                stored = {}
            value = yes(all(field in stored for field in step["fields"]))
        elif check == "token_file_unchanged":
            now = self.token_path.read_bytes() if self.token_path.exists() else None
            value = yes(self.snapshot is not None and now == self.snapshot)
        elif check == "kept_aside":
            kept = [p for p in self.folder.iterdir() if p.name.startswith(self.token_path.name + ".corrupt-")]
            value = yes(len(kept) == 1 and kept[0].read_bytes() == self.written)
        elif check == "distinct_tokens":
            value = str(len(set(self.tokens)))
        elif check == "tokens_from_snapshot":
            old = self.snapshot_access_token()
            value = yes(bool(self.tokens) and all(t == old for t in self.tokens))
        elif check == "status_state":
            value = self.status.state if self.status is not None else "none"
        elif check == "response_has_list":
            value = yes(self.response is not None and isinstance(self.response.json().get(step["field"]), list))
        elif check == "status_initialized":
            value = yes(self.status is not None and self.status.initialized)
        elif check == "status_expiries":
            value = yes(
                self.status is not None
                and self.status.access_token_expires_at is not None
                and self.status.refresh_token_expires_at is not None
            )
        elif check == "status_geolocation":
            geo = self.status.geolocation if self.status is not None else None
            value = "server" if geo == self.fake.base_url else str(geo or "none")
        elif check == "revoked":
            value = yes(self.fake.revoked())
        elif check == "token_is_known_secret":
            secrets = set(self.fake.secrets())
            value = yes(bool(self.tokens) and all(t in secrets for t in self.tokens))
        elif check == "secrets_shown":
            secrets = self.fake.secrets()
            value = yes(any(s in text for text in self.texts() for s in secrets))
        else:
            raise AssertionError(f"unknown check {check}")
        return f"{check}={value}"


def run_scenario(scenario: dict[str, Any], folder: Path) -> str:
    fake = FakeConcur(binary_path())
    try:
        run = Run(fake, folder)
        outcomes = [scenario["id"]]
        for step in scenario["steps"]:
            if run.prepare(step):
                continue
            outcomes.append(run.act(step) if "do" in step else run.check(step))
        return " ".join(outcomes)
    finally:
        fake.close()


@pytest.fixture(scope="module")
def lines() -> Iterator[dict[str, str]]:
    seen: dict[str, str] = {}
    yield seen
    OUT.mkdir(parents=True, exist_ok=True)
    ordered = [seen[s["id"]] for s in TABLE if s["id"] in seen]
    (OUT / "python.txt").write_text("".join(line + "\n" for line in ordered))


@pytest.mark.parametrize("scenario", TABLE, ids=[s["id"] for s in TABLE])
def test_scenario(scenario: dict[str, Any], tmp_path: Path, lines: dict[str, str]) -> None:
    line = run_scenario(scenario, tmp_path)
    lines[scenario["id"]] = line
    print(line)
    assert line == " ".join([scenario["id"], *scenario["expect"]])
