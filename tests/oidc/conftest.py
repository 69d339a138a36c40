"""Fixtures of the identity-provider tests (defined in tests/oidc/flow.py)."""

from tests.oidc import flow

start_provider = flow.start_provider
provider = flow.provider
make_oidc_app = flow.make_oidc_app
oidc_client = flow.oidc_client
