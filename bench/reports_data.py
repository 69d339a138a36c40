"""The national-scale data set of bench/reports.py, built with set-based SQL on PostgreSQL.

Funds, schemes and their administrators come from the services (a handful of rows); every
large table is filled by INSERT ... SELECT generate_series with ids chosen up front, so rows
that point at each other (a grant and its account, a hold and the transaction that posted
it) need no lookups. The ledger is append-only, so each account is inserted once with the
balance its postings and pending holds add up to; `ledger verify`'s own checks
(verify_ledger) hold on the result.

Time runs over the 24 months before now: grants uniformly (entitlement schemes by monthly
allocation runs), each application within its grant's life, claims approved while the grant
lived, payout batches per fund and month of approval. Grants past their expiry are expired
and what was left went back to the pot; their applications are settled (paid, cancelled,
rejected or expired). Pseudo-random choices are hashes of the row number, so the same
scale gives the same data.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import sqlalchemy as sa

from wallet.core.db import session

PASSWORD = "bench-reports-password"
ADMIN_EMAIL = "fonds1@bench.example"

# Worker schemes: (name, euros, validity in months, allocation mode, fund number 0..2)
WORKER_SCHEMES = [
    ("Scholingsbudget Twente", 1000, 24, "entitlement", 0),
    ("Omscholing naar een kansberoep", 500, 12, "first_come", 0),
    ("Techniektalent", 1500, 24, "manual", 0),
    ("Zorgbudget Twente", 750, 12, "manual", 0),
    ("Gelders Ontwikkelbudget", 1000, 24, "entitlement", 1),
    ("Digitale vaardigheden", 2000, 24, "first_come", 1),
    ("Taal en rekenen", 600, 12, "manual", 1),
    ("Leerbudget Stedendriehoek", 1000, 18, "entitlement", 2),
    ("Van werk naar werk", 1250, 24, "manual", 2),
    ("Startersbudget", 800, 12, "manual", 2),
]
FUND_NAMES = ["Twents Fonds voor Vakmanschap", "Gelders Opleidingsfonds", "Fonds Stedendriehoek"]
FLAG_CODES = [
    "price_near_cap",
    "recent_price_raise",
    "application_spike",
    "shared_address",
    "shared_email_domain",
    "shared_ip",
    "duplicate_learner_course",
    "new_provider_high_volume",
    "too_many_grants",
]
# Employer schemes, alternately of the first and second fund: at most EUR 10 million each, so
# the 50,000 placements are spread over eight.
EMPLOYER_SCHEMES = 8
HIGH_FLAGS = ["recent_price_raise", "duplicate_learner_course", "too_many_grants"]


@dataclass(frozen=True)
class Scale:
    """How big the data set is; `scale` multiplies the national figures of issue 12."""

    workers: int
    grants: int
    applications: int
    placements: int
    providers: int = 300
    employers: int = 2000
    courses_per_provider: int = 10

    @classmethod
    def of(cls, scale: float) -> Scale:
        """The national data set times `scale` (1.0: 100,000 workers, 1,000,000 grants)."""
        workers = max(100, int(100_000 * scale))
        return cls(
            workers=workers,
            grants=workers * 10,
            applications=workers * 5,
            placements=max(40, int(50_000 * scale)),
            providers=max(20, min(300, int(3000 * scale))),
            employers=max(20, min(2000, int(20_000 * scale))),
        )


def u(expr: str, salt: int) -> str:
    """SQL: a pseudo-random number in [0, 1) from an integer expression and a salt."""
    return f"((hashint8extended(({expr})::bigint, {salt}) & 2147483647)::float8 / 2147483648.0)"


def _timed(label: str, results: dict, statements: list[str], params: dict) -> None:
    start = time.perf_counter()
    with session.get_bind().begin() as conn:
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        # No per-row foreign-key triggers while loading millions of rows (superuser only):
        # the rows point at ids planned together, and --verify checks the ledger after.
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for sql in statements:
            conn.execute(sa.text(sql), params)
    results[label] = time.perf_counter() - start
    print(f"  {label}: {results[label]:.1f} s", flush=True)


def setup_through_services() -> dict:
    """Funds, schemes and administrators made by the services, as an operator would."""
    from wallet.accounts.models import Role
    from wallet.accounts.services import create_staff_user
    from wallet.core.db import unit_of_work
    from wallet.funds.services import create_fund
    from wallet.ledger import services as ledger
    from wallet.schemes.services import SchemeTerms, activate_scheme, define_scheme

    funds = [create_fund(name) for name in FUND_NAMES]
    admins = [
        create_staff_user(
            email=f"fonds{i + 1}@bench.example",
            name=f"Fondsbeheerder {i + 1}",
            password=PASSWORD,
            role=Role.FUND_ADMIN,
            fund=fund,
        )
        for i, fund in enumerate(funds)
    ]
    schemes = []
    today = dt.datetime.now(dt.UTC).date()
    for name, euros, months, mode, fund_no in WORKER_SCHEMES:
        window = {}
        if mode == "first_come":  # a window over the two years, the highest cap there is
            window = {
                "window_opens_on": today - dt.timedelta(days=740),
                "window_closes_on": today + dt.timedelta(days=365),
                "total_cap_cents": 10_000_000_00,
            }
        terms = SchemeTerms(
            name=name,
            allocation_mode=mode,
            amount_cents=euros * 100,
            validity_months=months,
            rules={},
            **window,
        )
        schemes.append(activate_scheme(define_scheme(funds[fund_no].id, terms).id))
    employer_schemes = [
        activate_scheme(define_scheme(funds[n % 2].id, _employer_terms(n, today)).id)
        for n in range(EMPLOYER_SCHEMES)
    ]
    with unit_of_work():
        source = ledger.funding_source().id
    return {
        "funds": [(f.id, f.pot_account_id) for f in funds],
        "admins": [a.id for a in admins],
        "schemes": [
            (s.id, s.fund_id, s.amount_cents, s.validity_months, s.allocation_mode.value)
            for s in schemes
        ],
        "employer_schemes": [(s.id, s.fund_id) for s in employer_schemes],
        "source_account": source,
    }


def _employer_terms(number: int, today: dt.date):
    """A Sectorplan-like employer scheme: half the training back, a quarter of that after
    twelve months; its budget the highest a form takes (EUR 10 million)."""
    from wallet.reference import kansberoepen
    from wallet.schemes.services import SchemeTerms

    rules = {
        "share_bps": 5_000,
        "cap_per_person_cents": 7_500_00,
        "cap_per_employer_year_cents": 60_000_00,
        "total_budget_cents": 10_000_000_00,
        "starting_situations": ["other_sector", "ending_job", "benefit", "current_employee"],
        "target_occupations": sorted({o.name for o in kansberoepen()}),
        "training_kinds": ["catalogue_run", "bespoke", "work_and_learn", "work_experience"],
        "retention_months": 12,
        "retention_share_bps": 2_500,
        "window_opens_on": (today - dt.timedelta(days=800)).isoformat(),
        "window_closes_on": (today + dt.timedelta(days=700)).isoformat(),
        "four_eyes_above_cents": 10_000_00,
    }
    return SchemeTerms(
        name=f"Sectorplan {number + 1}",
        kind="employer",
        allocation_mode=None,
        amount_cents=None,
        validity_months=None,
        rules=rules,
    )


def _max_ids() -> dict[str, int]:
    tables = [
        "users",
        "providers",
        "employers",
        "courses",
        "course_runs",
        "ledger_accounts",
        "ledger_transactions",
        "ledger_holds",
        "grants",
        "allocation_runs",
        "applications",
        "claims",
        "payout_batches",
        "payout_items",
        "employer_applications",
        "placements",
        "reimbursement_claims",
        "risk_flags",
    ]
    query = "SELECT coalesce(max(id), 0) FROM {}"  # table names from the list above
    return {t: session.scalar(sa.text(query.format(t))) for t in tables}


def plan_ids(scale: Scale, base: dict[str, int]) -> dict[str, int]:
    """Id blocks of every bulk table: a row's id is its block's base plus its number."""
    w, g, a, p = scale.workers, scale.grants, scale.applications, scale.placements
    acct = base["ledger_accounts"]
    tx = base["ledger_transactions"]
    ids = {
        "user0": base["users"],
        "emp_user0": base["users"] + w,
        "provider0": base["providers"],
        "employer0": base["employers"],
        "course0": base["courses"],
        "run0": base["course_runs"],
        "grant0": base["grants"],
        "arun0": base["allocation_runs"],
        "app0": base["applications"],
        "claim0": base["claims"],
        "batch0": base["payout_batches"],
        "item0": base["payout_items"],
        "eapp0": base["employer_applications"],
        "placement0": base["placements"],
        "reimb0": base["reimbursement_claims"],
        "flag0": base["risk_flags"],
        "hold0": base["ledger_holds"],
        # accounts: grants, provider payables, employer payables, fund transit and paid out
        "acct_grant0": acct,
        "acct_payable0": acct + g,
        "acct_employer0": acct + g + scale.providers,
        "acct_fund0": acct + g + scale.providers + scale.employers,
    }
    # transactions, in blocks: a row's id is its block's base plus its number (from 1)
    blocks = [
        ("tx_dep0", 10_000),
        ("tx_grant0", g),
        ("tx_run0", 1_000),
        ("tx_claim0", a),
        ("tx_exp0", 2_000),
        ("tx_submit0", a),
        ("tx_paid0", a),
        ("tx_reimb0", 2 * p),
    ]
    start = tx
    for name, size in blocks:
        ids[name] = start
        start += size + 1
    return ids


def build(scale: Scale, results: dict) -> dict:
    """Build the whole data set; returns what the timing harness needs (ids, admin)."""
    made = setup_through_services()
    session.commit()
    ids = plan_ids(scale, _max_ids())
    session.rollback()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    t0 = (now.replace(day=1, hour=0, minute=0, second=0) - dt.timedelta(days=1)).replace(day=1)
    for _ in range(22):
        t0 = (t0 - dt.timedelta(days=1)).replace(day=1)
    params = dict(
        ids,
        W=scale.workers,
        G=scale.grants,
        A=scale.applications,
        P=scale.placements,
        NP=scale.providers,
        NE=scale.employers,
        NC=scale.providers * scale.courses_per_provider,
        now=now,
        t0=t0,
        source=made["source_account"],
        admin1=made["admins"][0],
    )
    import reports_sql as q

    steps = q.steps(made)
    for label, statements in steps:
        _timed(label, results, statements, params)
    return {"now": now, "t0": t0, "fund_id": made["funds"][0][0], "made": made}


def broken_foreign_keys() -> list[str]:
    """Foreign keys the load skipped checking that point nowhere (one query per key)."""
    keys = session.execute(
        sa.text("""
        SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1
          AND c.connamespace = 'public'::regnamespace""")
    ).all()
    broken = []
    for table, column, parent, parent_column in keys:
        missing = session.scalar(
            sa.text(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608 - names from the catalogue
                f"(SELECT 1 FROM {parent} p WHERE p.{parent_column} = t.{column})"
            )
        )
        if missing:
            broken.append(f"{table}.{column} -> {parent}: {missing} rows point nowhere")
    session.rollback()
    return broken
