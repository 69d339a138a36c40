"""Payouts: batches, SEPA files, bank statements, Stripe Connect and co-payments."""
