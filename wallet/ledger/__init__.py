"""The double-entry ledger: accounts, transactions, postings, holds, and `ledger verify`.

Every movement of money is one transaction whose postings sum to zero. A posting's amount
adds to its account's balance (negative takes from it). Postings are never updated or
deleted; mistakes are corrected by reversing transactions. Holds are two-phase transfers
(pending, then posted in full or in part, voided or expired, each at most once).
"""
