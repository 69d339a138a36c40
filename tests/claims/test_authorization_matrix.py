"""Who may open and do what, for applications and claims, in the pages and the API.

Each actor meets their own objects and someone else's: others' objects answer 404 (they do not
exist for them), endpoints of another role answer 403, and nothing changes on the way.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.claims.conftest import claim_input
from wallet.accounts.models import Role
from wallet.claims import services
from wallet.claims.models import Claim, ClaimStatus
from wallet.core.db import session
from wallet.ledger.models import LedgerTransaction

ACTORS = (
    "own_worker",
    "other_worker",
    "own_staff",
    "other_staff",
    "own_admin",
    "other_admin",
    "platform_admin",
)
WORKERS, STAFF, ADMINS = ACTORS[:2], ACTORS[2:4], ACTORS[4:6]


def expect(
    own: int,
    other: int,
    *,
    role: tuple[str, ...],
    wrong_role: int = 403,
    platform: int | None = None,
) -> dict[str, int]:
    """own/other answers for the actors of `role`; every other role gets `wrong_role`."""
    answers = dict.fromkeys(ACTORS, wrong_role)
    answers.update({role[0]: own, role[1]: other})
    if platform is not None:
        answers["platform_admin"] = platform
    return answers


def page_matrix(aid: int, free_aid: int, cid: int) -> list[tuple[str, dict[str, int]]]:
    return [
        ("/applications", expect(200, 200, role=WORKERS)),
        ("/provider/applications", expect(200, 200, role=STAFF)),
        (f"/provider/applications/{free_aid}/claim", expect(200, 404, role=STAFF)),
        ("/provider/claims", expect(200, 200, role=STAFF)),
        ("/review", expect(200, 200, role=ADMINS)),
        (
            f"/claims/{cid}",
            {
                **expect(200, 404, role=STAFF),
                "own_admin": 200,
                "other_admin": 404,
                "platform_admin": 200,
            },
        ),
        (
            f"/claims/{cid}/files/invoice",
            {
                **expect(200, 404, role=STAFF),
                "own_admin": 200,
                "other_admin": 404,
                "platform_admin": 200,
            },
        ),
        (f"/claims/{cid}/resubmit", expect(200, 404, role=STAFF)),
    ]


@pytest.fixture
def world(app, make_journey, make_worker, make_provider_user, make_staff):
    """Two journeys of one provider (one claimed, one free to claim) and outsiders."""
    claimed, free = make_journey(), make_journey()
    with app.app_context():
        claim = services.submit(claimed["staff"], claimed["application"].id, claim_input())
        claim_id = claim.id
    return {
        "aid": claimed["application"].id,
        "free_aid": free["application"].id,
        "cid": claim_id,
        "users": {
            "own_worker": claimed["worker"],
            "other_worker": make_worker(),
            "own_staff": claimed["staff"],
            "other_staff": make_provider_user(),
            "own_admin": claimed["admins"][0],
            "other_admin": make_staff(Role.FUND_ADMIN),
            "platform_admin": make_staff(Role.PLATFORM_ADMIN),
        },
    }


def _state(app) -> tuple:
    with app.app_context():
        statuses = tuple(session.scalars(sa.select(Claim.status)))
        return statuses, session.scalar(sa.select(sa.func.count(LedgerTransaction.id)))


@pytest.mark.parametrize("actor", ACTORS)
def test_pages_answer_each_actor_for_own_and_others_objects(app, client, world, login, actor):
    before = _state(app)
    login(client, world["users"][actor])
    for url, answers in page_matrix(world["aid"], world["free_aid"], world["cid"]):
        assert client.get(url).status_code == answers[actor], (actor, url)
    # Deciding on someone else's claim, or as the wrong role, changes nothing.
    if actor != "own_admin":
        for action in ("approve", "reject", "claw_back"):
            response = client.post(
                f"/claims/{world['cid']}/{action}", data={"reason": "x", "confirm": "1"}
            )
            assert response.status_code in (302, 403), (actor, action)
    cancel = client.post(f"/applications/{world['aid']}/cancel", data={"confirm": "1"})
    assert cancel.status_code in (302, 403)
    if actor not in ("own_admin", "own_worker"):
        assert _state(app) == before


@pytest.mark.parametrize("actor", ACTORS)
def test_only_the_platform_suspends_providers_and_unpublishes_courses(
    app, client, world, login, actor
):
    """Accreditation is a platform decision; a fund administrator of any fund gets 403."""
    from wallet.catalogue.models import Course
    from wallet.providers.models import Provider, ProviderStatus

    with app.app_context():
        provider_id = session.scalar(sa.select(Provider.id))
        course_id = session.scalar(sa.select(Course.id).where(Course.provider_id == provider_id))
    login(client, world["users"][actor])
    expected = 302 if actor == "platform_admin" else 403
    unpublish = client.post(
        f"/catalogue/courses/{course_id}/publication", data={"reason": "Prijs onjuist"}
    )
    suspend = client.post(
        f"/admin/providers/{provider_id}", data={"action": "suspend", "reason": "Klachten"}
    )
    assert (unpublish.status_code, suspend.status_code) == (expected, expected), actor
    with app.app_context():
        status = session.get(Provider, provider_id).status
        published = session.get(Course, course_id).published
    changed = actor == "platform_admin"
    assert status == (ProviderStatus.SUSPENDED if changed else ProviderStatus.ACCREDITED)
    assert published is not changed


API = ("own_staff", "other_staff", "own_admin", "other_admin")
# Each actor's token with all its role's scopes (None), then with one scope only: a token
# answers as its role and objects say, where it holds the scope, and 403 elsewhere.
SCOPE_SETS = (None, ("read",), ("claims",))


@pytest.mark.parametrize("scopes", SCOPE_SETS, ids=lambda scopes: "+".join(scopes or ["all"]))
@pytest.mark.parametrize("actor", API)
def test_the_api_answers_each_token_for_own_and_others_objects(app, client, world, actor, scopes):
    from wallet.accounts.models import User
    from wallet.accounts.services import create_api_token

    with app.app_context():
        user = session.get(User, world["users"][actor].id)
        _token, plain = create_api_token(user, "matrix", scopes)
    headers = {"Authorization": f"Bearer {plain}"}
    may = set(scopes or ("read", "claims"))
    aid, cid = world["aid"], world["cid"]
    staff = actor.endswith("staff")
    own = actor.startswith("own")
    cases = [
        ("get", "/api/v1/provider/applications", 200 if staff else 403),
        ("get", f"/api/v1/claims/{cid}", 200 if own else 404),
        ("get", "/api/v1/provider/claims", 200 if staff else 403),
        ("get", "/api/v1/fund/claims", 403 if staff else 200),
        (
            "post",
            f"/api/v1/provider/applications/{aid}/complete",
            (409 if own else 404) if staff else 403,
        ),
        (
            "post",
            f"/api/v1/claims/{cid}/reject",
            (403 if own else 404) if staff else (None if own else 404),
        ),
    ]
    before = _state(app)
    for method, url, expected in cases:
        needed = "read" if method == "get" else "claims"
        if needed not in may:
            expected = 403  # the scope is missing, whatever the role and object
        if expected is None:
            continue  # the own administrator's decision is tested below
        kwargs = {"json": {"reason": "nee"}} if method == "post" else {}
        response = getattr(client, method)(url, headers=headers, **kwargs)
        assert response.status_code == expected, (actor, scopes, url, response.text)
        if expected >= 400:
            assert response.headers["Content-Type"].startswith("application/problem+json")
        if needed not in may:
            assert response.json["errors"] == {"scope": needed}, (actor, scopes, url)
    listed = client.get("/api/v1/fund/claims", headers=headers)
    if actor == "other_admin" and "read" in may:
        assert listed.json == []  # another fund's claims do not show
    assert _state(app) == before
    if actor == "own_admin":
        decided = client.post(
            f"/api/v1/claims/{cid}/reject", json={"reason": "nee"}, headers=headers
        )
        with app.app_context():
            status = services.get_claim(cid).status
        if "claims" in may:
            assert decided.status_code == 200
            assert status == ClaimStatus.REJECTED
        else:
            assert decided.status_code == 403
            assert status == ClaimStatus.SUBMITTED
