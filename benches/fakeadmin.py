"""Steers a fake-concur server over /_admin and seeds the tutorials' files.

Standard library only, so the system python3 can run it before any venv exists.
Loopback only: every URL must be http://127.0.0.1:PORT. Nothing it prints
contains a token.

    python3 benches/fakeadmin.py seed DIR URL [--access valid|expired|none|stale] [--left SECS]
    python3 benches/fakeadmin.py config URL '{"access_token_ttl_secs": 4}'
    python3 benches/fakeadmin.py reset URL
    python3 benches/fakeadmin.py counters URL
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from typing import Any

TOKEN_PATH = "/oauth2/v0/token"
USERS_PATH = "/profile/identity/v4/Users/"


def _check(url: str) -> str:
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit(f"fakeadmin: refusing a non-loopback URL: {url!r}")
    return url.rstrip("/")


def _call(method: str, url: str, body: Any = None) -> Any:
    text = _call_text(method, url, body)
    return json.loads(text) if text else None


def _call_text(method: str, url: str, body: Any = None) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.read()


def client_credentials(directory: str) -> tuple[str, str]:
    """The app's client id and secret from `directory`'s credentials.json (as seeded)."""
    with open(os.path.join(directory, "credentials.json")) as f:
        creds = json.load(f)
    return creds["appID"], creds["clientSecret"]


def faults(base: str, endpoint: str, fault: dict[str, Any], count: int) -> None:
    _call("POST", _check(base) + "/_admin/faults", {"endpoint": endpoint, "count": count, "fault": fault})


def clear_faults(base: str) -> None:
    _call("DELETE", _check(base) + "/_admin/faults")


def counters(base: str) -> dict[str, int]:
    return _call("GET", _check(base) + "/_admin/counters")


def token_requests(base: str) -> int:
    return int(counters(base)["token_requests"])


def reset(base: str) -> None:
    _call("POST", _check(base) + "/_admin/reset-counters")


def config(base: str, patch: dict[str, Any]) -> dict[str, Any]:
    return _call("POST", _check(base) + "/_admin/config", patch)


def issue(base: str) -> dict[str, Any]:
    """A fresh refresh + access token pair (not counted by the server)."""
    return _call("POST", _check(base) + "/_admin/issue-refresh-token")


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def seed(directory: str, base: str, access: str = "valid", left: int = 120) -> dict[str, Any]:
    """Writes credentials.json (the server's own fixture, with an empty request
    token) and refreshTokenObjectFile.json into `directory`.

    access: "valid" (an hour left), "expired" (expired a minute ago), "stale"
    (`left` seconds left of an hour: stale with the default leeway of 300 s,
    expired at 30 s left) or "none" (the tutorial's file as Tutorial 2 writes
    it: no absolute access expiry). Returns the issued tokens (for peers that
    hold them in memory).
    """
    base = _check(base)
    os.makedirs(directory, exist_ok=True)
    for leftover in ("refreshTokenObjectFile.json.lock",):
        try:
            os.unlink(os.path.join(directory, leftover))
        except FileNotFoundError:
            pass
    credentials = _call_text("POST", base + "/_admin/fixtures/credentials", {"request_token": ""})
    _write_private(os.path.join(directory, "credentials.json"), credentials.decode())
    company_uuid = json.loads(credentials)["companyUUID"]
    tokens = issue(base)
    now = int(time.time())
    record: dict[str, Any] = {
        "access_token": tokens["access_token"],
        "expires_in": tokens["expires_in"],
        "refresh_token": tokens["refresh_token"],
        "refresh_expires_in": tokens["refresh_expires_in"],
        "geolocation": tokens["geolocation"],
        "scope": "openid user.read company.read",
        "token_type": "Bearer",
        "companyUUID": company_uuid,
    }
    if access == "valid":
        record["access_token_expires_at"] = now + int(tokens["expires_in"])
    elif access == "expired":
        record["expires_in"] = 3600
        record["access_token_expires_at"] = now - 60
    elif access == "stale":
        record["expires_in"] = 3600
        record["access_token_expires_at"] = now + left
    elif access != "none":
        raise SystemExit(f"fakeadmin: unknown --access {access!r}")
    _write_private(
        os.path.join(directory, "refreshTokenObjectFile.json"), json.dumps(record, indent=2) + "\n"
    )
    return tokens


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "seed":
        flags = {"--access": "valid", "--left": "120"}
        for flag in flags:
            if flag in rest:
                i = rest.index(flag)
                flags[flag] = rest[i + 1]
                rest = rest[:i] + rest[i + 2 :]
        seed(rest[0], rest[1], flags["--access"], int(flags["--left"]))
    elif cmd == "config":
        config(rest[0], json.loads(rest[1]))
    elif cmd == "reset":
        reset(rest[0])
    elif cmd == "counters":
        print(json.dumps(counters(rest[0])))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
