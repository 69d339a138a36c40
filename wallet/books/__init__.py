"""`ledger verify`: the ledger's own invariants and the books tied together with the claims,
holds, payouts, placements and audited decisions of the features above it.

A package of its own near the top: it reads every feature's models, so the ledger below them
does not have to (docs/architecture.md).
"""
