"""concur-auth: one hardened SAP Concur OAuth2 token manager.

Quickstart::

    from concur_auth import TokenManager
    manager = TokenManager.from_files("credentials.json", "refreshTokenObjectFile.json")
    print(manager.request("GET", "/profile/identity/v4/Users/").json())

``manager.read_list(path)`` reads a whole paged list (``for user in ...``,
``async for user in ...``). ``TokenManager`` is thread-safe and shares one refresh among every thread,
asyncio task and process using the same token file. ``concur_auth.adapters``
plugs it into ``requests`` and ``httpx``. Every error is a
:class:`ConcurAuthError` (see :mod:`concur_auth.exceptions`). Log records go to
the ``concur_auth`` logger and never contain a secret.
"""

from __future__ import annotations

# The exception classes are imported first: the native module raises them.
from concur_auth import exceptions
from concur_auth.exceptions import (
    ApiError,
    AuthenticationError,
    ConcurAuthError,
    ConfigurationError,
    CorruptStoreError,
    HostNotAllowedError,
    InvalidResponseError,
    NetworkError,
    NotInitializedError,
    RefreshTokenExpiredError,
    ServerError,
    StoreError,
    TimeoutError,
)
from concur_auth._native import (
    DEFAULT_BASE_URL,
    DEFAULT_CREDENTIALS_FILE,
    DEFAULT_TOKEN_FILE,
    REDACTED,
    Page,
    Pager,
    Pages,
    Response,
    Status,
    TokenManager,
    __version__,
)

__all__ = [
    "TokenManager",
    "Status",
    "Response",
    "Pager",
    "Pages",
    "Page",
    "exceptions",
    "ConcurAuthError",
    "ConfigurationError",
    "NotInitializedError",
    "AuthenticationError",
    "RefreshTokenExpiredError",
    "NetworkError",
    "TimeoutError",
    "ServerError",
    "InvalidResponseError",
    "StoreError",
    "CorruptStoreError",
    "HostNotAllowedError",
    "ApiError",
    "DEFAULT_BASE_URL",
    "DEFAULT_CREDENTIALS_FILE",
    "DEFAULT_TOKEN_FILE",
    "REDACTED",
    "__version__",
]
