"""The payout API: a fund's finance system makes, submits, downloads and settles payout
batches with the same services, and so the same rules, as the payout pages."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.payments.camt_builder import camt053
from tests.payments.fixtures import FUND_IBAN, PROVIDER_IBAN
from wallet.accounts.models import Role, User
from wallet.books.verify import verify
from wallet.claims.models import Claim, ClaimStatus
from wallet.core.db import session
from wallet.ledger.models import LedgerTransaction
from wallet.payments import batches
from wallet.payments.models import (
    BankStatementImport,
    BatchStatus,
    ItemStatus,
    PayoutBatch,
    PayoutMethod,
)
from wallet.payments.sepa import validate
from wallet.providers.models import Provider

BATCHES = "/api/v1/payout-batches"


def _in_app(app, read):
    """What `read()` returns, in an app context of its own (never the requests' session)."""
    with app.app_context():
        return read()


def _verified(app) -> None:
    assert _in_app(app, verify) == []


def _claim_statuses(app) -> set[ClaimStatus]:
    return _in_app(app, lambda: set(session.scalars(sa.select(Claim.status))))


def _counts(app) -> tuple[int, ...]:
    """Rows a refused request must not have written."""

    def count():
        tables = (PayoutBatch, LedgerTransaction, BankStatementImport)
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables)

    return _in_app(app, count)


def _statement(app, **changes) -> bytes:
    """A camt.053 of the fund's account paying every claim, each at its amount."""

    def lines():
        rows = session.execute(sa.select(Claim.reference, Claim.amount_cents)).all()
        return [{"end_to_end_id": ref, "amount": f"{cents / 100:.2f}"} for ref, cents in rows]

    return camt053(_in_app(app, lines), **changes)


def _upload(client, headers, data: bytes, name: str = "statement"):
    return client.post(
        "/api/v1/bank-statements",
        headers=headers,
        content_type="multipart/form-data",
        data={name: (io.BytesIO(data), "camt053.xml")},
    )


@pytest.fixture
def fund_admin(approved, api_headers):
    """(headers of the fund administrator, fund id, journeys) of two approved claims."""
    journeys, fund_id, _ids = approved()
    return api_headers(journeys[0]["admins"][0]), fund_id, journeys


