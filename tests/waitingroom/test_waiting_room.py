"""The waiting room in front of a first-come opening, on two app servers sharing one queue
(database store and Redis store): fair by arrival, nobody twice, nobody lost."""

from __future__ import annotations

import datetime as dt
import math
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from tests.waitingroom.conftest import OPENING
from wallet.core import clock
from wallet.grants.models import Grant
from wallet.waitingroom.services import store

CONFIRMED = {"confirm": "1"}  # the apply form as sent from its confirmation page


def _signed_in_on_both(apps, worker, login):
    clients = tuple(app.test_client() for app in apps)
    for client in clients:
        login(client, worker)
    return clients


def _at(seconds: float) -> None:
    clock.set_now(OPENING + dt.timedelta(seconds=seconds))


def test_everyone_is_admitted_in_arrival_order_nobody_twice_nobody_lost(
    room_apps, opening_scheme, make_worker, login, db
):
    rate, arrivals = 3, 14
    scheme = opening_scheme(grants=arrivals, rate=rate)
    page = f"/budget/schemes/{scheme.id}/waiting-room"
    apply_url = f"/budget/schemes/{scheme.id}/apply"
    workers = [make_worker() for _ in range(arrivals)]
    clients = [_signed_in_on_both(room_apps, worker, login) for worker in workers]

    # They arrive one a second before the window opens, taking turns between the two
    # servers; each comes back on the other server at once and keeps the place it had.
    for i, pair in enumerate(clients):
        _at(-300 + i)
        arrived = pair[i % 2].get(page)
        assert arrived.status_code == 200
        assert "Refresh" in arrived.headers
        assert apply_url not in arrived.text
        pair[(i + 1) % 2].get(page)
    # Pressing "apply" before one's turn does nothing but send one to the waiting page.
    pressed = clients[0][1].post(apply_url, data=CONFIRMED)
    assert pressed.status_code == 303
    assert pressed.location.endswith(page)

    with room_apps[1].app_context():
        tickets = [store().find(scheme.id, worker.id) for worker in workers]
        assert store().issued(scheme.id) == arrivals
    assert [ticket.number for ticket in tickets] == list(range(1, arrivals + 1))

    # From the opening on, everyone refreshes every second on either server.
    admitted_at: dict[int, int] = {}
    for second in range(30):
        _at(second)
        for i, pair in enumerate(clients):
            if i not in admitted_at and apply_url in pair[(i + second) % 2].get(page).text:
                admitted_at[i] = second
        assert len(admitted_at) <= rate * second  # never more than the rate lets through
        if len(admitted_at) == arrivals:
            break
    assert sorted(admitted_at) == list(range(arrivals))  # nobody lost
    assert [admitted_at[i] for i in range(arrivals)] == [
        math.ceil((i + 1) / rate) for i in range(arrivals)
    ]  # in arrival order, `rate` a second

    # Admitted, every one of them applies (on either server) and is granted once.
    for i, pair in enumerate(clients):
        done = pair[i % 2].post(apply_url, data=CONFIRMED)
        assert done.status_code == 302
        assert done.location.endswith("/")
    granted = db.scalars(sa.select(Grant.user_id).where(Grant.scheme_id == scheme.id)).all()
    assert sorted(granted) == sorted(worker.id for worker in workers)


