"""Use cases of providers (verification comes with the catalogue)."""

import sqlalchemy as sa

from wallet.core.db import session
from wallet.providers.models import Provider, ProviderStatus


def providers_pending_verification(limit: int = 50) -> list[Provider]:
    """Providers waiting for verification, oldest first."""
    query = (
        sa.select(Provider)
        .where(Provider.status == ProviderStatus.PENDING)
        .order_by(Provider.created_at, Provider.id)
        .limit(limit)
    )
    return list(session.scalars(query))