def test_a_finance_system_pays_a_batch_through_the_api(app, client, fund_admin):
    headers, _fund_id, _journeys = fund_admin
    keyed = {**headers, "Idempotency-Key": "batch-2026-05"}

    made = client.post(BATCHES, json={"method": "sepa"}, headers=keyed)

    assert made.status_code == 201, made.text
    batch = made.json
    assert (batch["status"], batch["method"], batch["replayed"]) == ("draft", "sepa", False)
    assert (batch["claim_count"], batch["amount_cents"], batch["left_out"]) == (2, 440_000, [])
    [item] = batch["items"]
    assert (item["payee_name"], item["iban"]) == ("Techniek Academie Twente", PROVIDER_IBAN)
    assert (item["amount_cents"], item["status"]) == (440_000, "draft")
    references = _in_app(app, lambda: set(session.scalars(sa.select(Claim.reference))))
    assert {line["claim_reference"] for line in item["lines"]} == references
    assert sorted(line["amount_cents"] for line in item["lines"]) == [200_000, 240_000]
    _verified(app)

    replay = client.post(BATCHES, json={"method": "sepa"}, headers=keyed)
    assert replay.status_code == 201
    assert (replay.json["id"], replay.json["replayed"]) == (batch["id"], True)
    second = client.post(
        BATCHES,
        json={"method": "sepa"},
        headers={**headers, "Idempotency-Key": "batch-2026-05-bis"},
    )
    assert (second.status_code, second.mimetype) == (409, "application/problem+json")
    assert second.json["title"] == "Conflict"  # nothing approved is left: not a key problem
    listed = client.get(BATCHES, headers=headers).json
    assert (listed["total"], [b["id"] for b in listed["items"]]) == (1, [batch["id"]])
    assert client.get(f"{BATCHES}?status=draft", headers=headers).json["total"] == 1
    assert client.get(f"{BATCHES}?status=closed", headers=headers).json["total"] == 0

    early = client.get(f"{BATCHES}/{batch['id']}/sepa", headers=headers)
    assert early.status_code == 409  # a draft has no file
    assert early.mimetype == "application/problem+json"

    submitted = client.post(f"{BATCHES}/{batch['id']}/actions/submit", headers=keyed)
    assert submitted.status_code == 200, submitted.text
    assert (submitted.json["status"], submitted.json["items"][0]["status"]) == (
        "submitted",
        "submitted",
    )
    _verified(app)

    for schema in ("pain.001.001.09", "pain.001.001.03"):
        download = client.get(f"{BATCHES}/{batch['id']}/sepa?schema={schema}", headers=headers)
        assert download.status_code == 200, download.text
        assert download.mimetype == "application/xml"
        disposition = download.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="{batch["reference"]}-{schema}.xml"'
        validate(download.data, schema)  # the XSD, as the SEPA tests do
    wrong = client.get(f"{BATCHES}/{batch['id']}/sepa?schema=pain.001.001.02", headers=headers)
    assert (wrong.status_code, wrong.mimetype) == (422, "application/problem+json")

    imported = _upload(client, headers, _statement(app))

    assert imported.status_code == 200, imported.text
    assert imported.json["matched"] == 2
    assert imported.json["paid_items"] == [item["id"]]
    assert (imported.json["unmatched"], imported.json["duplicate"]) == ([], False)
    closed = client.get(f"{BATCHES}/{batch['id']}", headers=headers).json
    assert (closed["status"], closed["items"][0]["status"]) == ("closed", "paid")
    assert all(line["paid_at"] for line in closed["items"][0]["lines"])
    assert _claim_statuses(app) == {ClaimStatus.PAID}
    _verified(app)
    again = _upload(client, headers, _statement(app))
    assert (again.status_code, again.json["duplicate"], again.json["paid_items"]) == (200, True, [])
    _verified(app)


def test_a_retried_create_returns_the_same_batch_with_who_was_left_out(
    app, client, approved, api_headers, make_provider_user
):
    """A provider that cannot be paid is left out with the reason, and a replay says so too."""
    journeys, _fund_id, ids = approved()
    other = make_provider_user(organisation_name="Lasschool Hengelo")  # pending: not payable
    _in_app(
        app,
        lambda: (
            session.execute(
                sa.update(Claim).where(Claim.id == ids[1]).values(provider_id=other.provider_id)
            ),
            session.commit(),
        ),
    )
    headers = {**api_headers(journeys[0]["admins"][0]), "Idempotency-Key": "k-1"}

    first = client.post(BATCHES, json={"method": "sepa"}, headers=headers)
    replay = client.post(BATCHES, json={"method": "sepa"}, headers=headers)

    assert first.status_code == replay.status_code == 201
    [left_out] = first.json["left_out"]
    assert left_out["name"] == "Lasschool Hengelo"
    assert left_out["reason"]
    assert first.json["claim_count"] == 1
    assert replay.json["replayed"] is True
    assert {k: v for k, v in replay.json.items() if k != "replayed"} == {
        k: v for k, v in first.json.items() if k != "replayed"
    }
    shown = client.get(f"{BATCHES}/{first.json['id']}", headers=headers).json
    assert shown["left_out"] == first.json["left_out"]


def test_stripe_is_refused_where_it_is_not_set_up_and_nothing_is_made(app, client, fund_admin):
    headers, _fund_id, _journeys = fund_admin
    before = _counts(app)

    refused = client.post(BATCHES, json={"method": "stripe"}, headers=headers)

    assert refused.status_code == 409
    assert refused.mimetype == "application/problem+json"
    assert refused.json["title"] == "Stripe unavailable"
    assert _counts(app) == before
    assert _claim_statuses(app) == {ClaimStatus.APPROVED}


