"""localstripe inside the pytest process, for tests that use the official `stripe` SDK.

`LocalStripe` serves localstripe's aiohttp app (plus the TEST-ONLY Connect stand-in of
`stripe_connect_ext`) on 127.0.0.1 with an `AppRunner` and a `TCPSite` on port 0, in a
daemon thread with its own event loop. localstripe's command line is not used: it binds
every interface and reloads /tmp/localstripe.pickle.

localstripe keeps its state in module globals (one `store`, one webhook registry), so only
one `LocalStripe` may run per process. While it runs:

* the store is never written to /tmp/localstripe.pickle (nor read from it): saving is
  switched off, or goes to `persist_path` if one is given;
* background work localstripe schedules (webhook deliveries, each sent 1 s after the event,
  and SEPA debits settling after 0.5 s) is tracked, so `reset()` cancels what an earlier test
  left pending and `drain()` waits for it.

The app is a fresh `web.Application` with localstripe's routes, middlewares and CORS hook
copied from `localstripe.server.app`: the module-level app binds itself to the first event
loop that runs it, so it could not be started again after `stop()`.

`stripe_module_configured()` points the SDK's module-level configuration at the server and
restores it afterwards; `LocalStripe.client()` makes an equivalent `stripe.StripeClient`.
`WebhookReceiver` is a tiny HTTP server that records the webhooks localstripe sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.client
import inspect
import json
import pickle
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlencode

import localstripe.resources
import localstripe.webhooks
import stripe
from aiohttp import web

from tests.payments import stripe_connect_ext
from tests.payments.stripe_connect_ext import localstripe_server

TEST_API_KEY = "sk_test_leerwallet_localstripe"
_DEFAULT_TIMEOUT = 10.0

_active_lock = threading.Lock()
_active: LocalStripe | None = None


def build_app(*, connect_extension: bool = True) -> web.Application:
    """A new aiohttp app with localstripe's routes (and the Connect stand-in)."""
    original = localstripe_server.app
    app = web.Application(middlewares=list(original.middlewares))
    for callback in original.on_response_prepare:
        app.on_response_prepare.append(callback)
    for route in original.router.routes():
        app.router.add_route(route.method, route.resource.canonical, _as_async(route.handler))
    if connect_extension:
        stripe_connect_ext.install(app)
    return app


def _as_async(handler):
    """localstripe has plain-function handlers, which aiohttp deprecates: wrap them."""
    if inspect.iscoroutinefunction(handler):
        return handler

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        return handler(request)

    return wrapped


class _TrackingAsyncio:
    """Stands in for the `asyncio` module inside localstripe: remembers what it schedules."""

    def __init__(self, tasks: set[asyncio.Future]):
        self._tasks = tasks

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    def ensure_future(self, coro_or_future, *, loop=None):
        task = asyncio.ensure_future(coro_or_future, loop=loop)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


