"""The claims journey fixture, for a claim whose invoice is uploaded on one instance."""

from tests.claims.conftest import make_journey  # noqa: F401 - a fixture