def _worker_with_a_token(app, make_staff, api_headers) -> dict:
    """Workers get no API token; should one hold one anyway (a fund administrator who became
    a worker), the payout API must still refuse it."""
    user = make_staff(Role.FUND_ADMIN)
    headers = api_headers(user)
    with app.app_context():
        demoted = session.get(User, user.id)
        demoted.role, demoted.fund_id = Role.WORKER, None
        session.commit()
    return headers


def _requests(batch_id: int, item_id: int) -> list[tuple[str, str, dict]]:
    """(method, url, keyword arguments) of every payout endpoint."""
    return [
        ("get", BATCHES, {}),
        ("post", BATCHES, {"json": {"method": "sepa"}}),
        ("get", f"{BATCHES}/{batch_id}", {}),
        ("post", f"{BATCHES}/{batch_id}/actions/submit", {}),
        ("post", f"{BATCHES}/{batch_id}/actions/discard", {}),
        ("post", f"{BATCHES}/{batch_id}/actions/pay_stripe", {}),
        ("get", f"{BATCHES}/{batch_id}/sepa", {}),
        ("post", f"/api/v1/payout-items/{item_id}/actions/mark_paid", {"json": {}}),
        (
            "post",
            f"/api/v1/payout-items/{item_id}/actions/mark_failed",
            {"json": {"reason": "AC04"}},
        ),
        (
            "post",
            "/api/v1/bank-statements",
            {
                "content_type": "multipart/form-data",
                "data": {"statement": (io.BytesIO(b"<Document/>"), "camt.xml")},
            },
        ),
    ]


@pytest.mark.parametrize("who", ["provider", "worker", "anonymous"])
def test_only_fund_administrators_reach_the_payout_api(
    app, client, fund_admin, make_staff, api_headers, who
):
    _headers, fund_id, journeys = fund_admin
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        batch_id, item_id = batch.id, batch.items[0].id
    caller = {
        "provider": lambda: api_headers(journeys[0]["staff"]),
        "worker": lambda: _worker_with_a_token(app, make_staff, api_headers),
        "anonymous": dict,
    }[who]()
    before = _counts(app)

    for method, url, kwargs in _requests(batch_id, item_id):
        answer = getattr(client, method)(url, headers=caller, **kwargs)
        assert answer.status_code == (401 if who == "anonymous" else 403), (url, answer.text)
        assert answer.mimetype == "application/problem+json"

    assert _counts(app) == before
    assert _in_app(app, lambda: batches.get_batch(batch_id).status) == BatchStatus.SUBMITTED


def test_another_fund_s_batch_and_payments_are_not_found(
    app, client, fund_admin, make_staff, api_headers
):
    _headers, fund_id, _journeys = fund_admin
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        batch_id, item_id = batch.id, batch.items[0].id
    stranger = api_headers(make_staff(Role.FUND_ADMIN))
    before = _counts(app)

    for method, url, kwargs in _requests(batch_id, item_id)[2:-1]:
        answer = getattr(client, method)(url, headers=stranger, **kwargs)
        assert answer.status_code == 404, (url, answer.text)
        assert answer.mimetype == "application/problem+json"
    listed = client.get(BATCHES, headers=stranger).json

    assert (listed["total"], listed["items"]) == (0, [])
    assert _counts(app) == before
    item = _in_app(app, lambda: batches.get_item(item_id))
    assert item.status == ItemStatus.SUBMITTED


@pytest.mark.parametrize(
    "url",
    [
        f"{BATCHES}/{{batch}}/actions/pay",
        f"{BATCHES}/{{batch}}/actions/close",
        f"{BATCHES}/{{batch}}/actions/SUBMIT",
        "/api/v1/payout-items/{item}/actions/paid",
        "/api/v1/payout-items/{item}/actions/mark_returned",
    ],
)
def test_an_unknown_action_is_refused_and_changes_nothing(app, client, fund_admin, url):
    headers, fund_id, _journeys = fund_admin
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batch_id, item_id = batch.id, batch.items[0].id
    before = _counts(app)

    answer = client.post(url.format(batch=batch_id, item=item_id), json={}, headers=headers)

    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"
    assert _counts(app) == before
    assert _in_app(app, lambda: batches.get_batch(batch_id).status) == BatchStatus.DRAFT


