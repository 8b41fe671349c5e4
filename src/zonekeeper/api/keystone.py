"""Keystone tokens, validated by keystonemiddleware's ``auth_token``: the piece every OpenStack
API puts in front of itself, configured from ``[keystone_authtoken]``.

auth_token is WSGI (webob) and synchronous; our API is ASGI. The bridge: each request's headers
become a WSGI environ (auth_token reads nothing else), auth_token runs on it in a worker thread
in front of a tiny WSGI app that only notes it was reached, and what auth_token wrote into the
environ (``X-Identity-Status``, ``X-Project-Id``, ``X-User-Id``, ``X-Roles``) becomes the
caller. Its refusals (401, 503) are re-rendered in Designate's error format, keeping its
``WWW-Authenticate: Keystone uri=...`` header. One AuthProtocol serves the whole process, with
its token cache (memcached, or one in-process cache shared by every thread), so a valid token
is validated with Keystone once per ``token_cache_time``.
"""

from __future__ import annotations

import asyncio
import io
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from time import monotonic
from typing import Any, Final

from keystoneauth1 import loading
from keystonemiddleware import auth_token
from oslo_config import cfg

from zonekeeper.api import auth
from zonekeeper.config import KeystoneAuthtokenSettings
from zonekeeper.domain import errors

GROUP: Final = "keystone_authtoken"
CACHE_KEY: Final = "zonekeeper.keystone.token_cache"
"""The environ key auth_token's ``cache`` option names: where it finds our shared cache."""
_REACHED: Final = "zonekeeper.keystone.reached"

Environ = MutableMapping[str, Any]
StartResponse = Callable[..., Any]


class SharedCache:
    """The few memcache-client calls auth_token makes (``get``, ``set``), in one dict for every
    thread. (auth_token's own in-process cache keeps a dict per pooled client, so concurrent
    requests would each validate the same token again.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any:
        with self._lock:
            expires, value = self._items.get(key, (0.0, None))
            if expires and expires <= monotonic():
                del self._items[key]
                return None
            return value

    def set(self, key: str, value: Any, time: float = 0, **_: Any) -> bool:
        """Keep ``value`` for ``time`` seconds (0: until the process ends, as memcache)."""
        with self._lock:
            self._expire()
            self._items[key] = ((time and monotonic() + time) or 0.0, value)
        return True

    def _expire(self) -> None:
        now = monotonic()
        for key in [k for k, (expires, _) in self._items.items() if expires and expires <= now]:
            del self._items[key]


class KeystoneAuthenticator:
    """Validates the X-Auth-Token of a request with Keystone (see module doc)."""

    def __init__(self, settings: KeystoneAuthtokenSettings) -> None:
        self.challenge: dict[str, str] = {}
        """auth_token's WWW-Authenticate header, for every 401."""
        self._shared_cache = None if settings.memcached_servers else SharedCache()
        local = {"oslo_config_config": oslo_conf(settings)}
        self._protocol = auth_token.AuthProtocol(_reached, local)

    async def __call__(self, scope: Mapping[str, Any]) -> auth.Caller:
        """The caller of the request ``scope``. Raises Unauthorized (no valid token),
        IdentityUnavailable (Keystone cannot be reached), or InvalidTokenScope (a token
        without a project)."""
        environ = wsgi_environ(scope)
        if self._shared_cache is not None:
            environ[CACHE_KEY] = self._shared_cache
        status, headers = await asyncio.to_thread(self._run, environ)
        if not environ.get(_REACHED):
            if status.startswith("401"):
                self.challenge = {k: v for k, v in headers if k.lower() == "www-authenticate"}
                raise errors.Unauthorized()
            raise errors.IdentityUnavailable()
        return caller_of(environ)

    def _run(self, environ: Environ) -> tuple[str, list[tuple[str, str]]]:
        """auth_token on ``environ``: the status and headers it answered with."""
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            answer[:] = [status, headers]

        body = self._protocol(environ, start_response)
        for _chunk in body:  # a WSGI answer is consumed, then closed
            pass
        getattr(body, "close", lambda: None)()
        return answer[0], answer[1]


def _reached(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """The WSGI app behind auth_token: reached only by requests with a valid token."""
    environ[_REACHED] = True
    start_response("204 No Content", [])
    return []


def caller_of(environ: Mapping[str, Any]) -> auth.Caller:
    """The caller auth_token described in ``environ``. Raises InvalidTokenScope for a
    system- or domain-scoped token: Designate's rules are all project-scoped."""
    project_id = environ.get("HTTP_X_PROJECT_ID")
    if environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed":
        raise errors.Unauthorized()
    if not project_id:
        raise errors.InvalidTokenScope()
    return auth.Caller(
        project_id=project_id,
        user_id=environ.get("HTTP_X_USER_ID", ""),
        roles=auth.parse_roles(environ.get("HTTP_X_ROLES", "")),
    )


def wsgi_environ(scope: Mapping[str, Any]) -> Environ:
    """A WSGI environ with the request line and headers of the ASGI ``scope`` and no body
    (auth_token reads only headers)."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ: Environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"],
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        key = name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def oslo_conf(settings: KeystoneAuthtokenSettings) -> cfg.ConfigOpts:
    """A private oslo.config object holding ``settings`` as auth_token's options and those of
    its auth plugin (the service user), as a ``[keystone_authtoken]`` section would."""
    conf = cfg.ConfigOpts()
    conf(args=[], project="zonekeeper", default_config_files=[], default_config_dirs=[])
    for group, options in auth_token.list_opts():
        conf.register_opts(options, group=group)
    plugin: Any = loading.get_plugin_loader(settings.auth_type)
    conf.register_opts(loading.get_auth_plugin_conf_options(plugin), group=GROUP)
    values = settings.model_dump(exclude_defaults=False)
    values["password"] = settings.password.get_secret_value()
    values["cache"] = None if settings.memcached_servers else CACHE_KEY
    for name, value in values.items():
        if value in ("", None) and name != "cache":
            continue  # unset: auth_token's own default
        conf.set_override(name, value, group=GROUP)
    return conf
