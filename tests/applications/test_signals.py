"""An application's decision signals its receivers inside its own unit of work."""

import pytest

from tests.applications.test_applications import _apply, setting  # noqa: F401  (fixture)
from wallet.applications import services, signals
from wallet.applications.models import Application, ApplicationStatus
from wallet.ledger.services import balance


def test_a_receiver_that_fails_undoes_the_decision(app_ctx, setting):  # noqa: F811
    application = _apply(setting)

    def refuse(sender, **kwargs):
        raise RuntimeError("a reaction failed")

    signals.decided.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            services.decide(application.id, "cancel", actor=setting["worker"])
    finally:
        signals.decided.disconnect(refuse)
    app_ctx.expire_all()
    assert app_ctx.get(Application, application.id).status == ApplicationStatus.SUBMITTED
    assert balance(setting["grant"].account_id).held_cents == 120_000


def test_receivers_hear_the_action_and_the_application(app_ctx, setting):  # noqa: F811
    application = _apply(setting)
    heard = []

    def listen(sender, **kwargs):
        heard.append((sender.id, kwargs["action"], sender.status))

    signals.decided.connect(listen)
    signals.settled.connect(listen)
    try:
        services.decide(application.id, "cancel", actor=setting["worker"])
    finally:
        signals.decided.disconnect(listen)
        signals.settled.disconnect(listen)
    # Inside the unit of work the move is made; after the commit the same again.
    assert heard == [(application.id, "cancel", ApplicationStatus.CANCELLED)] * 2
