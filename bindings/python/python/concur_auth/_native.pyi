"""Type stubs of the native module (Rust, PyO3). Import from ``concur_auth``."""

import asyncio
import os
from typing import Any, AsyncIterator, Final, Iterator, Literal, Optional, Sequence, Union, final

_StrPath = Union[str, "os.PathLike[str]"]

__version__: Final[str]
DEFAULT_BASE_URL: Final[str]
DEFAULT_TOKEN_FILE: Final[str]
DEFAULT_CREDENTIALS_FILE: Final[str]
REDACTED: Final[str]

def error_classes() -> list[tuple[str, str]]:
    """Every stable error code with the name of the exception class it raises."""

def error_families() -> list[tuple[str, Optional[str]]]:
    """Every stable error code with its family's code (``None`` for a root): the
    core's one table, which the exception classes' tree follows."""

@final
class Status:
    """Secret-free summary of the stored token state (no network needed)."""

    @property
    def initialized(self) -> bool: ...
    @property
    def access_token_valid(self) -> bool: ...
    @property
    def access_token_expires_at(self) -> Optional[int]: ...
    @property
    def state(self) -> Literal["fresh", "stale", "expired", "none"]: ...
    @property
    def stale_at(self) -> Optional[int]: ...
    @property
    def hard_expiry_at(self) -> Optional[int]: ...
    @property
    def refresh_token_expires_at(self) -> Optional[int]: ...
    @property
    def refresh_token_days_left(self) -> Optional[int]: ...
    @property
    def refresh_token_expiring_soon(self) -> bool: ...
    @property
    def refresh_token_expired(self) -> bool: ...
    @property
    def geolocation(self) -> Optional[str]: ...
    @property
    def company_uuid(self) -> Optional[str]: ...
    @property
    def store(self) -> str: ...
    def to_json(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Response:
    """A Concur API reply; any final HTTP status arrives here."""

    @property
    def status(self) -> int: ...
    @property
    def status_code(self) -> int: ...
    @property
    def ok(self) -> bool: ...
    @property
    def text(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def content_type(self) -> str: ...
    @property
    def correlation_id(self) -> Optional[str]: ...
    def json(self) -> Any:
        """The body parsed as JSON; raises InvalidResponseError if it is not JSON."""
    def raise_for_status(self) -> "Response":
        """Returns self for 2xx, otherwise raises ApiError."""

@final
class Page:
    """One page of a list."""

    @property
    def start_index(self) -> int:
        """The ``startIndex`` this page was asked for (1-based)."""
    @property
    def total_results(self) -> Optional[int]:
        """The list's size when this page was served, if the server said."""
    @property
    def records(self) -> list[dict[str, Any]]: ...
    @property
    def correlation_id(self) -> Optional[str]: ...
    def __len__(self) -> int: ...

@final
class Pages:
    """The pages of a ``Pager``: ``for page in pager.pages()`` or ``async for``."""

    def __iter__(self) -> Iterator[Page]: ...
    def __next__(self) -> Page: ...
    def __aiter__(self) -> AsyncIterator[Page]: ...
    def __anext__(self) -> "asyncio.Future[Page]": ...

@final
class Pager:
    """Every record of a paged Identity v4 list, one page in memory at a time.

    A page failing for good raises the error's ``ConcurAuthError`` subclass
    with ``records_read``, ``pages_read`` and ``next_start_index`` set; the
    pager stays on that page, so iterating again retries it."""

    def __iter__(self) -> Iterator[dict[str, Any]]: ...
    def __next__(self) -> dict[str, Any]: ...
    def __aiter__(self) -> AsyncIterator[dict[str, Any]]: ...
    def __anext__(self) -> "asyncio.Future[dict[str, Any]]": ...
    def pages(self) -> Pages: ...
    @property
    def records_read(self) -> int: ...
    @property
    def next_start_index(self) -> int: ...
    @property
    def total_results(self) -> Optional[int]: ...

@final
class TokenManager:
    """Issues access tokens for one Concur company, refreshing and persisting as
    needed. Thread-safe: share one instance."""

    def __new__(
        cls,
        client_id: str,
        client_secret: str,
        company_uuid: Optional[str] = None,
        request_token: Optional[str] = None,
        token_file: Optional[_StrPath] = None,
        *,
        base_url: Optional[str] = None,
        allowed_hosts: Optional[Sequence[str]] = None,
        leeway_seconds: Optional[float] = None,
        hard_margin_seconds: Optional[float] = None,
        strict: Optional[bool] = None,
        scope: Optional[str] = None,
        request_timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        lock_wait: Optional[float] = None,
        max_attempts: Optional[int] = None,
    ) -> "TokenManager": ...
    @staticmethod
    def from_files(
        credentials: Optional[_StrPath] = None,
        token_file: Optional[_StrPath] = None,
        *,
        base_url: Optional[str] = None,
        allowed_hosts: Optional[Sequence[str]] = None,
        leeway_seconds: Optional[float] = None,
        hard_margin_seconds: Optional[float] = None,
        strict: Optional[bool] = None,
        scope: Optional[str] = None,
        request_timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        lock_wait: Optional[float] = None,
        max_attempts: Optional[int] = None,
    ) -> "TokenManager":
        """The tutorials' credentials.json and refreshTokenObjectFile.json."""
    @staticmethod
    def from_env() -> "TokenManager":
        """Credentials, token file and options from the CONCUR_* variables."""
    def access_token(self) -> str:
        """A valid access token: cached while fresh or stale (a stale one starts one
        background refresh; nobody waits), else after one shared refresh."""
    def access_token_async(self) -> "asyncio.Future[str]": ...
    def cached_access_token(self) -> Optional[str]:
        """The cached token while fresh or stale (stale: one background refresh is
        started), else None; never does I/O."""
    def force_refresh(self) -> str: ...
    def force_refresh_async(self) -> "asyncio.Future[str]": ...
    def replace_rejected_token(self, token: str) -> str:
        """The server answered 401 to ``token``: a replacement, sharing one refresh."""
    def replace_rejected_token_async(self, token: str) -> "asyncio.Future[str]": ...
    def exchange_request_token(self, *, force: bool = False) -> Status:
        """The one-time exchange of the company request token. Transient failures
        are retried (a request token may be used again within its 24 hours).
        Raises ``ConfigError`` before anything is sent when a live refresh token
        is stored; ``force=True`` replaces this app's own, never another app's."""
    def exchange_request_token_async(
        self, *, force: bool = False
    ) -> "asyncio.Future[Status]": ...
    def status(self) -> Status: ...
    def status_async(self) -> "asyncio.Future[Status]": ...
    def request(self, method: str, path: str, json: Any = None) -> Response:
        """``method path`` on the token's geolocation, with one refresh-and-retry on 401."""
    def request_async(
        self, method: str, path: str, json: Any = None
    ) -> "asyncio.Future[Response]": ...
    def read_list(
        self,
        path: str = "/profile/identity/v4/Users",
        *,
        page_size: Optional[int] = None,
        max_pages: Optional[int] = None,
    ) -> Pager:
        """Every record of a paged list: ``for user in manager.read_list()`` or ``async for``."""
    def revoke(self) -> None:
        """Revokes the app's refresh tokens for this company and removes the token file."""
    def revoke_async(self) -> "asyncio.Future[None]": ...
    def check_url(self, url: str) -> None:
        """Raises HostNotAllowedError unless ``url`` may receive this manager's tokens."""
    @property
    def client_id(self) -> str: ...
    @property
    def store(self) -> str: ...
    @property
    def base_url(self) -> str: ...
