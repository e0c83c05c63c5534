"""Plug a :class:`~concur_auth.TokenManager` into ``requests`` and ``httpx``.

Both adapters add ``Authorization: Bearer <access token>`` to each request and,
when the server answers 401, get a replacement token (one refresh shared with
every other caller that saw the same rejection) and retry the request once.
They refuse, with :class:`~concur_auth.HostNotAllowedError`, to send a token
to a host that may not receive it (anything but HTTPS on a Concur host, the
manager's base URL origin or its ``allowed_hosts``). Every URL is checked
before a token is attached, a retried one too; a redirect to another host
reaches it without the token (``requests`` and ``httpx`` drop the header), and
a 401 from there is returned as is, never answered with a refreshed token::

    import requests
    from concur_auth.adapters import RequestsAuth

    session = requests.Session()
    session.auth = RequestsAuth(manager)
    session.get("https://us2.api.concursolutions.com/profile/identity/v4/Users/")

    import httpx
    from concur_auth.adapters import HttpxAuth

    async with httpx.AsyncClient(auth=HttpxAuth(manager)) as client:
        await client.get(url)

``requests`` and ``httpx`` are optional: install ``concur-auth[requests]`` or
``concur-auth[httpx]``. Each adapter needs only its own library.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, AsyncGenerator, Callable, Generator, Optional

from concur_auth._native import TokenManager
from concur_auth.exceptions import ConcurAuthError

__all__ = ["RequestsAuth", "HttpxAuth"]

if TYPE_CHECKING:
    import httpx
    import requests
    from requests.auth import AuthBase as _RequestsAuthBase
    from httpx import Auth as _HttpxAuthBase
else:
    try:
        from requests.auth import AuthBase as _RequestsAuthBase
    except ImportError:  # requests is optional

        class _RequestsAuthBase:
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                raise ImportError(
                    "RequestsAuth needs requests: pip install 'concur-auth[requests]'"
                )

    try:
        from httpx import Auth as _HttpxAuthBase
    except ImportError:  # httpx is optional

        class _HttpxAuthBase:
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                raise ImportError("HttpxAuth needs httpx: pip install 'concur-auth[httpx]'")


def _bearer(token: str) -> str:
    return "Bearer " + token


class RequestsAuth(_RequestsAuthBase):
    """``requests`` authentication with a concur-auth ``TokenManager``.

    Use as ``requests.get(url, auth=RequestsAuth(manager))`` or
    ``session.auth = RequestsAuth(manager)``.
    """

    def __init__(self, manager: TokenManager) -> None:
        self.manager = manager

    def __repr__(self) -> str:
        return f"RequestsAuth({self.manager!r})"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if request.url:
            self.manager.check_url(request.url)
        token = self.manager.access_token()
        request.headers["Authorization"] = _bearer(token)
        body_position = _body_position(request.body)
        request.hooks["response"].append(self._retry_on_401(token, body_position))
        return request

    def _retry_on_401(
        self, token: str, body_position: Optional[int]
    ) -> Callable[..., requests.Response]:
        manager = self.manager

        def retry_once(response: requests.Response, **send_options: Any) -> requests.Response:
            if response.status_code != 401:
                return response
            # requests copies this hook onto a redirected request, after
            # dropping the token if the redirect left the host: refresh and
            # retry only a request that carried our token to an allowed URL.
            if not _carries(response.request.headers, token) or not _allowed(
                manager, response.request.url
            ):
                return response
            request = response.request.copy()
            if request.body is not None and not isinstance(request.body, (bytes, str)):
                # A streamed body can be sent again only if it can rewind.
                if body_position is None:
                    return response
                request.body.seek(body_position)
            replacement = manager.replace_rejected_token(token)
            # Release the connection of the refused reply before reusing the pool.
            _ = response.content
            response.close()
            request.headers["Authorization"] = _bearer(replacement)
            retried: requests.Response = response.connection.send(request, **send_options)
            retried.history.append(response)
            retried.request = request
            return retried

        return retry_once


def _carries(headers: Any, token: str) -> bool:
    return bool(headers.get("Authorization") == _bearer(token))


def _allowed(manager: TokenManager, url: Optional[str]) -> bool:
    """Whether ``url`` may receive a token; a refusal is not an error here (the
    request it belongs to went out without one)."""
    if not url:
        return False
    try:
        manager.check_url(url)
    except ConcurAuthError:
        return False
    return True


def _body_position(body: Any) -> Optional[int]:
    tell = getattr(body, "tell", None)
    if tell is None:
        return None
    try:
        position = tell()
    except OSError:
        return None
    return position if isinstance(position, int) else None


class HttpxAuth(_HttpxAuthBase):
    """``httpx`` authentication (sync ``Client`` and ``AsyncClient``) with a
    concur-auth ``TokenManager``.

    Use as ``httpx.Client(auth=HttpxAuth(manager))`` or
    ``httpx.AsyncClient(auth=HttpxAuth(manager))``. Under asyncio the token is
    awaited without blocking the loop; under another async library (trio) it
    is fetched in a worker thread.
    """

    # The body is read up front so that the request can be sent twice.
    requires_request_body = True

    def __init__(self, manager: TokenManager) -> None:
        self.manager = manager

    def __repr__(self) -> str:
        return f"HttpxAuth({self.manager!r})"

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        self.manager.check_url(str(request.url))
        token = self.manager.access_token()
        request.headers["Authorization"] = _bearer(token)
        response = yield request
        if self._should_retry(request, response, token):
            replacement = self.manager.replace_rejected_token(token)
            self.manager.check_url(str(request.url))
            request.headers["Authorization"] = _bearer(replacement)
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        self.manager.check_url(str(request.url))
        token = await self._access_token()
        request.headers["Authorization"] = _bearer(token)
        response = yield request
        if self._should_retry(request, response, token):
            replacement = await self._replace_rejected(token)
            self.manager.check_url(str(request.url))
            request.headers["Authorization"] = _bearer(replacement)
            yield request

    @staticmethod
    def _should_retry(request: httpx.Request, response: httpx.Response, token: str) -> bool:
        """A 401 for our token: the reply came from the request we sent (httpx
        follows redirects inside the flow and drops the token when one leaves
        the origin; a 401 from there says nothing about our token)."""
        return (
            response.status_code == 401
            and response.request.url == request.url
            and _carries(response.request.headers, token)
        )

    async def _access_token(self) -> str:
        if _asyncio_running():
            return await self.manager.access_token_async()
        return await _in_thread(self.manager.access_token)

    async def _replace_rejected(self, token: str) -> str:
        if _asyncio_running():
            return await self.manager.replace_rejected_token_async(token)
        return await _in_thread(lambda: self.manager.replace_rejected_token(token))


def _asyncio_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _in_thread(call: Callable[[], str]) -> str:
    import anyio.to_thread  # httpx's own dependency

    return await anyio.to_thread.run_sync(call)
