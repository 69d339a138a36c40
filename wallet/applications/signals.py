"""What an application's decisions let other features react to (blinker, as indico does).

`decided` is sent inside the decision's unit of work: a receiver only flushes, and what it
writes commits or rolls back with the decision. `settled` is sent after that commit, for work
that talks to the outside (a refund at Stripe). Payments (wallet.payments.reactions) and fraud
(wallet.fraud.reactions) subscribe, so applications imports neither.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Application, just submitted and flushed with its parts (fraud checks it).
submitted = _signals.signal("application-submitted")

# sender: the Application; action: the transition taken; payment_reference: the bank
# transfer's reference for "record_copayment", else "".
decided = _signals.signal("application-decided")

# sender: the Application; action: the transition taken. After the commit.
settled = _signals.signal("application-settled")
