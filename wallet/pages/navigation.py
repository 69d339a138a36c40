"""The header's navigation: a few top-level items per role, the rest grouped under them.

A fund administrator reaches some fourteen pages; shown side by side they fill two lines on a
desktop and most of a phone's screen. Here they are grouped once, in Python, so the header
template only draws what this module decides and a test can check every link resolves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from wallet.accounts.models import Role


@dataclass(frozen=True)
class Link:
    """One page in the menu: its label and the endpoint it points to."""

    label: str
    endpoint: str


@dataclass(frozen=True)
class Item:
    """A top-level menu item: one link, or a group of links under a disclosure button."""

    label: str
    links: tuple[Link, ...] = field(default_factory=tuple)

    @property
    def is_group(self) -> bool:
        return len(self.links) > 1

    def holds(self, endpoint: str | None) -> bool:
        """Whether the page being shown is one of this item's links."""
        return any(link.endpoint == endpoint for link in self.links)


def _one(label, endpoint: str) -> Item:
    return Item(label, (Link(label, endpoint),))


START = _one(_l("Start"), "home.index")
COURSES = _one(_l("Courses"), "catalogue.search_page")
HOW_IT_WORKS = _one(_l("How it works"), "pages.how_it_works")

_MENUS: dict[Role, tuple[Item, ...]] = {
    Role.WORKER: (
        START,
        COURSES,
        _one(_l("My applications"), "applications.mine"),
        _one(_l("My budget"), "grants.statement"),
    ),
    Role.PROVIDER_STAFF: (
        START,
        _one(_l("Applications"), "applications.queue"),
        _one(_l("Claims"), "claims.provider_claims"),
        _one(_l("Your courses"), "catalogue.provider_courses"),
        Item(
            _l("Organisation"),
            (
                Link(_l("Organisation details"), "catalogue.organisation"),
                Link(_l("Payments"), "online.provider_stripe"),
                Link(_l("Bank details"), "bankdetails.mine"),
                Link(_l("API tokens"), "accounts.api_tokens"),
            ),
        ),
    ),
    Role.EMPLOYER_STAFF: (
        START,
        _one(_l("Applications"), "placements.applications"),
        Item(
            _l("Organisation"),
            (
                Link(_l("Organisation details"), "employers.organisation"),
                Link(_l("Bank details"), "bankdetails.mine"),
            ),
        ),
    ),
    Role.BROKER: (
        START,
        _one(_l("Add an employer"), "brokers.add_employer"),
        COURSES,
    ),
    Role.FUND_ADMIN: (
        START,
        Item(
            _l("To review"),
            (
                Link(_l("Claims to review"), "claims.queue"),
                Link(_l("Employer applications"), "fund_placements.queue"),
                Link(_l("Reimbursements"), "reimbursements.queue"),
                Link(_l("Held budgets"), "verification.queue"),
                Link(_l("Training providers"), "catalogue.moderation"),
                Link(_l("New IBANs"), "bankdetails.queue"),
            ),
        ),
        Item(
            _l("Money"),
            (
                Link(_l("Payouts"), "payments.index"),
                Link(_l("Bank details"), "bankdetails.mine"),
                Link(_l("Period report"), "reports.period"),
            ),
        ),
        Item(
            _l("Placements"),
            (
                Link(_l("Placements"), "fund_placements.placements"),
                Link(_l("Labour brokers"), "brokers.team"),
            ),
        ),
        _one(_l("Audit"), "audit.index"),
    ),
    Role.PLATFORM_ADMIN: (
        START,
        Item(
            _l("To review"),
            (
                Link(_l("Training providers"), "catalogue.moderation"),
                Link(_l("Employers"), "employers.moderation"),
                Link(_l("New IBANs"), "bankdetails.queue"),
            ),
        ),
        Item(
            _l("Administration"),
            (
                Link(_l("Users"), "useradmin.users"),
                Link(_l("Funds"), "useradmin.fund_list"),
                Link(_l("Outbox"), "notifications.outbox"),
            ),
        ),
        _one(_l("Audit"), "audit.index"),
    ),
}

VISITOR_MENU: tuple[Item, ...] = (START, COURSES, HOW_IT_WORKS)

# The signed-in person's own pages, at the right of the header (in the menu on a phone).
ACCOUNT_LINKS: tuple[Link, ...] = (
    Link(_l("Messages"), "notifications.messages"),
    Link(_l("Your account"), "accounts.account"),
)


def menu_for(role: Role | None) -> tuple[Item, ...]:
    """The top-level items of the header for a role; a visitor (None) gets the public ones."""
    if role is None:
        return VISITOR_MENU
    return _MENUS[role]
