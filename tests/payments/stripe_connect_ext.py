"""TEST-ONLY STAND-IN: Stripe Connect endpoints and Idempotency-Key for localstripe.

    !!! THIS IS NOT STRIPE AND NOT PART OF THE APPLICATION. !!!

localstripe (the fake Stripe server the tests run against) has no Stripe Connect endpoints
at all (no accounts, no account links, no transfers) and ignores the Idempotency-Key header.
This module was written for the Leerwallet tests to fill exactly that gap. It mimics only
the subset of Stripe's API that the app uses, in the shape Stripe documents it, so that the
official `stripe` SDK can talk to it over HTTP. It is not a complete or authoritative model
of Stripe: when the app needs more, add it here, and check the real behaviour against
Stripe's test mode before relying on a detail.

What it adds to localstripe's aiohttp app (see `install`):

* ``POST /v1/accounts`` (type, country, email, capabilities, business_profile, business_type,
  default_currency, metadata), ``GET /v1/accounts/{id}``.
* ``POST /v1/account_links`` (account, refresh_url, return_url, type) returning a URL on this
  server: ``GET /_test/onboarding/{acct}`` shows a page whose button completes onboarding
  and redirects to the link's return_url (for browser tests).
* ``POST /_test/accounts/{id}/complete``: test helper, marks the account onboarded
  (details_submitted, charges_enabled, payouts_enabled, capabilities active) and sends a
  signed ``account.updated`` webhook through localstripe's own webhook sender. Optional form
  fields ``details_submitted``, ``charges_enabled``, ``payouts_enabled`` (true/false) allow a
  partial onboarding.
* ``POST /v1/transfers`` (amount, currency, destination, transfer_group, metadata,
  description, source_transaction), ``GET /v1/transfers/{id}``, ``GET /v1/transfers`` with
  transfer_group, destination, limit and starting_after. A transfer sends ``transfer.created``.
  Like Stripe, a transfer needs a destination whose ``transfers`` capability is active (that
  is: the account was requested with capabilities[transfers][requested]=true and completed).
  No balance check: localstripe's balance is fixed.
* Unknown ``/v1/`` URLs answer Stripe's JSON 404 (the SDK raises InvalidRequestError),
  where localstripe answered a plain-text 404 (the SDK raised APIError).
* Idempotency-Key on every ``POST /v1/...`` (the extension's and localstripe's own): per API
  key, the same key with the same parameters replays the first response (same status, same
  body, header ``Idempotent-Replayed: true``) without doing anything again; the same key with
  other parameters or on another endpoint is a 400 ``idempotency_error``; a key still in use
  by a running request is a 409. As at Stripe, only responses of requests that were executed
  are saved (2xx and 402); a 400 for invalid parameters is not, so it may be retried.
  The saved keys live in localstripe's store, so ``DELETE /_config/data`` wipes them too.

Paths under ``/_test/`` are reachable without an API key (localstripe's auth middleware is
bypassed for them) because a browser follows the onboarding link.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import time
import warnings
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from localstripe import resources as ls_resources
from localstripe.errors import UserError
from localstripe.resources import Event, List, StripeObject, random_id, store

with warnings.catch_warnings():
    # Importing localstripe's server registers plain functions as aiohttp handlers, which
    # aiohttp deprecates (stripe_server.build_app wraps them for the app actually served).
    warnings.filterwarnings("ignore", "Bare functions are deprecated", DeprecationWarning)
    from localstripe import server as localstripe_server

INSTALLED = web.AppKey("leerwallet_stripe_connect_ext_installed", bool)
_IN_FLIGHT = web.AppKey("leerwallet_idempotency_in_flight", set)

ACCOUNT_TYPES = ("express", "standard", "custom")
ACCOUNT_LINK_TYPES = ("account_onboarding", "account_update")
ACCOUNT_LINK_LIFETIME = 300  # seconds, as at Stripe
MAX_IDEMPOTENCY_KEY_LENGTH = 255
INITIAL_REQUIREMENTS = ("business_type", "external_account", "tos_acceptance.date")
TRANSFER_CAPABILITY_MESSAGE = (
    "Your destination account needs to have at least one of the following capabilities "
    "enabled: transfers, crypto_transfers, legacy_payments"
)


def _json(data: Any, status: int = 200) -> web.Response:
    """JSON as localstripe answers it."""
    return localstripe_server.json_response(data, status=status)


# --- errors in Stripe's shape -------------------------------------------------------------


def _invalid(message: str, *, param: str | None = None, code: str | None = None, status=400):
    """A Stripe-style ``invalid_request_error`` (localstripe's middleware renders it)."""
    contents: dict[str, Any] = {}
    if param is not None:
        contents["param"] = param
    if code is not None:
        contents["code"] = code
    return UserError(status, message, contents)


def _reject_unknown(data: dict, allowed: tuple[str, ...]) -> None:
    for key in data:
        if key not in allowed:
            raise _invalid(f"Received unknown parameter: {key}", param=key)


def _require(value: Any, param: str) -> None:
    if value is None or value == "":
        raise _invalid(f"Missing required param: {param}.", param=param)


def _bool(value: Any, param: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _invalid(f"Invalid boolean: {value}", param=param)


def _positive_int(value: Any, param: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0 or str(value).strip() != str(number):
        raise _invalid("This value must be greater than or equal to 1.", param=param)
    return number


def _metadata(value: Any) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise _invalid("Invalid object", param="metadata")
    return {str(k): str(v) for k, v in value.items()}


async def _form(request: web.Request) -> dict:
    """The POST parameters, decoded the way localstripe decodes them (nested brackets)."""
    data = await localstripe_server.get_post_data(request)
    return dict(data) if data else {}


def _query(request: web.Request) -> dict:
    return dict(localstripe_server.unflatten_data(request.query)) if request.query else {}


def _expand(data: dict) -> list[str] | None:
    expand = data.pop("expand", None)
    if expand is not None and not isinstance(expand, list):
        raise _invalid("Invalid array", param="expand")
    return expand


# --- objects ------------------------------------------------------------------------------
# They subclass localstripe's StripeObject, so they live in localstripe's store (wiped by
# DELETE /_config/data), get ids like localstripe's, and can be expanded
# (e.g. expand[]=destination on a transfer). Public attributes are exported as JSON, so every
# method here starts with an underscore, as in localstripe.


class Account(StripeObject):
    """A connected account (``acct_...``)."""

    object = "account"
    _id_prefix = "acct_"
    _create_params = (
        "type",
        "country",
        "email",
        "capabilities",
        "business_profile",
        "business_type",
        "default_currency",
        "metadata",
    )

    def __init__(self, **data):
        _reject_unknown(data, self._create_params)
        account_type = data.get("type")
        _require(account_type, "type")
        if account_type not in ACCOUNT_TYPES:
            raise _invalid(f"Invalid type: must be one of {', '.join(ACCOUNT_TYPES)}", param="type")
        country = data.get("country") or "NL"
        if not isinstance(country, str) or len(country) != 2:
            raise _invalid(f"Country '{country}' is unknown.", param="country")
        email = data.get("email")
        if email is not None and not isinstance(email, str):
            raise _invalid("Invalid string", param="email")
        business_profile = data.get("business_profile") or {}
        if not isinstance(business_profile, dict):
            raise _invalid("Invalid object", param="business_profile")
        requested = data.get("capabilities") or {}
        if not isinstance(requested, dict):
            raise _invalid("Invalid object", param="capabilities")
        capabilities = {}
        for name, options in requested.items():
            if not isinstance(options, dict) or "requested" not in options:
                raise _invalid(
                    f"Missing required param: capabilities[{name}][requested].",
                    param=f"capabilities[{name}][requested]",
                )
            if _bool(options["requested"], f"capabilities[{name}][requested]"):
                capabilities[name] = "inactive"
        metadata = _metadata(data.get("metadata"))

        # All exceptions must be raised before this point (StripeObject stores the object).
        super().__init__()

        self.type = account_type
        self.country = country.upper()
        self.email = email
        self.business_type = data.get("business_type")
        self.business_profile = {
            "mcc": None,
            "name": None,
            "product_description": None,
            "support_email": None,
            "url": None,
            **business_profile,
        }
        self.capabilities = capabilities
        self.charges_enabled = False
        self.payouts_enabled = False
        self.details_submitted = False
        self.default_currency = (data.get("default_currency") or "eur").lower()
        self.metadata = metadata
        self.requirements = {
            "currently_due": list(INITIAL_REQUIREMENTS),
            "eventually_due": list(INITIAL_REQUIREMENTS),
            "past_due": list(INITIAL_REQUIREMENTS),
            "pending_verification": [],
            "disabled_reason": "requirements.past_due",
            "current_deadline": None,
            "errors": [],
        }
        self._onboarding: dict[str, str] = {}

    @classmethod
    def _api_retrieve(cls, id, param="id"):
        obj = store.get(f"{cls.object}:{id}")
        if obj is None:
            raise _invalid(
                f"No such account: '{id}'", param=param, code="resource_missing", status=404
            )
        return obj

    def _complete(
        self, *, details_submitted=True, charges_enabled=True, payouts_enabled=True
    ) -> Event:
        """Onboarding done: flags set, capabilities activated, ``account.updated`` sent."""
        previous = {
            "details_submitted": self.details_submitted,
            "charges_enabled": self.charges_enabled,
            "payouts_enabled": self.payouts_enabled,
            "capabilities": dict(self.capabilities),
            "requirements": dict(self.requirements),
        }
        self.details_submitted = details_submitted
        self.charges_enabled = charges_enabled
        self.payouts_enabled = payouts_enabled
        status = "active" if payouts_enabled else ("pending" if details_submitted else "inactive")
        self.capabilities = dict.fromkeys(self.capabilities, status)
        due = [] if details_submitted else list(INITIAL_REQUIREMENTS)
        disabled = None
        if not details_submitted:
            disabled = "requirements.past_due"
        elif not (charges_enabled and payouts_enabled):
            disabled = "requirements.pending_verification"
        self.requirements = {
            **self.requirements,
            "currently_due": due,
            "eventually_due": due,
            "past_due": due,
            "disabled_reason": disabled,
        }
        event = Event("account.updated", self)
        # Connect events name the connected account they are about.
        event.account = self.id
        event.data["previous_attributes"] = previous
        # Looked up on the module at call time: the harness may wrap localstripe's sender.
        ls_resources.schedule_webhook(event)
        return event


class Transfer(StripeObject):
    """A transfer from the platform balance to a connected account (``tr_...``)."""

    object = "transfer"
    _id_prefix = "tr_"
    _create_params = (
        "amount",
        "currency",
        "destination",
        "description",
        "metadata",
        "transfer_group",
        "source_transaction",
    )

    def __init__(self, **data):
        _reject_unknown(data, self._create_params)
        _require(data.get("amount"), "amount")
        amount = _positive_int(data["amount"], "amount")
        currency = data.get("currency")
        _require(currency, "currency")
        if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
            raise _invalid(f"Invalid currency: {currency}", param="currency")
        destination = data.get("destination")
        _require(destination, "destination")
        account = store.get(f"account:{destination}")
        if account is None:
            raise _invalid(f"No such destination: '{destination}'", param="destination")
        if account.capabilities.get("transfers") != "active":
            raise _invalid(
                TRANSFER_CAPABILITY_MESSAGE,
                param="destination",
                code="insufficient_capabilities_for_transfer",
            )
        metadata = _metadata(data.get("metadata"))

        # All exceptions must be raised before this point (StripeObject stores the object).
        super().__init__()

        self.amount = amount
        self.amount_reversed = 0
        self.balance_transaction = None
        self.currency = currency.lower()
        self.description = data.get("description")
        self.destination = destination
        self.destination_payment = "py_" + random_id(24)
        self.metadata = metadata
        self.reversals = {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/transfers/{self.id}/reversals",
        }
        self.reversed = False
        self.source_transaction = data.get("source_transaction")
        self.source_type = "card"
        self.transfer_group = data.get("transfer_group")

        ls_resources.schedule_webhook(Event("transfer.created", self))

    @classmethod
    def _api_retrieve(cls, id):
        obj = store.get(f"{cls.object}:{id}")
        if obj is None:
            raise _invalid(
                f"No such transfer: '{id}'", param="id", code="resource_missing", status=404
            )
        return obj

    @classmethod
    def _api_list_all(cls, url, **params):
        _reject_unknown(params, ("destination", "transfer_group", "limit", "starting_after"))
        limit = params.get("limit")
        if limit is not None:
            limit = _positive_int(limit, "limit")
            if limit > 100:
                raise _invalid("This value must be less than or equal to 100.", param="limit")
        found = List(url, limit=limit, starting_after=params.get("starting_after"))
        # Newest first, as Stripe lists them (the store keeps insertion order).
        transfers = [obj for key, obj in reversed(store.items()) if key.startswith("transfer:")]
        if params.get("destination") is not None:
            transfers = [t for t in transfers if t.destination == params["destination"]]
        if params.get("transfer_group") is not None:
            transfers = [t for t in transfers if t.transfer_group == params["transfer_group"]]
        found._list = transfers
        return found


# --- handlers -----------------------------------------------------------------------------


async def create_account(request: web.Request) -> web.Response:
    data = await _form(request)
    expand = _expand(data)
    return _json(Account(**data)._export(expand=expand))


async def retrieve_account(request: web.Request) -> web.Response:
    data = _query(request)
    expand = _expand(data)
    return _json(Account._api_retrieve(request.match_info["id"])._export(expand=expand))


async def create_account_link(request: web.Request) -> web.Response:
    data = await _form(request)
    _expand(data)
    _reject_unknown(data, ("account", "refresh_url", "return_url", "type", "collect"))
    for param in ("account", "type"):
        _require(data.get(param), param)
    if data["type"] not in ACCOUNT_LINK_TYPES:
        raise _invalid(
            f"Invalid type: must be one of {', '.join(ACCOUNT_LINK_TYPES)}", param="type"
        )
    for param in ("refresh_url", "return_url"):
        _require(data.get(param), param)
        if not str(data[param]).startswith(("http://", "https://")):
            raise _invalid("Not a valid URL", param=param)
    account = Account._api_retrieve(data["account"], param="account")
    account._onboarding = {"refresh_url": data["refresh_url"], "return_url": data["return_url"]}
    created = int(time.time())
    origin = str(request.url.origin())
    return _json(
        {
            "object": "account_link",
            "created": created,
            "expires_at": created + ACCOUNT_LINK_LIFETIME,
            "url": f"{origin}/_test/onboarding/{account.id}",
        }
    )


async def complete_account(request: web.Request) -> web.Response:
    """Test helper: onboarding finished (``account.updated`` is sent)."""
    data = await _form(request)
    flags = ("details_submitted", "charges_enabled", "payouts_enabled")
    _reject_unknown(data, flags)
    account = Account._api_retrieve(request.match_info["id"])
    account._complete(**{flag: _bool(data[flag], flag) for flag in flags if flag in data})
    return _json(account._export())


async def onboarding_page(request: web.Request) -> web.Response:
    """What the account link opens: a page with one button, for browser tests."""
    account = Account._api_retrieve(request.match_info["id"])
    email = html.escape(account.email or account.id)
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Test onboarding (localstripe stand-in)</title></head><body><main>"
        "<h1>Test onboarding (localstripe stand-in, not Stripe)</h1>"
        f"<p>Connected account {html.escape(account.id)} ({email})</p>"
        "<form method='post'><button type='submit'>Complete onboarding</button></form>"
        "</main></body></html>"
    )
    return web.Response(text=body, content_type="text/html")


async def submit_onboarding(request: web.Request) -> web.StreamResponse:
    account = Account._api_retrieve(request.match_info["id"])
    account._complete()
    return_url = account._onboarding.get("return_url")
    if return_url:
        raise web.HTTPSeeOther(location=return_url)
    return web.Response(text="Onboarding complete.", content_type="text/plain")


async def create_transfer(request: web.Request) -> web.Response:
    data = await _form(request)
    expand = _expand(data)
    return _json(Transfer(**data)._export(expand=expand))


async def retrieve_transfer(request: web.Request) -> web.Response:
    data = _query(request)
    expand = _expand(data)
    return _json(Transfer._api_retrieve(request.match_info["id"])._export(expand=expand))


async def list_transfers(request: web.Request) -> web.Response:
    data = _query(request)
    expand = _expand(data)
    return _json(Transfer._api_list_all("/v1/transfers", **data)._export(expand=expand))


# --- Idempotency-Key ----------------------------------------------------------------------


def _api_key(request: web.Request) -> str | None:
    """The secret key of the request (Bearer or Basic), as localstripe reads it."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer":
        key = value.strip()
    elif scheme == "Basic":
        try:
            key = base64.b64decode(value).decode("utf-8").split(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return None
    else:
        return None
    return key if key.startswith("sk_") and len(key) > 5 else None


async def _fingerprint(request: web.Request) -> str:
    """A digest of the request's parameters, independent of their order."""
    body = await request.read()  # aiohttp keeps it: the handler reads it again
    params: Any
    if request.content_type == "application/json":
        try:
            params = json.dumps(json.loads(body or b"null"), sort_keys=True)
        except ValueError:
            params = body.hex()
    else:
        params = sorted(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    query = sorted(request.query.items())
    return hashlib.sha256(json.dumps([params, query]).encode()).hexdigest()


def _idempotency_error(message: str, status: int = 400, code: str | None = None) -> web.Response:
    error: dict[str, Any] = {"type": "idempotency_error", "message": message}
    if code is not None:
        error["code"] = code
    return _json({"error": error}, status=status)


def _saved(status: int) -> bool:
    """Stripe saves the result once the endpoint ran: successes and card declines."""
    return status < 400 or status == 402


@web.middleware
async def stand_in_middleware(request: web.Request, handler):
    """Idempotency-Key for POST /v1/...; /_test/ paths skip the auth; Stripe-style 404s."""
    if request.path.startswith("/_test/"):
        try:
            return await request.match_info.handler(request)
        except UserError as e:
            return e.to_response()
    try:
        return await _idempotent(request, handler)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        if not request.path.startswith("/v1/"):
            raise
        # Stripe answers JSON, so the SDK raises InvalidRequestError naming the URL (not
        # an APIError about an invalid body): the endpoint is missing in localstripe.
        return _invalid(
            f"Unrecognized request URL ({request.method}: {request.path}). "
            "(localstripe and the test stand-in do not implement it.)",
            status=404,
        ).to_response()


async def _idempotent(request: web.Request, handler) -> web.StreamResponse:
    """Stripe's Idempotency-Key semantics (see the module docstring)."""
    key = request.headers.get("Idempotency-Key")
    api_key = _api_key(request)
    if request.method != "POST" or not key or not request.path.startswith("/v1/") or not api_key:
        return await handler(request)
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        return _invalid(
            f"Invalid idempotency key: must be at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters",
        ).to_response()

    scope = hashlib.sha256(api_key.encode()).hexdigest()[:16]
    slot = f"idempotency:{scope}:{key}"
    fingerprint = await _fingerprint(request)
    saved = store.get(slot)
    if saved is not None:
        if saved["path"] != request.path:
            return _idempotency_error(
                "Keys for idempotent requests can only be used for the same endpoint they were "
                f"first used for ('{saved['path']}' vs '{request.path}'). Try using a key other "
                f"than '{key}' if you meant to execute a different request."
            )
        if saved["fingerprint"] != fingerprint:
            return _idempotency_error(
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request."
            )
        replay = web.Response(
            body=saved["body"],
            status=saved["status"],
            content_type=saved["content_type"],
            charset=saved["charset"],
        )
        replay.headers["Idempotency-Key"] = key
        replay.headers["Idempotent-Replayed"] = "true"
        return replay

    in_flight = request.app[_IN_FLIGHT]
    if slot in in_flight:
        return _idempotency_error(
            "There is currently another in-progress request using this Idempotent Key (that "
            "probably means you submitted twice, and the other request is still going "
            f"through): {key}. Please try again later.",
            status=409,
            code="idempotency_key_in_use",
        )
    in_flight.add(slot)
    try:
        response = await handler(request)
    finally:
        in_flight.discard(slot)

    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        if _saved(response.status):
            store[slot] = {
                "path": request.path,
                "fingerprint": fingerprint,
                "status": response.status,
                "body": response.body,
                "content_type": response.content_type,
                "charset": response.charset,
            }
        response.headers["Idempotency-Key"] = key
    return response


# --- mounting -----------------------------------------------------------------------------


def install(app: web.Application) -> web.Application:
    """Add the stand-in's routes and the idempotency middleware to localstripe's app.

    Call it before the app is started (aiohttp freezes routes and middlewares then).
    Installing twice is a no-op.
    """
    if app.get(INSTALLED):
        return app
    if app.frozen or app.pre_frozen:
        raise RuntimeError("install() must be called before the aiohttp app is started")
    app[INSTALLED] = True
    app[_IN_FLIGHT] = set()
    # First in the list = outermost: it sees localstripe's error responses as responses.
    app.middlewares.insert(0, stand_in_middleware)
    router = app.router
    router.add_post("/v1/accounts", create_account)
    router.add_get("/v1/accounts/{id}", retrieve_account)
    router.add_post("/v1/account_links", create_account_link)
    router.add_post("/v1/transfers", create_transfer)
    router.add_get("/v1/transfers", list_transfers)
    router.add_get("/v1/transfers/{id}", retrieve_transfer)
    router.add_post("/_test/accounts/{id}/complete", complete_account)
    router.add_get("/_test/onboarding/{id}", onboarding_page)
    router.add_post("/_test/onboarding/{id}", submit_onboarding)
    return app