def test_arrivals_at_the_same_moment_get_numbers_without_gaps_or_doubles(
    room_apps, opening_scheme, make_worker
):
    scheme = opening_scheme(grants=1, rate=1)
    workers = [make_worker() for _ in range(16)]
    now = clock.now()

    def arrive(attempt: int) -> tuple[int, int]:
        worker = workers[attempt // 2]  # every worker arrives twice at once
        with room_apps[attempt % 2].app_context():
            return worker.id, store().issue(scheme.id, worker.id, now).number

    with ThreadPoolExecutor(max_workers=8) as pool:
        arrivals = list(pool.map(arrive, range(2 * len(workers))))
    numbers = {}
    for worker_id, number in arrivals:
        assert numbers.setdefault(worker_id, number) == number  # one ticket per person
    assert sorted(numbers.values()) == list(range(1, len(workers) + 1))
    with room_apps[0].app_context():
        assert store().issued(scheme.id) == len(workers)


def test_a_turn_not_taken_passes_and_its_owner_goes_to_the_back(
    room_apps, opening_scheme, make_worker, login
):
    scheme = opening_scheme(grants=3, rate=1)
    page = f"/budget/schemes/{scheme.id}/waiting-room"
    first, second = (make_worker() for _ in range(2))
    first_clients = _signed_in_on_both(room_apps, first, login)
    second_clients = _signed_in_on_both(room_apps, second, login)
    first_clients[0].get(page)
    second_clients[1].get(page)
    # Ticket 1's admission ends at 1 s + 10 min; ticket 2's at 2 s + 10 min.
    _at(600 + 1.5)
    back = first_clients[1].get(page)
    assert back.status_code == 200
    with room_apps[0].app_context():
        assert store().find(scheme.id, first.id).number == 3
        assert store().find(scheme.id, second.id).number == 2
        assert store().issued(scheme.id) == 3
    # Coming back again does not move them once more.
    first_clients[0].get(page)
    with room_apps[1].app_context():
        assert store().find(scheme.id, first.id).number == 3


def test_once_the_budget_is_gone_nobody_waits_for_nothing(
    room_apps, opening_scheme, make_worker, login, db
):
    scheme = opening_scheme(grants=1, rate=1)
    page = f"/budget/schemes/{scheme.id}/waiting-room"
    apply_url = f"/budget/schemes/{scheme.id}/apply"
    lucky, late = (_signed_in_on_both(room_apps, make_worker(), login) for _ in range(2))
    lucky[0].get(page)
    late[1].get(page)
    _at(1)
    assert lucky[1].post(apply_url, data=CONFIRMED).status_code == 302
    # Ticket 2 is not admitted yet, but the gate no longer holds anyone back: "op = op".
    answer = late[0].post(apply_url, data=CONFIRMED)
    assert answer.status_code == 302
    assert not answer.location.endswith(page)
    assert apply_url not in late[1].get(page).text
    assert db.scalar(sa.select(sa.func.count(Grant.id))) == 1


def test_without_a_room_the_apply_form_is_not_gated(
    app, make_fund, make_windowed_scheme, make_worker, login, db
):
    scheme = make_windowed_scheme(make_fund(100_000), "first_come", grants=1)
    client = app.test_client()
    login(client, make_worker())
    assert client.post(f"/budget/schemes/{scheme.id}/apply", data=CONFIRMED).location.endswith("/")
    assert db.scalar(sa.select(sa.func.count(Grant.id))) == 1
    page = client.get(f"/budget/schemes/{scheme.id}/waiting-room")
    assert page.status_code == 200
    assert "Refresh" not in page.headers


def test_before_the_room_opens_the_page_says_when_and_hands_out_no_ticket(
    app, opening_scheme, make_worker, login
):
    scheme = opening_scheme(grants=1, rate=1)
    worker = make_worker()
    client = app.test_client()
    login(client, worker)
    _at(-31 * 60)
    page = client.get(f"/budget/schemes/{scheme.id}/waiting-room")
    assert page.status_code == 200
    assert "Refresh" not in page.headers
    with app.app_context():
        assert store().find(scheme.id, worker.id) is None


def test_the_page_can_stop_reloading_itself(app, opening_scheme, make_worker, login):
    scheme = opening_scheme(grants=1, rate=1)
    client = app.test_client()
    login(client, make_worker())
    page = f"/budget/schemes/{scheme.id}/waiting-room"
    assert client.get(page).headers["Refresh"] == "60"  # ten minutes to go: once a minute
    assert "Refresh" not in client.get(f"{page}?reload=off").headers
    _at(-8)
    assert client.get(page).headers["Refresh"] == "5"  # nine seconds to go: often


def test_the_fund_administrator_sees_the_queue_on_the_scheme_page(
    app, opening_scheme, make_worker, make_staff, login
):
    from wallet.accounts.models import Role

    scheme = opening_scheme(grants=5, rate=2)
    for _ in range(5):
        worker_client = app.test_client()
        login(worker_client, make_worker())
        worker_client.get(f"/budget/schemes/{scheme.id}/waiting-room")
    _at(1)
    client = app.test_client()
    login(client, make_staff(Role.FUND_ADMIN, fund_id=scheme.fund_id))
    page = client.get(f"/fund/schemes/{scheme.id}")
    assert page.status_code == 200
    assert "3 wachtend, 2 doorgelaten" in page.text


def test_the_fund_administrator_sets_the_room_and_the_decision_is_audited(
    app, make_fund, make_windowed_scheme, make_staff, login, db
):
    from wallet.accounts.models import Role
    from wallet.audit.models import AuditEvent
    from wallet.waitingroom.models import WaitingRoom

    scheme = make_windowed_scheme(make_fund(100_000), "first_come", grants=1)
    admin = make_staff(Role.FUND_ADMIN, fund_id=scheme.fund_id)
    client = app.test_client()
    login(client, admin)
    form = f"/fund/schemes/{scheme.id}/waiting-room"
    assert client.get(form).status_code == 200
    refused = client.post(form, data={"opens_at": "09:00", "lead_minutes": "2000", "burst": "0"})
    assert refused.status_code == 200
    assert db.get(WaitingRoom, scheme.id) is None
    done = client.post(
        form, data={"opens_at": "09:30", "lead_minutes": "45", "rate_per_second": "", "burst": "10"}
    )
    assert done.status_code == 302
    room = db.get(WaitingRoom, scheme.id)
    assert (room.opens_at, room.lead_minutes, room.rate_per_second, room.burst) == (
        dt.time(9, 30),
        45,
        None,
        10,
    )
    event = db.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.subject_id == scheme.id, AuditEvent.action == "waiting_room_set"
        )
    )
    assert event.one().actor_id == admin.id


