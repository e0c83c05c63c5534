"""A data-pipeline step: fetch Concur user profiles with requests + concur-auth.

    python pipeline.py                       # credentials.json + refreshTokenObjectFile.json
    python pipeline.py --exchange            # first run: trade the company request token
    python pipeline.py --exchange --force    # replace a live refresh token (new request token)
    python pipeline.py --base-url http://127.0.0.1:PORT --exchange   # against fake-concur

Prints one JSON line per user (id, userName, displayName, active). Tokens are
refreshed and saved by the library: no secret is printed or logged.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any, Iterator, Optional, Sequence

import requests

from concur_auth import ConcurAuthError, TokenManager
from concur_auth.adapters import RequestsAuth

USERS_PATH = "/profile/identity/v4/Users/"
log = logging.getLogger("pipeline")


def fetch_users(manager: TokenManager, session: requests.Session) -> Iterator[dict[str, Any]]:
    """Every user of the Profile Identity v4 list, from the token's data center."""
    manager.access_token()  # refreshes when needed, so the geolocation is current
    geolocation = manager.status().geolocation
    if geolocation is None:
        raise SystemExit("no geolocation stored: run with --exchange first")
    response = session.get(geolocation.rstrip("/") + USERS_PATH, timeout=60)
    response.raise_for_status()
    log.info("users fetched (correlation id %s)", response.headers.get("concur-correlationid"))
    body: dict[str, Any] = response.json()
    yield from body.get("Resources", [])


def summary(user: dict[str, Any]) -> dict[str, Any]:
    return {key: user.get(key) for key in ("id", "userName", "displayName", "active")}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", default="credentials.json")
    parser.add_argument("--token-file", default="refreshTokenObjectFile.json")
    parser.add_argument("--base-url", help="token host for the exchange (default: Concur GLZ)")
    parser.add_argument("--exchange", action="store_true", help="run the one-time exchange first")
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --exchange: replace this app's live refresh token (refused otherwise)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    try:
        manager = TokenManager.from_files(args.credentials, args.token_file, base_url=args.base_url)
        if args.exchange:
            manager.exchange_request_token(force=args.force)
        status = manager.status()
        if status.refresh_token_expiring_soon:
            log.warning("refresh token: %s days left", status.refresh_token_days_left)
        with requests.Session() as session:
            session.auth = RequestsAuth(manager)
            for user in fetch_users(manager, session):
                print(json.dumps(summary(user)))
    except ConcurAuthError as error:
        log.error("%s [code %s]", error, error.code)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