def test_the_actions_are_enums_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").json
    paths = spec["paths"]

    def action(path: str) -> list[str]:
        [found] = [p for p in paths[path]["parameters"] if p["name"] == "action"]
        return found["schema"]["enum"]

    assert action(f"{BATCHES}/{{batch_id}}/actions/{{action}}") == [
        "submit",
        "discard",
        "pay_stripe",
    ]
    assert action("/api/v1/payout-items/{item_id}/actions/{action}") == ["mark_paid", "mark_failed"]
    [status] = [p for p in paths[BATCHES]["get"]["parameters"] if p["name"] == "status"]
    assert status["schema"]["enum"] == ["draft", "submitted", "closed", "discarded"]
    schemas = spec["components"]["schemas"]
    assert schemas["ItemOut"]["properties"]["status"]["enum"] == [
        "draft",
        "submitted",
        "paid",
        "failed",
    ]
    assert schemas["NewBatchIn"]["properties"]["method"]["enum"] == ["sepa", "stripe"]


def test_a_failed_payment_needs_a_reason_and_then_its_claims_are_approved_again(
    app, client, fund_admin
):
    headers, fund_id, _journeys = fund_admin
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        item_id = batch.items[0].id
    url = f"/api/v1/payout-items/{item_id}/actions/mark_failed"
    before = _counts(app)

    for body in ({}, {"reason": ""}, {"reason": "   "}):
        refused = client.post(url, json=body, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.mimetype == "application/problem+json"
        assert "reason" in refused.json["errors"]
    assert _counts(app) == before
    assert _in_app(app, lambda: batches.get_item(item_id).status) == ItemStatus.SUBMITTED
    assert _claim_statuses(app) == {ClaimStatus.IN_BATCH}

    keyed = {**headers, "Idempotency-Key": "bounce-1"}
    failed = client.post(url, json={"reason": "AC04 rekening opgeheven"}, headers=keyed)
    assert failed.status_code == 200, failed.text
    assert (failed.json["status"], failed.json["replayed"]) == ("failed", False)
    assert failed.json["failure_reason"] == "AC04 rekening opgeheven"
    assert all(line["released"] for line in failed.json["lines"])
    assert _claim_statuses(app) == {ClaimStatus.APPROVED}
    _verified(app)
    replay = client.post(url, json={"reason": "AC04 rekening opgeheven"}, headers=keyed)
    assert (replay.status_code, replay.json["replayed"]) == (200, True)
    paid = client.post(
        f"/api/v1/payout-items/{item_id}/actions/mark_paid", json={}, headers=headers
    )
    assert paid.status_code == 409
    _verified(app)


def test_a_payment_marked_paid_by_hand_closes_the_batch(app, client, fund_admin):
    headers, fund_id, _journeys = fund_admin
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        batch_id, item_id = batch.id, batch.items[0].id

    paid = client.post(
        f"/api/v1/payout-items/{item_id}/actions/mark_paid", json={}, headers=headers
    )

    assert paid.status_code == 200, paid.text
    assert paid.json["status"] == "paid"
    assert client.get(f"{BATCHES}/{batch_id}", headers=headers).json["status"] == "closed"
    assert _claim_statuses(app) == {ClaimStatus.PAID}
    _verified(app)


def test_a_discarded_draft_gives_its_claims_back(app, client, fund_admin):
    headers, _fund_id, _journeys = fund_admin
    made = client.post(BATCHES, json={"method": "sepa"}, headers=headers).json

    discarded = client.post(f"{BATCHES}/{made['id']}/actions/discard", headers=headers)

    assert discarded.status_code == 200, discarded.text
    assert discarded.json["status"] == "discarded"
    assert _claim_statuses(app) == {ClaimStatus.APPROVED}
    again = client.post(f"{BATCHES}/{made['id']}/actions/submit", headers=headers)
    assert (again.status_code, again.mimetype) == (409, "application/problem+json")
    _verified(app)
    remade = client.post(BATCHES, json={"method": "sepa"}, headers=headers)
    assert (remade.status_code, remade.json["claim_count"]) == (201, 2)
    pages = [client.get(f"{BATCHES}?per_page=1&page={n}", headers=headers).json for n in (1, 2)]
    assert [page["total"] for page in pages] == [2, 2]
    assert [page["items"][0]["id"] for page in pages] == [remade.json["id"], made["id"]]
    discarded_only = client.get(f"{BATCHES}?status=discarded", headers=headers).json
    assert [b["id"] for b in discarded_only["items"]] == [made["id"]]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty file", b""),
        ("not XML", b"%PDF-1.7 not a statement"),
        ("XML, not camt.053", b"<Document/>"),
        ("another account", None),
        ("no file", None),
    ],
)
def test_a_bad_bank_statement_is_refused_and_nothing_is_written(
    app, client, fund_admin, name, data
):
    headers, fund_id, _journeys = fund_admin
    with app.app_context():
        batch = batches.create_batch(fund_id, method=PayoutMethod.SEPA, actor=None).batch
        batches.submit_batch(batch.id, fund_id, actor=None)
        item_id = batch.items[0].id
    if name == "another account":
        data = _statement(app, iban=PROVIDER_IBAN)
    before = _counts(app)

    if name == "no file":
        answer = client.post(
            "/api/v1/bank-statements",
            headers=headers,
            content_type="multipart/form-data",
            data={"other": "x"},
        )
    else:
        answer = _upload(client, headers, data)

    assert answer.status_code == 422, answer.text
    assert answer.mimetype == "application/problem+json"
    assert _counts(app) == before
    assert _in_app(app, lambda: batches.get_item(item_id).status) == ItemStatus.SUBMITTED
    assert _claim_statuses(app) == {ClaimStatus.IN_BATCH}
    if name == "another account":
        assert FUND_IBAN in answer.json["detail"]