class LocalStripe:
    """localstripe on 127.0.0.1:<free port>, run by a background thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        connect_extension: bool = True,
        persist_path: str | None = None,
        startup_timeout: float = _DEFAULT_TIMEOUT,
    ):
        self.host = host
        self.connect_extension = connect_extension
        self.persist_path = persist_path
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._background: set[asyncio.Future] = set()
        self._patched: list[tuple[object, str, bool, Any]] = []

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT (what stripe.api_base needs)."""
        if self.port is None:
            raise RuntimeError("LocalStripe is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self.port is not None

    def start(self) -> LocalStripe:
        global _active
        with _active_lock:
            if _active is self:
                return self
            if _active is not None:
                raise RuntimeError("another LocalStripe runs in this process (shared state)")
            _active = self
        try:
            self._patch_localstripe()
            localstripe.resources.store.clear()
            localstripe.webhooks._webhooks.clear()
            app = build_app(connect_extension=self.connect_extension)
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._run_loop, name="localstripe", daemon=True)
            self._thread.start()
            self.port = self._call(self._serve(app), self.startup_timeout)
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Shut the server down, end the thread, undo the patches. Safe to call twice."""
        global _active
        try:
            if self._loop is not None and self._thread is not None and self._thread.is_alive():
                try:
                    self._call(self._shutdown(), _DEFAULT_TIMEOUT)
                finally:
                    self._loop.call_soon_threadsafe(self._loop.stop)
                    self._thread.join(_DEFAULT_TIMEOUT)
        finally:
            self._unpatch_localstripe()
            self.port = None
            self._runner = None
            self._thread = None
            self._loop = None
            with _active_lock:
                if _active is self:
                    _active = None

    def __enter__(self) -> LocalStripe:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _run_loop(self) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            if leftovers:
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _call(self, coro, timeout: float):
        """Run a coroutine on the server's loop and wait for its result."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def _serve(self, app: web.Application) -> int:
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)  # port 0: the OS picks a free one
        await site.start()
        return self._runner.addresses[0][1]

    async def _shutdown(self) -> None:
        await self._cancel_background()
        if self._runner is not None:
            await self._runner.cleanup()

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                status, _ = self._request("GET", "/_config/ping", timeout=1.0)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
            else:
                if status:  # any HTTP answer (a 404 here) means it serves
                    return

    # --- localstripe's globals ------------------------------------------------------------

    def _patch(self, target: object, name: str, value: Any) -> None:
        had = name in vars(target)
        self._patched.append((target, name, had, vars(target).get(name)))
        setattr(target, name, value)

    def _patch_localstripe(self) -> None:
        store = localstripe.resources.store
        if self.persist_path is None:
            self._patch(store, "dump_to_disk", lambda: None)
        else:
            path = self.persist_path

            def dump_to_disk() -> None:
                with open(path, "wb") as f:
                    pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)

            self._patch(store, "dump_to_disk", dump_to_disk)
        self._patch(store, "try_load_from_disk", lambda: None)
        tracking = _TrackingAsyncio(self._background)
        self._patch(localstripe.resources, "asyncio", tracking)
        self._patch(localstripe.webhooks, "asyncio", tracking)

    def _unpatch_localstripe(self) -> None:
        while self._patched:
            target, name, had, old = self._patched.pop()
            if had:
                setattr(target, name, old)
            else:
                with contextlib.suppress(AttributeError):
                    delattr(target, name)

    async def _cancel_background(self) -> None:
        pending = list(self._background)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def _forget(self) -> None:
        await self._cancel_background()
        localstripe.webhooks._webhooks.clear()

    # --- HTTP to the server ---------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        form: list[tuple[str, str]] | None = None,
        *,
        api_key: str | None = None,
        timeout: float = _DEFAULT_TIMEOUT,
    ) -> tuple[int, bytes]:
        # http.client, not urllib or requests: no proxy settings from the environment apply.
        assert self.port is not None
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            headers = {}
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            if api_key:
                headers["Authorization"] = f"Bearer {api_key}"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def _expect(self, method: str, path: str, form=None, **kwargs) -> bytes:
        status, body = self._request(method, path, form, **kwargs)
        if status >= 300:
            raise RuntimeError(f"localstripe: {method} {path} answered {status}: {body[:500]!r}")
        return body

    # --- what tests use -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: objects, idempotency keys, webhooks and pending deliveries."""
        self._call(self._forget(), _DEFAULT_TIMEOUT)
        self._expect("DELETE", "/_config/data")

    def register_webhook(
        self, name: str, url: str, secret: str, events: list[str] | None = None
    ) -> None:
        """Have localstripe POST signed events to `url` (all types, or only `events`)."""
        form = [("url", url), ("secret", secret)]
        form += [("events[]", event) for event in events or ()]
        self._expect("POST", f"/_config/webhooks/{quote(name, safe='')}", form)

    def complete_account(self, account_id: str, **flags: bool) -> dict:
        """Finish a connected account's onboarding (TEST-ONLY stand-in); sends account.updated.

        `flags` may set details_submitted, charges_enabled, payouts_enabled to False.
        """
        form = [(name, "true" if value else "false") for name, value in flags.items()]
        body = self._expect("POST", f"/_test/accounts/{quote(account_id, safe='')}/complete", form)
        return json.loads(body)

    def drain(self, timeout: float = _DEFAULT_TIMEOUT) -> None:
        """Wait until every webhook delivery (and async charge) scheduled so far is done."""

        async def wait() -> None:
            while self._background:
                await asyncio.wait(list(self._background))

        self._call(wait(), timeout)

    def client(self, api_key: str = TEST_API_KEY, **kwargs: Any) -> stripe.StripeClient:
        """A `stripe.StripeClient` talking to this server (no retries, plain HTTP client)."""
        kwargs.setdefault("max_network_retries", 0)
        kwargs.setdefault("http_client", make_http_client())
        return stripe.StripeClient(api_key, base_addresses=base_addresses(self.url), **kwargs)


