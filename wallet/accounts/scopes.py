"""What an API token may do: its scopes, and which scopes each role may hand to a token.

A token acts for its user, but never for more than its scopes: a read-only reporting
system cannot approve a claim even when its user could. The role still decides as well, so
the effective scopes of a token are its own scopes that its user's role allows.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from wallet.accounts.models import Role


class Scope(enum.StrEnum):
    """One kind of work a token may do through the API."""

    READ = "read"
    CLAIMS = "claims"
    PAYOUTS = "payouts"
    CATALOGUE = "catalogue"


# Short names for lists; the API itself uses the enum values.
SCOPE_NAMES = {
    Scope.READ: _l("read"),
    Scope.CLAIMS: _l("claims"),
    Scope.PAYOUTS: _l("payouts"),
    Scope.CATALOGUE: _l("catalogue"),
}

# What each scope covers, in the order the tokens page lists them. The OpenAPI document
# carries the same sentences in English.
SCOPE_LABELS = {
    Scope.READ: _l("Read: look up everything your account may see (every GET)"),
    Scope.CLAIMS: _l(
        "Claims: submit and decide on enrolments, claims, employer applications, placements "
        "and reimbursement claims"
    ),
    Scope.PAYOUTS: _l(
        "Payouts: the fund's money: deposits, schemes, grants, payout batches and bank statements"
    ),
    Scope.CATALOGUE: _l("Catalogue: import courses and course runs"),
}
SCOPE_DOCS = {
    Scope.READ: "every GET: look up what the token's user may see",
    Scope.CLAIMS: "submit and decide on enrolments, claims, employer applications, placements "
    "and reimbursement claims",
    Scope.PAYOUTS: "the fund's money: deposits, schemes, grants, payout batches and their items, "
    "bank statements",
    Scope.CATALOGUE: "import and edit the provider's courses and course runs",
}

# Which scopes a token of each role may carry: what that role can do through the API at all.
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.PROVIDER_STAFF: frozenset({Scope.READ, Scope.CLAIMS, Scope.CATALOGUE}),
    Role.EMPLOYER_STAFF: frozenset({Scope.READ, Scope.CLAIMS}),
    Role.BROKER: frozenset({Scope.READ, Scope.CLAIMS}),
    Role.FUND_ADMIN: frozenset({Scope.READ, Scope.CLAIMS, Scope.PAYOUTS}),
}


def scopes_for_role(role: Role) -> list[Scope]:
    """The scopes a token of `role` may carry, in the order of the tokens page."""
    allowed = ROLE_SCOPES.get(role, frozenset())
    return [scope for scope in Scope if scope in allowed]


def parse_scopes(stored: str) -> frozenset[Scope]:
    """The scopes of a stored, space-separated list; unknown words are ignored."""
    known = {scope.value for scope in Scope}
    return frozenset(Scope(word) for word in stored.split() if word in known)


def scope_names(stored: str) -> str:
    """A stored scope list as the reader's language names it: "lezen, declaraties"."""
    return ", ".join(str(SCOPE_NAMES[scope]) for scope in Scope if scope in parse_scopes(stored))


def format_scopes(scopes) -> str:
    """Scopes as stored: space-separated, in the fixed order of `Scope`."""
    chosen = {Scope(scope) for scope in scopes}
    return " ".join(scope.value for scope in Scope if scope in chosen)