def test_only_a_first_come_scheme_has_a_waiting_room(
    app, make_fund, make_windowed_scheme, make_staff, login
):
    from wallet.accounts.models import Role

    scheme = make_windowed_scheme(make_fund(100_000), "lottery", grants=1)
    client = app.test_client()
    login(client, make_staff(Role.FUND_ADMIN, fund_id=scheme.fund_id))
    assert client.get(f"/fund/schemes/{scheme.id}/waiting-room").status_code == 404


def test_the_commands_set_show_and_remove_a_room(app, runner, opening_scheme, make_worker):
    scheme = opening_scheme(grants=2, rate=4)
    with app.app_context():
        store().issue(scheme.id, make_worker().id, clock.now())
    shown = runner.invoke(args=["waiting-room", "show", str(scheme.id)])
    assert "tickets 1, admitted 0, waiting 1" in shown.output
    changed = runner.invoke(args=["waiting-room", "set", str(scheme.id), "--rate", "9"])
    assert changed.exit_code == 0, changed.output
    assert "rate 9/s" in runner.invoke(args=["waiting-room", "show", str(scheme.id)]).output
    assert runner.invoke(args=["waiting-room", "remove", str(scheme.id)]).exit_code == 0
    gone = runner.invoke(args=["waiting-room", "show", str(scheme.id)])
    assert gone.exit_code != 0


def test_workers_find_the_room_on_their_start_page_before_the_window_opens(
    app, opening_scheme, make_worker, login
):
    scheme = opening_scheme(grants=1, rate=1)
    client = app.test_client()
    login(client, make_worker())
    room = f"/budget/schemes/{scheme.id}/waiting-room"
    _at(-31 * 60)
    assert room not in client.get("/").text  # the room is not open yet
    _at(-10 * 60)
    assert room in client.get("/").text
    _at(0)
    assert room not in client.get("/").text  # now the apply button leads there