@pytest.fixture
def online(app, stripe_api, monkeypatch):
    """The app configured for Stripe, talking to localstripe."""
    for key, value in {
        "STRIPE_SECRET_KEY": stripe_api.api_key,
        "STRIPE_API_BASE": stripe_api.url,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return stripe_api


def test_a_stripe_batch_is_paid_once_through_the_api(app, client, fund_admin, online):
    from wallet.payments import connect

    headers, _fund_id, journeys = fund_admin
    provider_id = journeys[0]["application"].provider_id
    with app.app_context():
        connect.onboarding_link(
            provider_id, return_url="http://127.0.0.1/r", refresh_url="http://127.0.0.1/f"
        )
        online.server.complete_account(session.get(Provider, provider_id).stripe_account_id)
        connect.refresh_account(provider_id)
    made = client.post(BATCHES, json={"method": "stripe"}, headers=headers).json
    batch_url = f"{BATCHES}/{made['id']}"
    early = client.post(f"{batch_url}/actions/pay_stripe", headers=headers)
    assert early.status_code == 409  # a draft is submitted first
    client.post(f"{batch_url}/actions/submit", headers=headers)
    keyed = {**headers, "Idempotency-Key": "stripe-run-1"}

    paid = client.post(f"{batch_url}/actions/pay_stripe", headers=keyed)

    assert paid.status_code == 200, paid.text
    assert (paid.json["status"], paid.json["problems"], paid.json["replayed"]) == (
        "closed",
        [],
        False,
    )
    assert paid.json["items"][0]["transfer_state"] == "created"
    replay = client.post(f"{batch_url}/actions/pay_stripe", headers=keyed)
    assert (replay.status_code, replay.json["replayed"]) == (200, True)
    transfers = list(
        online.client.v1.transfers.list({"transfer_group": made["reference"]}).auto_paging_iter()
    )
    assert [t.amount for t in transfers] == [440_000]
    assert client.get(f"{batch_url}/sepa", headers=headers).status_code == 409  # no bank file
    _verified(app)
