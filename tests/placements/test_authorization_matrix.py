"""Who may open what of employer applications, placements and reimbursement claims, in the
pages and the API: employer A never sees employer B's persons or claims, a broker only their
own fund's caseload, a provider or a worker nothing of it. Others' objects answer 404 (they
do not exist for them), pages of another role 403."""

from __future__ import annotations

import pytest

from tests.claims.conftest import pdf
from tests.placements.conftest import person
from wallet.accounts.models import Role, User
from wallet.core.db import session
from wallet.placements import reimbursements, review, services

ACTORS = (
    "own_employer",
    "other_employer",
    "own_broker",
    "other_broker",
    "own_admin",
    "other_admin",
    "provider",
    "worker",
)


def _answers(**given) -> dict[str, int]:
    """Every actor not named gets 403 (a page or endpoint of another role)."""
    return {actor: given.get(actor, 403) for actor in ACTORS}


def _matrix(aid: int, pid: int, cid: int) -> list[tuple[str, dict[str, int]]]:
    return [
        (
            f"/employer/applications/{aid}",
            _answers(own_employer=200, other_employer=404, own_broker=200, other_broker=404),
        ),
        (
            f"/placements/{pid}",
            _answers(own_employer=200, other_employer=404, own_broker=200, other_broker=404),
        ),
        (f"/fund/employer-applications/{aid}", _answers(own_admin=200, other_admin=404)),
        (f"/fund/reimbursements/{cid}", _answers(own_admin=200, other_admin=404)),
        (
            f"/reimbursements/{cid}/files/invoice",
            _answers(own_employer=200, other_employer=404, own_admin=200, other_admin=404),
        ),
        (
            f"/api/v1/employer/applications/{aid}",
            _answers(own_employer=200, other_employer=404, own_broker=200, other_broker=404),
        ),
        (
            f"/api/v1/employer/reimbursement-claims/{cid}",
            _answers(own_employer=200, other_employer=404),
        ),
    ]


@pytest.fixture
def world(app, scene, make_staff, make_worker, login, api_headers):
    """A sent, approved application of DTAB with a reimbursement claim waiting, and one
    client (logged in) and one API header per actor."""
    others = {
        "other_broker": make_staff(Role.BROKER),
        "other_admin": make_staff(Role.FUND_ADMIN),
        "worker": make_worker(),
    }
    with app.app_context():
        dtab = session.get(User, scene.dtab.id)
        application = services.compose_application(
            dtab,
            dtab.employer_id,
            scene.scheme.id,
            [person(provider_id=scene.provider.provider_id)],
        )
        services.submit_application(dtab, application.id)
        placement_id = application.placements[0].id
        review.review(placement_id, "approve", actor=session.get(User, scene.admin.id))
        document = pdf()
        claim = reimbursements.submit(
            dtab,
            placement_id,
            reimbursements.ReimbursementInput(
                part="first",
                invoice_number="F-1",
                invoice_date=application.submitted_on,
                invoice_cents=800_000,
                eligible_cents=800_000,
                invoice_pdf=document,
                payment_proof_pdf=document,
                employment_proof_pdf=document,
            ),
        )
        ids = application.id, placement_id, claim.id
    users = {
        "own_employer": scene.dtab,
        "other_employer": scene.other,
        "own_broker": scene.broker,
        "own_admin": scene.admin,
        "provider": scene.provider,
        **others,
    }
    clients = {}
    for actor, user in users.items():
        clients[actor] = app.test_client()
        login(clients[actor], user)
    headers = {
        actor: api_headers(user) for actor, user in users.items() if user.role != Role.WORKER
    }
    return ids, clients, headers


def test_every_actor_gets_what_the_matrix_says(world):
    (aid, pid, cid), clients, headers = world
    wrong = []
    for path, answers in _matrix(aid, pid, cid):
        for actor, expected in answers.items():
            if path.startswith("/api/"):
                if actor not in headers:  # workers make no API tokens
                    continue
                got = clients[actor].get(path, headers=headers[actor]).status_code
            else:
                got = clients[actor].get(path).status_code
            if got != expected:
                wrong.append((path, actor, expected, got))
    assert wrong == []
