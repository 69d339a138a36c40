"""Fixtures: the official stripe SDK over real HTTP against localstripe in this process.

* ``local_stripe`` (session): the running `LocalStripe` (see stripe_server.py); its ``url``
  is http://127.0.0.1:PORT. Use ``stripe_api`` in tests, which also wipes it.
* ``stripe_api`` (function): wipes localstripe (objects, idempotency keys, registered
  webhooks, pending deliveries), points the module-level SDK at it (``stripe.api_key``,
  ``stripe.api_base`` and the other bases, ``stripe.max_network_retries = 0``, a plain
  requests client) and restores the previous settings after the test. Yields a
  `StripeTestAPI`: ``.server``, ``.url``, ``.api_key`` and ``.client`` (a ``StripeClient``
  configured the same way, for code that takes a client).
* ``stripe_webhooks`` (function): a `WebhookReceiver` on 127.0.0.1 registered with
  localstripe; ``.wait_for("payment_intent.succeeded", id=...)`` returns the raw delivery
  (payload bytes + Stripe-Signature), ``.secret`` verifies it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import stripe

from tests.payments.fixtures import approved, make_journey  # noqa: F401 - shared fixtures
from tests.payments.stripe_server import (
    TEST_API_KEY,
    LocalStripe,
    WebhookReceiver,
    make_http_client,
    stripe_module_configured,
)


@dataclass(frozen=True)
class StripeTestAPI:
    server: LocalStripe
    url: str
    api_key: str
    client: stripe.StripeClient


@pytest.fixture(scope="session")
def local_stripe() -> Iterator[LocalStripe]:
    """localstripe (with the TEST-ONLY Connect stand-in) on 127.0.0.1, once per session."""
    server = LocalStripe().start()
    yield server
    server.stop()


@pytest.fixture
def stripe_api(local_stripe: LocalStripe) -> Iterator[StripeTestAPI]:
    """A wiped localstripe and the stripe SDK pointed at it for this test."""
    local_stripe.reset()
    http_client = make_http_client()
    with stripe_module_configured(local_stripe.url, TEST_API_KEY):
        yield StripeTestAPI(
            server=local_stripe,
            url=local_stripe.url,
            api_key=TEST_API_KEY,
            client=local_stripe.client(TEST_API_KEY, http_client=http_client),
        )
    http_client.close()


@pytest.fixture
def stripe_webhooks(stripe_api: StripeTestAPI) -> Iterator[WebhookReceiver]:
    """Records every webhook localstripe sends during the test."""
    receiver = WebhookReceiver()
    stripe_api.server.register_webhook("test-receiver", receiver.url, receiver.secret)
    yield receiver
    receiver.close()