# --- the SDK's configuration --------------------------------------------------------------


def base_addresses(url: str) -> dict[str, str]:
    """Every base address of the SDK on `url`: nothing can reach the real Stripe by mistake."""
    return {"api": url, "connect": url, "files": url, "meter_events": url}


def make_http_client() -> stripe.HTTPClient:
    """The SDK's requests-based client, blind to proxy variables of the environment."""
    try:
        import requests
    except ImportError:  # the SDK then falls back on urllib, which also speaks http://
        return stripe.new_default_http_client()
    session = requests.Session()
    session.trust_env = False
    return stripe.RequestsClient(session=session)


_MODULE_SETTINGS = (
    "api_key",
    "api_base",
    "connect_api_base",
    "upload_api_base",
    "meter_events_api_base",
    "max_network_retries",
    "default_http_client",
    "enable_telemetry",
)


@contextlib.contextmanager
def stripe_module_configured(url: str, api_key: str = TEST_API_KEY) -> Iterator[None]:
    """Point the module-level SDK configuration (stripe.api_key, ...) at `url`; undo after."""
    saved = {name: getattr(stripe, name) for name in _MODULE_SETTINGS}
    addresses = base_addresses(url)
    stripe.api_key = api_key
    stripe.api_base = addresses["api"]
    stripe.connect_api_base = addresses["connect"]
    stripe.upload_api_base = addresses["files"]
    stripe.meter_events_api_base = addresses["meter_events"]
    stripe.max_network_retries = 0
    http_client = make_http_client()
    stripe.default_http_client = http_client
    # Telemetry would write ~/.config/stripe/telemetry_id.
    stripe.enable_telemetry = False
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(stripe, name, value)
        http_client.close()


# --- receiving webhooks -------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One webhook as it arrived: raw body and Stripe-Signature header."""

    payload: bytes
    signature: str | None
    headers: dict[str, str]

    @property
    def event(self) -> dict:
        return json.loads(self.payload)

    @property
    def type(self) -> str:
        return self.event["type"]


@dataclass
class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records every POST (answers 200)."""

    secret: str = "whsec_test_leerwallet"
    path: str = "/stripe/webhook"
    deliveries: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                delivery = Delivery(
                    payload=self.rfile.read(length),
                    signature=self.headers.get("Stripe-Signature"),
                    headers=dict(self.headers.items()),
                )
                with receiver._arrived:
                    receiver.deliveries.append(delivery)
                    receiver._arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webhook-receiver", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def wait_for(self, event_type: str, timeout: float = _DEFAULT_TIMEOUT, **match) -> Delivery:
        """The first delivery of `event_type` whose data.object has the `match` fields."""

        def found() -> Delivery | None:
            for delivery in self.deliveries:
                if delivery.type != event_type:
                    continue
                obj = delivery.event["data"]["object"]
                if all(obj.get(k) == v for k, v in match.items()):
                    return delivery
            return None

        with self._arrived:
            if self._arrived.wait_for(found, timeout):
                result = found()
                assert result is not None
                return result
        seen = [d.type for d in self.deliveries]
        raise TimeoutError(f"no {event_type} webhook {match or ''} in {timeout}s; got {seen}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(_DEFAULT_TIMEOUT)
