"""A new IBAN waits for a second person: the transition table, who may confirm, the password
asked again, every staff member told in their language, and the audit in the same
transaction as the change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.bankdetails.conftest import FUND_IBAN, NEW_IBAN, OLD_IBAN
from tests.conftest import PASSWORD
from wallet.audit.models import AuditEvent
from wallet.bankdetails import notices, services
from wallet.bankdetails.models import ACTIONS, BankAccountChange, ChangeStatus
from wallet.core.db import session
from wallet.core.errors import Conflict, Forbidden, ValidationFailed
from wallet.funds.models import Fund
from wallet.notifications.models import OutboxMessage
from wallet.providers.models import Provider

# Written out, not read from the code: a move added there by mistake fails here.
ALLOWED = {
    (ChangeStatus.PENDING, "confirm"): ChangeStatus.CONFIRMED,
    (ChangeStatus.PENDING, "reject"): ChangeStatus.REJECTED,
    (ChangeStatus.PENDING, "withdraw"): ChangeStatus.WITHDRAWN,
}


def _count(model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _iban(model, owner_id) -> str:
    session.expire_all()
    return session.get(model, owner_id).iban


@pytest.mark.parametrize(("status", "action"), [(s, a) for s in ChangeStatus for a in ACTIONS])
def test_every_move_of_the_transition_table(bank_scene, status, action):
    s = bank_scene
    change = services.request_change(s.staff, NEW_IBAN, password=PASSWORD)
    session.execute(sa.update(BankAccountChange).values(status=status))
    session.commit()
    session.expire_all()
    do = {
        "confirm": lambda: services.confirm_change(change.id, s.platform),
        "reject": lambda: services.reject_change(change.id, s.platform, reason="Onbekend"),
        "withdraw": lambda: services.withdraw_change(change.id, s.colleague),
    }[action]
    target = ALLOWED.get((status, action))
    if target is None:
        with pytest.raises(Conflict):
            do()
    else:
        do()
    session.expire_all()
    assert session.get(BankAccountChange, change.id).status == (target or status)
    expected = NEW_IBAN if target == ChangeStatus.CONFIRMED else OLD_IBAN
    assert _iban(Provider, s.provider.id) == expected


def test_the_old_iban_stays_until_a_platform_administrator_confirms(bank_scene):
    s = bank_scene
    change = services.request_change(s.staff, "nl39 rabo 0300 0652 64", password=PASSWORD)
    assert (change.iban, change.bic, change.previous_iban) == (NEW_IBAN, "RABONL2U", OLD_IBAN)
    assert _iban(Provider, s.provider.id) == OLD_IBAN
    assert services.pending_change(change.owner_kind, s.provider.id).id == change.id
    services.confirm_change(change.id, s.platform)
    session.expire_all()
    provider = session.get(Provider, s.provider.id)
    assert (provider.iban, provider.bic) == (NEW_IBAN, "RABONL2U")
    events = session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.subject_type == "provider",
            AuditEvent.action.like("%iban%") | AuditEvent.action.like("bank_change%"),
        )
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["bank_change_requested", "iban_changed"]
    assert events[1].before == {"iban": "*" * 14 + "4567"}
    assert events[1].after["iban"] == "*" * 14 + "5264"
    assert events[1].actor_id == s.platform.id


@pytest.mark.parametrize(
    ("who", "may"), [("platform", True), ("admin", False), ("staff", False), ("colleague", False)]
)
def test_a_platform_administrator_confirms_an_organisations_iban(bank_scene, who, may):
    s = bank_scene
    change = services.request_change(s.staff, NEW_IBAN, password=PASSWORD)
    if may:
        services.confirm_change(change.id, getattr(s, who))
    else:
        with pytest.raises(Forbidden):
            services.confirm_change(change.id, getattr(s, who))
    assert _iban(Provider, s.provider.id) == (NEW_IBAN if may else OLD_IBAN)


@pytest.mark.parametrize(
    ("who", "may"),
    [("other_admin", True), ("platform", True), ("admin", False), ("stranger", False)],
)
def test_a_funds_iban_is_confirmed_by_another_administrator_of_it(bank_scene, who, may):
    s = bank_scene
    change = services.request_change(s.admin, NEW_IBAN, password=PASSWORD)
    if may:
        services.reject_change(change.id, getattr(s, who), reason="Niet gebeld")
        assert session.get(BankAccountChange, change.id).status == ChangeStatus.REJECTED
    else:
        with pytest.raises(Forbidden):
            services.reject_change(change.id, getattr(s, who), reason="Niet gebeld")
        assert session.get(BankAccountChange, change.id).status == ChangeStatus.PENDING
    assert _iban(Fund, s.admin.fund_id) == FUND_IBAN


def test_the_requester_cannot_confirm_and_is_told_why(bank_scene, client, login):
    s = bank_scene
    change = services.request_change(s.admin, NEW_IBAN, password=PASSWORD)
    login(client, s.admin)
    for answer in (
        client.get(f"/admin/bank-details/{change.id}/confirm"),
        client.post(f"/admin/bank-details/{change.id}/confirm"),
    ):
        assert answer.status_code == 403
        assert "Je hebt deze wijziging zelf aangevraagd" in answer.text
        assert NEW_IBAN not in answer.text
    assert _iban(Fund, s.admin.fund_id) == FUND_IBAN


def test_a_wrong_password_changes_nothing(bank_scene, client, login):
    s = bank_scene
    with pytest.raises(ValidationFailed) as refused:
        services.request_change(s.staff, NEW_IBAN, password="not my password at all")
    assert "password" in refused.value.errors
    login(client, s.staff)
    answer = client.post("/bank-details", data={"iban": NEW_IBAN, "password": "wrong " * 3})
    assert answer.status_code == 422
    assert 'id="password-error"' in answer.text
    assert _count(BankAccountChange) == 0
    assert _count(OutboxMessage) == 0
    assert _count(AuditEvent, AuditEvent.action.like("bank_change%")) == 0
    assert _iban(Provider, s.provider.id) == OLD_IBAN


def test_every_staff_member_is_told_in_their_language(bank_scene):
    s = bank_scene
    change = services.request_change(s.staff, NEW_IBAN, password=PASSWORD)
    services.reject_change(change.id, s.platform, reason="Niet te controleren")
    columns = (
        OutboxMessage.user_id,
        OutboxMessage.topic,
        OutboxMessage.language,
        OutboxMessage.subject,
        OutboxMessage.body,
    )
    rows = session.execute(sa.select(*columns).order_by(OutboxMessage.id)).all()
    assert [(r.user_id, r.topic) for r in rows] == [
        (s.staff.id, "bank_change_requested"),
        (s.colleague.id, "bank_change_requested"),
        (s.staff.id, "bank_change_rejected"),
        (s.colleague.id, "bank_change_rejected"),
    ]
    by_user = {(r.user_id, r.topic): r for r in rows}
    assert by_user[(s.staff.id, "bank_change_requested")].subject.startswith("Nieuwe bank")
    german = by_user[(s.colleague.id, "bank_change_requested")]
    assert german.language == "de"
    assert german.subject.startswith("Neue Bankverbindung")
    assert "**************5264" in german.body
    assert NEW_IBAN not in german.body  # e-mails show IBANs masked
    assert "Niet te controleren" in by_user[(s.colleague.id, "bank_change_rejected")].body


def test_the_audit_event_and_the_notices_share_the_changes_transaction(bank_scene, monkeypatch):
    s = bank_scene
    change = services.request_change(s.staff, NEW_IBAN, password=PASSWORD)
    before = (_count(AuditEvent), _count(OutboxMessage))

    def broken(*args, **kwargs):
        raise RuntimeError("the outbox is down")

    monkeypatch.setattr(notices, "tell_staff", broken)
    with pytest.raises(RuntimeError):
        services.confirm_change(change.id, s.platform)
    with pytest.raises(RuntimeError):
        services.request_change(s.staff, "NL69INGB0123456789", password=PASSWORD)
    session.rollback()
    session.expire_all()
    assert (_count(AuditEvent), _count(OutboxMessage)) == before
    assert session.get(BankAccountChange, change.id).status == ChangeStatus.PENDING
    assert _count(BankAccountChange) == 1
    assert _iban(Provider, s.provider.id) == OLD_IBAN


def test_a_new_request_withdraws_the_one_waiting(bank_scene):
    s = bank_scene
    first = services.request_change(s.staff, NEW_IBAN, password=PASSWORD)
    second = services.request_change(s.colleague, "NL69INGB0123456789", password=PASSWORD)
    session.expire_all()
    assert session.get(BankAccountChange, first.id).status == ChangeStatus.WITHDRAWN
    assert services.pending_change(first.owner_kind, s.provider.id).id == second.id
    with pytest.raises(Conflict):  # the withdrawn one cannot be confirmed any more
        services.confirm_change(first.id, s.platform)
    requested = AuditEvent.action == "bank_change_requested"
    event = session.scalars(
        sa.select(AuditEvent).where(requested).order_by(AuditEvent.id.desc())
    ).first()
    assert event.after["replaces"] == first.id


def test_one_pending_change_per_owner_in_the_database(bank_scene):
    s = bank_scene
    change = services.request_change(s.staff, NEW_IBAN, password=PASSWORD)
    session.add(
        BankAccountChange(
            owner_kind=change.owner_kind,
            owner_id=s.provider.id,
            iban=NEW_IBAN,
            bic="RABONL2U",
            requested_by_id=s.staff.id,
            requested_at=change.requested_at,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_a_rejection_needs_a_reason_and_the_iban_in_use_cannot_be_asked_again(bank_scene):
    s = bank_scene
    with pytest.raises(ValidationFailed):
        services.request_change(s.staff, OLD_IBAN, password=PASSWORD)
    change = services.request_change(s.staff, NEW_IBAN, password=PASSWORD)
    with pytest.raises(ValidationFailed):
        services.reject_change(change.id, s.platform, reason="  ")
    assert session.get(BankAccountChange, change.id).status == ChangeStatus.PENDING


def test_staff_withdraw_their_request_on_the_page_and_nobody_else_can(bank_scene, client, login):
    s = bank_scene
    change = services.request_change(s.staff, NEW_IBAN, password=PASSWORD)
    with pytest.raises(Forbidden):  # a fund administrator is not the provider's staff
        services.withdraw_change(change.id, s.admin)
    login(client, s.colleague)
    answer = client.post("/bank-details", data={"form": "withdraw", "change": change.id})
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(BankAccountChange, change.id).status == ChangeStatus.WITHDRAWN
    assert _count(AuditEvent, AuditEvent.action == "bank_change_withdrawn") == 1
    assert _iban(Provider, s.provider.id) == OLD_IBAN


def test_two_requests_at_the_same_moment_give_a_conflict_not_two_pending(bank_scene, monkeypatch):
    s = bank_scene
    services.request_change(s.staff, NEW_IBAN, password=PASSWORD)
    # the colleague's request did not see the first one yet: as if both read at once
    monkeypatch.setattr(services, "pending_change", lambda kind, owner_id: None)
    with pytest.raises(Conflict):
        services.request_change(s.colleague, "NL69INGB0123456789", password=PASSWORD)
    session.rollback()
    assert _count(BankAccountChange, BankAccountChange.status == ChangeStatus.PENDING) == 1
