"""The exceptions raised by concur-auth.

Every error is a :class:`ConcurAuthError`. Its ``code`` is the stable code the
library uses in every language (``"auth"``, ``"refresh_token_expired"``, ...);
``concur_code``, ``http_status`` and ``correlation_id`` carry what SAP support
asks for. No message ever contains a secret.

The hierarchy::

    ConcurAuthError
    ├── ConfigurationError            config
    │   └── NotInitializedError       not_initialized
    ├── AuthenticationError           auth
    │   └── RefreshTokenExpiredError  refresh_token_expired
    ├── NetworkError                  network
    │   ├── TimeoutError              timeout (also a builtins.TimeoutError)
    │   ├── ServerError               server
    │   └── InvalidResponseError      invalid_response
    ├── StoreError                    store
    │   └── CorruptStoreError         corrupt_store
    ├── HostNotAllowedError           host_not_allowed
    └── ApiError                      api
"""

from __future__ import annotations

import builtins
from typing import Any, Optional

__all__ = [
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
]


class ConcurAuthError(Exception):
    """Base class of every concur-auth error.

    ``str(error)`` is the message plus the support details (HTTP status, Concur
    code, correlation id); ``error.message`` is the message alone.
    """

    #: The stable error code shared by every binding.
    code: str = "error"

    def __init__(
        self,
        text: str = "",
        *,
        code: Optional[str] = None,
        concur_code: Optional[int] = None,
        http_status: Optional[int] = None,
        correlation_id: Optional[str] = None,
        message: Optional[str] = None,
    ) -> None:
        super().__init__(text)
        self.text = text
        self.message: str = text if message is None else message
        if code is not None:
            self.code = code
        #: Concur's numeric error code (e.g. 19 for a wrong client secret).
        self.concur_code: Optional[int] = concur_code
        #: The HTTP status of the reply that failed.
        self.http_status: Optional[int] = http_status
        #: The ``concur-correlationid`` of the failing reply: quote it to SAP support.
        self.correlation_id: Optional[str] = correlation_id
        #: Set when a list read (``TokenManager.read_list``) stopped: records and
        #: pages received before the failure, and the ``startIndex`` to resume from.
        self.records_read: Optional[int] = None
        self.pages_read: Optional[int] = None
        self.next_start_index: Optional[int] = None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r}, code={self.code!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the details when pickled (multiprocessing, concurrent.futures).
        return (
            _restore,
            (
                type(self),
                self.text,
                {
                    "code": self.code,
                    "concur_code": self.concur_code,
                    "http_status": self.http_status,
                    "correlation_id": self.correlation_id,
                    "message": self.message,
                },
                {
                    "records_read": self.records_read,
                    "pages_read": self.pages_read,
                    "next_start_index": self.next_start_index,
                },
            ),
        )


def _restore(
    cls: type[ConcurAuthError],
    text: str,
    details: dict[str, Any],
    progress: Optional[dict[str, Optional[int]]] = None,
) -> ConcurAuthError:
    error = cls(text, **details)
    # A list read's progress is set after construction (see TokenManager.read_list).
    for name, value in (progress or {}).items():
        setattr(error, name, value)
    return error


class ConfigurationError(ConcurAuthError):
    """Missing or invalid configuration: a credentials field, an option, a URL."""

    code = "config"


class NotInitializedError(ConfigurationError):
    """No refresh token is stored yet: run the one-time exchange first."""

    code = "not_initialized"


class AuthenticationError(ConcurAuthError):
    """Concur refused the client or company credentials (wrong secret, disabled
    app, request token already used, scope or grant misconfigured)."""

    code = "auth"


class RefreshTokenExpiredError(AuthenticationError):
    """The refresh token is expired, revoked or unknown: generate a new company
    request token in Authentication Admin and run the exchange again."""

    code = "refresh_token_expired"


class NetworkError(ConcurAuthError):
    """The connection to Concur failed (DNS, refused, reset, TLS)."""

    code = "network"


class TimeoutError(NetworkError, builtins.TimeoutError):
    """Concur did not answer in time. Also caught by ``except TimeoutError`` of
    the builtins."""

    code = "timeout"


class ServerError(NetworkError):
    """Concur kept answering 5xx or 429 until the retry budget ran out."""

    code = "server"


class InvalidResponseError(NetworkError):
    """Concur answered something that is not the documented shape."""

    code = "invalid_response"


class StoreError(ConcurAuthError):
    """Reading, writing or locking the token store failed."""

    code = "store"


class CorruptStoreError(StoreError):
    """The token file holds something unreadable; it was moved aside, not overwritten."""

    code = "corrupt_store"


class HostNotAllowedError(ConcurAuthError):
    """A URL is not HTTPS, or names a host that may not receive tokens."""

    code = "host_not_allowed"


class ApiError(ConcurAuthError):
    """A Concur API call answered with an error status (see ``http_status``)."""

    code = "api"
