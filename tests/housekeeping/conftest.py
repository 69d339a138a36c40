"""The claims journey (a worker's application ready for invoicing), for the certificates."""

from tests.claims.conftest import make_journey  # noqa: F401 - a fixture used here too
