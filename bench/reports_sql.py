"""The SQL steps of the reports data set (see reports_data.py for the plan and the ids).

Each step is a list of statements run in one transaction. Staging tables (bench_*) hold the
plan of grants, applications, batches and placements, so every table is filled from the
same choices; they are dropped at the end.
"""

# The statements are built from this module's constants and the shipped reference lists,
# never from input: the string-built SQL is not an injection vector.
# ruff: noqa: S608

from __future__ import annotations

from reports_data import FLAG_CODES, HIGH_FLAGS, u

from wallet.reference import COURSE_KINDS, SECTORS, kansberoepen, municipalities

TS = "CAST(:now AS timestamptz)"
T0 = "CAST(:t0 AS timestamptz)"


def _array(values) -> str:
    quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return f"ARRAY[{quoted}]"


def _pick(values, expr: str, salt: int) -> str:
    """SQL: one of `values`, chosen by a hash of `expr`."""
    values = list(values)
    return f"({_array(values)})[1 + floor({u(expr, salt)} * {len(values)})::int]"


def reference(made: dict) -> list[str]:
    funds = ", ".join(
        f"({i}, {fid}, {pot}, {made['admins'][i]})" for i, (fid, pot) in enumerate(made["funds"])
    )
    schemes = ", ".join(
        f"({i}, {sid}, {fid}, {amount}, {months}, '{mode}')"
        for i, (sid, fid, amount, months, mode) in enumerate(made["schemes"])
    )
    places = list(municipalities())
    sectors = list(SECTORS)
    return [
        "DROP TABLE IF EXISTS bench_f, bench_s, bench_g, bench_a, bench_b, bench_i, bench_p",
        "CREATE UNLOGGED TABLE bench_f (fno int, fund_id int, pot int, admin_id int)",
        f"INSERT INTO bench_f VALUES {funds}",
        "CREATE UNLOGGED TABLE bench_s (idx int, scheme_id int, fund_id int, amount bigint, "
        "validity int, mode text)",
        f"INSERT INTO bench_s VALUES {schemes}",
        f"""INSERT INTO providers (id, name, kvk_number, vat_number, iban, bic,
            stripe_payouts_enabled, street, postcode, city, contact_email, status, accredited_at,
            created_at)
        SELECT :provider0 + n, 'Opleider ' || n, lpad((30000000 + n)::text, 8, '0'),
            'NL' || lpad(n::text, 9, '0') || 'B01', 'NL91ABNA' || lpad(n::text, 10, '0'),
            'ABNANL2A', false, 'Leerstraat ' || n, '7500AA', 'Enschede',
            'opleider' || n || '@bench.example', 'accredited', {T0} - interval '60 days',
            {T0} - interval '90 days'
        FROM generate_series(1, :NP) AS n""",
        f"""INSERT INTO ledger_accounts (id, code, kind, currency, allow_negative, posted_cents,
            held_cents, created_at)
        SELECT :acct_payable0 + n, 'provider:' || (:provider0 + n) || ':' || 'payable', 'payable',
            'EUR', false, 0, 0, {T0}
        FROM generate_series(1, :NP) AS n""",
        f"""INSERT INTO employers (id, name, kvk_number, sbi_code, street, postcode, city,
            municipality_code, iban, contact_email, status, verified_at, created_at)
        SELECT :employer0 + n, 'Werkgever ' || n, lpad((50000000 + n)::text, 8, '0'),
            {_pick(["10", "25", "28", "41", "43", "46", "47", "49", "62", "86"], "n", 41)},
            'Fabrieksweg ' || n, '7550AB', 'Hengelo', {_pick(places, "n", 42)},
            'NL20INGB' || lpad(n::text, 10, '0'), 'werkgever' || n || '@bench.example',
            'verified', {T0} - interval '30 days', {T0} - interval '60 days'
        FROM generate_series(1, :NE) AS n""",
        f"""INSERT INTO users (id, email, password_hash, name, role, employer_id,
            preferred_language, active, created_at)
        SELECT :emp_user0 + n, 'werkgever' || n || '@bench.example', 'not-a-hash',
            'Personeelszaken ' || n, 'employer_staff', :employer0 + n, 'nl', true,
            {T0} - interval '60 days'
        FROM generate_series(1, :NE) AS n""",
        f"""INSERT INTO ledger_accounts (id, code, kind, currency, allow_negative, posted_cents,
            held_cents, created_at)
        SELECT :acct_employer0 + n, 'employer:' || (:employer0 + n) || ':' || 'payable', 'payable',
            'EUR', false, 0, 0, {T0}
        FROM generate_series(1, :NE) AS n""",
        f"""INSERT INTO ledger_accounts (id, code, kind, currency, allow_negative, posted_cents,
            held_cents, created_at)
        SELECT :acct_fund0 + 2 * f.fno + x.n, 'fund:' || f.fund_id || ':' || x.kind, x.kind,
            'EUR', false, 0, 0, {T0}
        FROM bench_f f CROSS JOIN (VALUES (1, 'in_transit'), (2, 'paid_out')) AS x(n, kind)""",
        f"""INSERT INTO courses (id, provider_id, code, title_nl, description_nl, kind,
            nlqf_level, sector, skills, occupations, hours, modality, language,
            municipality_code, price_cents, vat, published, created_at, updated_at)
        SELECT :course0 + n, :provider0 + 1 + (n - 1) % :NP, 'C' || n, 'Cursus ' || n,
            'Een cursus van de benchmark.', {_pick(COURSE_KINDS, "n", 51)},
            2 + floor({u("n", 52)} * 5)::int, {_pick(sectors, "n", 53)}, '[]', '[]',
            8 + floor({u("n", 54)} * 392)::int,
            {_pick(["classroom", "online", "blended"], "n", 55)},
            'nl', {_pick(places, "n", 56)},
            CASE WHEN {u("n", 57)} < 0.3
                 THEN {_pick([995_00, 1495_00, 1995_00, 495_00, 745_00], "n", 58)}::bigint
                 ELSE (30 + floor({u("n", 59)} * 670)::bigint) * 500 END,
            'exempt', true, {T0} - interval '30 days', {T0} - interval '30 days'
        FROM generate_series(1, :NC) AS n""",
        f"""INSERT INTO course_runs (id, course_id, code, starts_on, ends_on, seats,
            municipality_code)
        SELECT :run0 + n, :course0 + 1 + (n - 1) % :NC, 'R' || n,
            ({T0} + floor({u("n", 61)} * 700) * interval '1 day')::date,
            ({T0} + (60 + floor({u("n", 61)} * 700)) * interval '1 day')::date, 10000,
            {_pick(places, "n", 62)}
        FROM generate_series(1, 2 * :NC) AS n""",
    ]


def workers() -> list[str]:
    places = list(municipalities())
    sectors = list(SECTORS)
    occupations = sorted({o.name for o in kansberoepen()})
    return [
        f"""INSERT INTO users (id, email, password_hash, name, role, preferred_language, active,
            created_at)
        SELECT :user0 + n, 'worker' || n || '@bench.example', 'not-a-hash', 'Werkende ' || n,
            'worker', {_pick(["nl", "nl", "nl", "en", "de"], "n", 71)}, true,
            {T0} - interval '30 days'
        FROM generate_series(1, :W) AS n""",
        f"""INSERT INTO worker_profiles (user_id, date_of_birth, municipality_code,
            employment_status, sector, occupation, education_level, target_occupation,
            postcode, house_number)
        SELECT :user0 + n, date '1959-01-01' + floor({u("n", 72)} * 17000)::int,
            {_pick(places, "n", 73)},
            {_pick(["employed"] * 6 + ["job_seeker"] * 3 + ["self_employed"], "n", 74)},
            {_pick(sectors, "n", 75)}, 'Medewerker',
            {_pick([1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 6, 6, 7, 8], "n", 76)}::int,
            {_pick(occupations, "n", 77)}, (7000 + n % 2000)::text || 'AB', (n % 300 + 1)::text
        FROM generate_series(1, :W) AS n""",
    ]


def grants() -> list[str]:
    expiry = "g0.granted_at + g0.validity * interval '1 month'"
    return [
        f"""CREATE UNLOGGED TABLE bench_g AS
        SELECT g0.*, {expiry} AS expires_at,
            {expiry} + interval '3 hours' < {TS} - interval '1 hour' AS expired,
            (extract(year FROM g0.granted_at) - extract(year FROM {T0})) * 12
              + extract(month FROM g0.granted_at) - extract(month FROM {T0}) AS mno
        FROM (
            SELECT n AS g, :grant0 + n AS id, :acct_grant0 + n AS account_id,
                :user0 + 1 + (n - 1) % :W AS user_id, (n - 1) / :W AS k, (n - 1) % :W AS widx,
                s.idx AS sidx, s.scheme_id, s.fund_id, f.pot, f.admin_id, s.amount, s.validity,
                s.mode,
                CASE WHEN s.mode = 'entitlement' THEN date_trunc('month', x.t) ELSE x.t END
                  AS granted_at
            FROM generate_series(1, :G) AS n
            JOIN bench_s s ON s.idx = ((n - 1) / :W + (n - 1) % :W) % 10
            JOIN bench_f f ON f.fund_id = s.fund_id
            CROSS JOIN LATERAL (SELECT {T0} + {u("n", 1)}
                * ({TS} - interval '1 day' - {T0}) AS t) x
        ) g0""",
        """INSERT INTO ledger_accounts (id, code, kind, currency, allow_negative, posted_cents,
            held_cents, created_at)
        SELECT account_id, 'grant:' || scheme_id || ':' || user_id || ':'
            || to_char(granted_at, 'YYYY'), 'grant', 'EUR', false, 0, 0, granted_at
        FROM bench_g""",
        """INSERT INTO allocation_runs (id, scheme_id, period, started_at, grants, total_cents,
            transaction_id)
        SELECT :arun0 + sidx * 100 + mno + 1, scheme_id, to_char(min(granted_at), 'YYYY'),
            min(granted_at), count(*), sum(amount), NULL
        FROM bench_g WHERE mode = 'entitlement' GROUP BY sidx, mno, scheme_id""",
        """INSERT INTO grants (id, scheme_id, fund_id, user_id, account_id, allocation_run_id,
            period, source, status, amount_cents, granted_at, expires_at, expired_at)
        SELECT id, scheme_id, fund_id, user_id, account_id,
            CASE WHEN mode = 'entitlement' THEN :arun0 + sidx * 100 + mno + 1 END,
            to_char(granted_at, 'YYYY'),
            CASE mode WHEN 'entitlement' THEN 'allocation' WHEN 'first_come' THEN 'first_come'
                      ELSE CASE WHEN g % 3 = 0 THEN 'csv' ELSE 'manual' END END,
            CASE WHEN expired THEN 'expired' ELSE 'active' END, amount, granted_at,
            expires_at, CASE WHEN expired THEN expires_at + interval '3 hours' END
        FROM bench_g""",
    ]


def money_in() -> list[str]:
    """Deposits (monthly, at most EUR 10 million each), then the grants' transactions."""
    return [
        """CREATE UNLOGGED TABLE bench_d AS
        WITH months AS (
            SELECT f.fund_id, f.pot, f.admin_id, m.mno,
                coalesce(g.cents, 0) + 5000000 * 100 AS needed
            FROM bench_f f CROSS JOIN generate_series(0, 23) AS m(mno)
            LEFT JOIN (SELECT fund_id, mno, sum(amount) AS cents FROM bench_g
                       GROUP BY fund_id, mno) g ON g.fund_id = f.fund_id AND g.mno = m.mno
        )
        SELECT row_number() OVER (ORDER BY fund_id, mno, c) AS d, fund_id, pot, admin_id, mno,
            least(1000000000, needed - (c - 1) * 1000000000) AS cents
        FROM months CROSS JOIN LATERAL generate_series(1, ceil(needed / 1e9)::int) AS c""",
        f"""INSERT INTO ledger_transactions (id, kind, description, reference, created_at,
            created_by_id)
        SELECT :tx_dep0 + d, 'deposit', 'Storting bench ' || d, 'bench-deposit-' || d,
            {T0} + mno * interval '1 month' - interval '1 hour', admin_id
        FROM bench_d""",
        """INSERT INTO ledger_postings (transaction_id, account_id, amount_cents)
        SELECT :tx_dep0 + d, :source, -cents FROM bench_d
        UNION ALL SELECT :tx_dep0 + d, pot, cents FROM bench_d""",
        """INSERT INTO ledger_transactions (id, kind, description, reference, created_at,
            created_by_id)
        SELECT :tx_grant0 + g, 'grant', 'Budget ' || s.name, 'grant:' || g.id, g.granted_at,
            g.admin_id
        FROM bench_g g JOIN schemes s ON s.id = g.scheme_id WHERE g.mode <> 'entitlement'""",
        """INSERT INTO ledger_postings (transaction_id, account_id, amount_cents)
        SELECT :tx_grant0 + g, pot, -amount FROM bench_g WHERE mode <> 'entitlement'
        UNION ALL
        SELECT :tx_grant0 + g, account_id, amount FROM bench_g WHERE mode <> 'entitlement'""",
        """INSERT INTO ledger_transactions (id, kind, description, reference, created_at)
        SELECT :tx_run0 + sidx * 100 + mno + 1, 'allocation', 'Toekenning ' || sidx,
            'allocation:' || (:arun0 + sidx * 100 + mno + 1), min(granted_at)
        FROM bench_g WHERE mode = 'entitlement' GROUP BY sidx, mno""",
        """INSERT INTO ledger_postings (transaction_id, account_id, amount_cents)
        SELECT :tx_run0 + sidx * 100 + mno + 1, min(pot), -sum(amount)
        FROM bench_g WHERE mode = 'entitlement' GROUP BY sidx, mno
        UNION ALL
        SELECT :tx_run0 + sidx * 100 + mno + 1, account_id, amount
        FROM bench_g WHERE mode = 'entitlement'""",
        """UPDATE allocation_runs r SET transaction_id = :tx_run0 + (r.id - :arun0)
        WHERE r.id > :arun0""",
    ]


def applications() -> list[str]:
    """The plan of every application (state, times, claim), then holds, postings and rows."""
    active = """CASE WHEN r < 0.06 THEN 'submitted'
        WHEN r < 0.075 THEN CASE WHEN price > covered THEN 'awaiting_copay' ELSE 'confirmed' END
        WHEN r < 0.14 THEN 'confirmed' WHEN r < 0.24 THEN 'in_progress'
        WHEN r < 0.28 THEN 'completed' WHEN r < 0.42 THEN 'invoiced' WHEN r < 0.64 THEN 'paid'
        WHEN r < 0.80 THEN 'cancelled' WHEN r < 0.90 THEN 'rejected' ELSE 'expired' END"""
    settled = """CASE WHEN r < 0.55 THEN 'paid' WHEN r < 0.75 THEN 'cancelled'
        WHEN r < 0.88 THEN 'rejected' ELSE 'expired' END"""
    return [
        f"""CREATE UNLOGGED TABLE bench_a AS
        WITH b AS (
            SELECT a.n AS a, :app0 + a.n AS id, g.id AS grant_id, g.account_id AS grant_account,
                g.user_id, g.fund_id, g.admin_id, g.amount AS grant_amount, g.granted_at,
                g.expired,
                least({TS} - interval '3 hours',
                      CASE WHEN g.expired THEN g.expires_at ELSE 'infinity' END) AS e,
                :run0 + 1 + (g.widx + g.k * greatest(1, 2 * :NC / 10)) % (2 * :NC) AS run_id,
                {u("a.n", 11)} AS r, {u("a.n", 12)} AS r2, {u("a.n", 13)} AS r3,
                {u("a.n", 14)} AS r4
            FROM generate_series(1, :A) AS a(n)
            JOIN bench_g g ON g.g = ((a.n - 1)::bigint * :G) / :A + 1
        ), c AS (
            SELECT b.*, co.provider_id, co.price_cents AS price,
                least(co.price_cents, b.grant_amount) AS covered,
                b.granted_at + b.r3 * 0.5 * (b.e - b.granted_at) AS created_at
            FROM b JOIN course_runs ru ON ru.id = b.run_id JOIN courses co ON co.id = ru.course_id
        ), s AS (
            SELECT c.*, CASE WHEN expired THEN {settled} ELSE {active} END AS status,
                c.created_at + (0.2 + 0.3 * c.r4) * (c.e - c.created_at) AS t1
            FROM c
        ), t AS (
            SELECT s.*, s.t1 + 0.5 * (s.e - s.t1) AS t2,
                CASE s.status WHEN 'paid' THEN 'paid' WHEN 'invoiced' THEN
                    CASE WHEN r2 < 0.35 THEN 'approved' WHEN r2 < 0.5 THEN 'in_batch'
                         WHEN r2 < 0.8 THEN 'submitted' ELSE 'rejected' END END AS claim_status
            FROM s
        )
        SELECT t.*,
            CASE WHEN claim_status IN ('approved', 'in_batch', 'paid') THEN 'posted'
                 WHEN status IN ('cancelled', 'rejected') THEN 'voided'
                 WHEN status = 'expired' THEN 'expired' ELSE 'pending' END AS hold_status,
            'LW-' || to_char(created_at, 'YYYY') || '-' || lpad(id::text, 7, '0') AS reference,
            'DC-' || to_char(t1, 'YYYY') || '-' || lpad((:claim0 + a)::text, 7, '0')
              AS claim_reference
        FROM t""",
        "CREATE INDEX ON bench_a (grant_id)",
        """INSERT INTO ledger_transactions (id, kind, description, reference, created_at,
            created_by_id)
        SELECT :tx_claim0 + a, 'hold_post', 'Claim ' || claim_reference, reference, t2, admin_id
        FROM bench_a WHERE hold_status = 'posted'""",
        """INSERT INTO ledger_postings (transaction_id, account_id, amount_cents)
        SELECT :tx_claim0 + a, grant_account, -covered FROM bench_a WHERE hold_status = 'posted'
        UNION ALL
        SELECT :tx_claim0 + a, :acct_payable0 + provider_id - :provider0, covered
        FROM bench_a WHERE hold_status = 'posted'""",
        """INSERT INTO ledger_holds (id, debit_account_id, credit_account_id, amount_cents,
            status, reference, created_at, expires_at, resolved_at, posted_cents,
            resolving_transaction_id)
        SELECT :hold0 + a, grant_account, :acct_payable0 + provider_id - :provider0, covered,
            hold_status, reference, created_at, NULL,
            CASE hold_status WHEN 'pending' THEN NULL WHEN 'posted' THEN t2 ELSE t1 END,
            CASE hold_status WHEN 'pending' THEN NULL WHEN 'posted' THEN covered ELSE 0 END,
            CASE WHEN hold_status = 'posted' THEN :tx_claim0 + a END
        FROM bench_a""",
        """INSERT INTO applications (id, reference, user_id, run_id, provider_id, status,
            price_cents, covered_cents, copay_cents, employer_cents, created_at, updated_at,
            respond_by)
        SELECT id, reference, user_id, run_id, provider_id, status, price, covered,
            price - covered, 0, created_at,
            CASE WHEN status IN ('submitted') THEN created_at
                 WHEN claim_status IN ('approved', 'in_batch', 'paid') THEN t2 ELSE t1 END,
            created_at + interval '14 days'
        FROM bench_a""",
        """INSERT INTO application_parts (id, application_id, grant_id, hold_id, cents)
        SELECT id, id, grant_id, :hold0 + a, covered FROM bench_a""",
    ]


def claims() -> list[str]:
    return [
        """INSERT INTO claims (id, reference, application_id, provider_id, fund_id, kind,
            status, version, invoice_number, invoice_date, amount_cents, vat_cents, description,
            attendance_pct, invoice_file, approvals_needed, reason, submitted_at, updated_at)
        SELECT :claim0 + a, claim_reference, id, provider_id, fund_id, 'final', claim_status, 1,
            'F' || (:claim0 + a), t1::date, covered, 0, 'Cursus afgerond', 90,
            'bench-invoice.pdf', 1,
            CASE WHEN claim_status = 'rejected' THEN 'Bewijs van deelname ontbreekt' END, t1,
            CASE WHEN claim_status IN ('submitted') THEN t1 ELSE t2 END
        FROM bench_a WHERE claim_status IS NOT NULL""",
        """INSERT INTO claim_approvals (claim_id, version, approver_id, at)
        SELECT :claim0 + a, 1, admin_id, t2 FROM bench_a WHERE hold_status = 'posted'""",
        """INSERT INTO claim_parts (id, claim_id, grant_id, hold_id, cents, transaction_id)
        SELECT :claim0 + a, :claim0 + a, grant_id, :hold0 + a, covered, :tx_claim0 + a
        FROM bench_a WHERE hold_status = 'posted'""",
    ]


def payouts() -> list[str]:
    """Paid claims in a closed batch per fund and month of approval; claims in a batch in one
    submitted batch per fund. One item per provider in a batch, one line per claim."""
    return [
        f"""CREATE UNLOGGED TABLE bench_b AS
        SELECT :batch0 + row_number() OVER (ORDER BY fund_id, paid DESC, m) AS id, x.*,
            CASE WHEN paid THEN least(max_t2 + interval '2 hours', {TS} - interval '2 hours')
                 ELSE {TS} - interval '1 hour' END AS submitted_at
        FROM (SELECT fund_id, claim_status = 'paid' AS paid,
                  CASE WHEN claim_status = 'paid' THEN date_trunc('month', t2) END AS m,
                  max(t2) AS max_t2, min(admin_id) AS admin_id, count(*) AS claims,
                  sum(covered) AS cents
              FROM bench_a WHERE claim_status IN ('paid', 'in_batch')
              GROUP BY 1, 2, 3) x""",
        "ALTER TABLE bench_a ADD COLUMN batch_id int",
        """UPDATE bench_a a SET batch_id = b.id FROM bench_b b
        WHERE a.claim_status IN ('paid', 'in_batch') AND b.fund_id = a.fund_id
          AND b.paid = (a.claim_status = 'paid')
          AND b.m IS NOT DISTINCT FROM CASE WHEN a.claim_status = 'paid'
                                            THEN date_trunc('month', a.t2) END""",
        f"""CREATE UNLOGGED TABLE bench_i AS
        SELECT row_number() OVER (ORDER BY a.batch_id, a.provider_id) AS no, a.batch_id,
            a.provider_id, sum(a.covered) AS cents, count(*) AS claims, min(b.paid::int) = 1
              AS paid, min(b.submitted_at) AS submitted_at,
            least(min(b.submitted_at) + interval '1 day', {TS} - interval '1 minute') AS paid_at,
            min(b.admin_id) AS admin_id, min(b.fund_id) AS fund_id
        FROM bench_a a JOIN bench_b b ON b.id = a.batch_id
        GROUP BY a.batch_id, a.provider_id""",
        """INSERT INTO payout_batches (id, reference, fund_id, method, status, claim_count,
            gross_cents, offset_cents, amount_cents, created_by_id, created_at, submitted_at,
            execution_date, closed_at, left_out)
        SELECT b.id, 'PB-' || to_char(b.submitted_at, 'YYYY') || '-' || lpad(b.id::text, 6, '0'),
            b.fund_id, 'sepa', CASE WHEN b.paid THEN 'closed' ELSE 'submitted' END, b.claims,
            b.cents, 0, b.cents, b.admin_id, b.submitted_at - interval '1 hour', b.submitted_at,
            b.submitted_at::date,
            CASE WHEN b.paid THEN (SELECT max(paid_at) FROM bench_i i WHERE i.batch_id = b.id)
            END, '[]'
        FROM bench_b b""",
        """INSERT INTO payout_items (id, batch_id, provider_id, status, gross_cents,
            offset_cents, amount_cents, account_holder, iban, bic, transfer_state, paid_at,
            transit_transaction_id)
        SELECT :item0 + i.no, i.batch_id, i.provider_id,
            CASE WHEN i.paid THEN 'paid' ELSE 'submitted' END, i.cents, 0, i.cents, p.name,
            p.iban, p.bic, 'none', CASE WHEN i.paid THEN i.paid_at END, NULL
        FROM bench_i i JOIN providers p ON p.id = i.provider_id""",
        """INSERT INTO payout_lines (item_id, claim_id, end_to_end_id, claim_cents,
            offset_cents, amount_cents, released, paid_at, returned_after_clawback)
        SELECT :item0 + i.no, :claim0 + a.a, a.claim_reference, a.covered, 0, a.covered, false,
            CASE WHEN i.paid THEN i.paid_at END, false
        FROM bench_a a
        JOIN bench_i i ON i.batch_id = a.batch_id AND i.provider_id = a.provider_id""",
        """INSERT INTO ledger_transactions (id, kind, description, reference, created_at,
            created_by_id)
        SELECT :tx_submit0 + i.no, 'payout_submit', 'Payout ' || b.reference, b.reference,
            i.submitted_at, i.admin_id
        FROM bench_i i JOIN payout_batches b ON b.id = i.batch_id
        UNION ALL
        SELECT :tx_paid0 + i.no, 'payout_paid', 'Paid ' || b.reference || ' (sepa)',
            b.reference, i.paid_at, i.admin_id
        FROM bench_i i JOIN payout_batches b ON b.id = i.batch_id WHERE i.paid""",
        """INSERT INTO ledger_postings (transaction_id, account_id, amount_cents)
        SELECT :tx_submit0 + i.no, :acct_payable0 + i.provider_id - :provider0, -i.cents
        FROM bench_i i
        UNION ALL
        SELECT :tx_submit0 + i.no, :acct_fund0 + 2 * f.fno + 1, i.cents
        FROM bench_i i JOIN bench_f f ON f.fund_id = i.fund_id
        UNION ALL
        SELECT :tx_paid0 + i.no, :acct_fund0 + 2 * f.fno + 1, -i.cents
        FROM bench_i i JOIN bench_f f ON f.fund_id = i.fund_id WHERE i.paid
        UNION ALL
        SELECT :tx_paid0 + i.no, :acct_fund0 + 2 * f.fno + 2, i.cents
        FROM bench_i i JOIN bench_f f ON f.fund_id = i.fund_id WHERE i.paid""",
        """UPDATE payout_items SET transit_transaction_id = id - :item0 + :tx_submit0
        WHERE id > :item0""",
    ]


def expiry() -> list[str]:
    """What was left on each expired grant went back to its pot, one transaction a day."""
    return [
        """CREATE UNLOGGED TABLE bench_x AS
        SELECT g.account_id, g.pot, g.amount - coalesce(p.posted, 0) AS cents,
            date_trunc('day', g.expires_at + interval '3 hours') AS day,
            g.expires_at + interval '3 hours' AS at
        FROM bench_g g
        LEFT JOIN (SELECT grant_id, sum(covered) AS posted FROM bench_a
                   WHERE hold_status = 'posted' GROUP BY grant_id) p ON p.grant_id = g.id
        WHERE g.expired AND g.amount - coalesce(p.posted, 0) > 0""",
        f"""INSERT INTO ledger_transactions (id, kind, description, created_at)
        SELECT :tx_exp0 + extract(day FROM day - {T0})::int, 'grant_expiry',
            'Vervallen budget terug naar het fonds', max(at)
        FROM bench_x GROUP BY day""",
        f"""INSERT INTO ledger_postings (transaction_id, account_id, amount_cents)
        SELECT :tx_exp0 + extract(day FROM day - {T0})::int, account_id, -cents FROM bench_x
        UNION ALL
        SELECT :tx_exp0 + extract(day FROM day - {T0})::int, pot, sum(cents)
        FROM bench_x GROUP BY day, pot""",
    ]


def placements(made: dict) -> list[str]:
    """Employer applications of four persons each under the two employer schemes; approved
    persons hold the commitment on the pot (three quarters now, a quarter on retention),
    retained and ended-early ones were reimbursed through an approved claim."""
    schemes = made["employer_schemes"]
    count = len(schemes)
    scheme = " ".join(f"WHEN {n} THEN {sid}" for n, (sid, _f) in enumerate(schemes))
    fund = " ".join(f"WHEN {n} THEN {fid}" for n, (_s, fid) in enumerate(schemes))
    occupations = sorted({o.name for o in kansberoepen()})
    state = f"""CASE WHEN {u("n", 23)} < 0.10 THEN 'in_review'
        WHEN {u("n", 23)} < 0.22 THEN 'rejected' WHEN {u("n", 23)} < 0.62 THEN 'approved'
        WHEN {u("n", 23)} < 0.87 THEN 'retained' WHEN {u("n", 23)} < 0.95 THEN 'ended_early'
        ELSE 'not_started' END"""
    posted_first = "status IN ('retained', 'ended_early')"
    return [
        f"""CREATE UNLOGGED TABLE bench_p AS
        SELECT q.*, q.wanted AS status
        FROM (
            SELECT n AS p, :placement0 + n AS id, :eapp0 + (n - 1) / 4 + 1 AS eapp_id,
                :employer0 + 1 + ((n - 1) / 4) % :NE AS employer_id,
                CASE ((n - 1) / 4) % {count} {scheme} END AS scheme_id,
                CASE ((n - 1) / 4) % {count} {fund} END AS fund_id,
                {T0} + {u("(n - 1) / 4", 21)} * ({TS} - interval '30 days' - {T0}) AS created_at,
                (1000 + floor({u("n", 22)} * 4000)::bigint) * 100 AS quote, {state} AS wanted
            FROM generate_series(1, :P) AS n
        ) q""",
        """ALTER TABLE bench_p ADD COLUMN start_date date, ADD COLUMN committed bigint,
            ADD COLUMN pot int, ADD COLUMN admin_id int""",
        """UPDATE bench_p p SET start_date = (p.created_at + interval '30 days')::date,
            committed = least(p.quote / 2, 750000), pot = f.pot, admin_id = f.admin_id
        FROM bench_f f WHERE f.fund_id = p.fund_id""",
        f"""UPDATE bench_p SET status = 'approved'
        WHERE status = 'retained'
          AND start_date + interval '12 months' > {TS} - interval '2 days'""",
        """INSERT INTO employer_applications (id, reference, employer_id, scheme_id, fund_id,
            status, submitted_by_id, submitted_on, created_at, updated_at)
        SELECT eapp_id,
            'WA-' || to_char(min(created_at), 'YYYY') || '-' || lpad(eapp_id::text, 6, '0'),
            min(employer_id), min(scheme_id), min(fund_id),
            CASE WHEN bool_or(status = 'in_review') THEN 'submitted' ELSE 'decided' END,
            :emp_user0 + min(employer_id) - :employer0, min(created_at)::date, min(created_at),
            min(created_at) + interval '10 days'
        FROM bench_p GROUP BY eapp_id""",
        f"""INSERT INTO ledger_transactions (id, kind, description, reference, created_at,
            created_by_id)
        SELECT :tx_reimb0 + 2 * p - 1, 'reimbursement', 'Reimbursement WD-' || (2 * p - 1),
            'placement:' || id,
            least(start_date + interval '60 days', {TS} - interval '1 hour'), admin_id
        FROM bench_p WHERE {posted_first}
        UNION ALL
        SELECT :tx_reimb0 + 2 * p, 'reimbursement', 'Reimbursement WD-' || (2 * p),
            'placement:' || id,
            least(start_date + interval '12 months 7 days', {TS} - interval '1 hour'), admin_id
        FROM bench_p WHERE status = 'retained'""",
        """INSERT INTO ledger_postings (transaction_id, account_id, amount_cents)
        SELECT :tx_reimb0 + 2 * p - 1, pot, -(committed - committed / 4) FROM bench_p
        WHERE status IN ('retained', 'ended_early')
        UNION ALL
        SELECT :tx_reimb0 + 2 * p - 1, :acct_employer0 + employer_id - :employer0,
            committed - committed / 4 FROM bench_p WHERE status IN ('retained', 'ended_early')
        UNION ALL
        SELECT :tx_reimb0 + 2 * p, pot, -(committed / 4) FROM bench_p WHERE status = 'retained'
        UNION ALL
        SELECT :tx_reimb0 + 2 * p, :acct_employer0 + employer_id - :employer0, committed / 4
        FROM bench_p WHERE status = 'retained'""",
        f"""INSERT INTO ledger_holds (id, debit_account_id, credit_account_id, amount_cents,
            status, reference, created_at, resolved_at, posted_cents, resolving_transaction_id)
        SELECT :hold0 + :A + 2 * p - 1 + x.part, pot, :acct_employer0 + employer_id - :employer0,
            CASE x.part WHEN 0 THEN committed - committed / 4 ELSE committed / 4 END,
            x.st, 'placement:' || id, created_at + interval '10 days',
            CASE WHEN x.st = 'pending' THEN NULL WHEN x.st = 'posted' THEN x.at
                 ELSE least(start_date + interval '4 months', {TS} - interval '1 hour') END,
            CASE x.st WHEN 'pending' THEN NULL WHEN 'posted' THEN
                CASE x.part WHEN 0 THEN committed - committed / 4 ELSE committed / 4 END
                ELSE 0 END,
            CASE WHEN x.st = 'posted' THEN :tx_reimb0 + 2 * p - 1 + x.part END
        FROM bench_p CROSS JOIN LATERAL (VALUES
            (0, CASE status WHEN 'approved' THEN 'pending' WHEN 'not_started' THEN 'voided'
                ELSE 'posted' END,
             least(start_date + interval '60 days', {TS} - interval '1 hour')),
            (1, CASE status WHEN 'approved' THEN 'pending' WHEN 'retained' THEN 'posted'
                ELSE 'voided' END,
             least(start_date + interval '12 months 7 days', {TS} - interval '1 hour'))
        ) AS x(part, st, at)
        WHERE status IN ('approved', 'retained', 'ended_early', 'not_started')""",
        f"""INSERT INTO placements (id, application_id, employer_id, scheme_id, status,
            full_name, date_of_birth, person_key, starting_situation, from_sbi_code, occupation,
            contract_type, hours_per_week, start_date, training_kind, provider_id,
            training_description, quote_cents, requested_cents, committed_cents, hold_id,
            retention_hold_id, decided_by_id, decided_at, closed_on, created_at, updated_at)
        SELECT id, eapp_id, employer_id, scheme_id, status, 'Persoon ' || p,
            date '1965-01-01' + (p * 7919) % 14000, 'persoon ' || p || '|' || p,
            {_pick(["other_sector", "ending_job", "benefit", "current_employee"], "p", 24)},
            {_pick(["10", "25", "28", "41", "43", "46", "47", "49", "62", "86"], "p", 25)},
            {_pick(occupations, "p", 26)},
            {_pick(["permanent", "fixed_term", "work_and_learn", "work_experience"], "p", 27)},
            24 + (p % 17), start_date,
            {_pick(["bespoke", "work_and_learn", "work_experience"], "p", 28)},
            :provider0 + 1 + p % :NP, 'Opleiding op maat', quote, least(quote / 2, 750000),
            CASE status WHEN 'approved' THEN committed WHEN 'retained' THEN committed
                WHEN 'ended_early' THEN committed - committed / 4 ELSE 0 END,
            CASE WHEN status NOT IN ('in_review', 'rejected') THEN :hold0 + :A + 2 * p - 1 END,
            CASE WHEN status NOT IN ('in_review', 'rejected') THEN :hold0 + :A + 2 * p END,
            CASE WHEN status <> 'in_review' THEN admin_id END,
            CASE WHEN status <> 'in_review' THEN created_at + interval '10 days' END,
            CASE status WHEN 'retained' THEN (start_date + interval '12 months')::date
                WHEN 'ended_early' THEN least(start_date + 120, ({TS})::date)
                WHEN 'not_started' THEN start_date END,
            created_at, created_at + interval '10 days'
        FROM bench_p""",
        f"""INSERT INTO reimbursement_claims (id, reference, placement_id, employer_id, fund_id,
            part, status, provider_id, invoice_number, invoice_date, invoice_cents,
            eligible_cents, reimbursement_cents, amount_cents, invoice_file, payment_proof_file,
            employment_proof_file, flags, approvals_needed, decided_by_id, decided_at,
            transaction_id, submitted_by_id, submitted_at, updated_at)
        SELECT :reimb0 + 2 * p - 1 + x.part,
            'WD-' || to_char(x.at, 'YYYY') || '-'
              || lpad((:reimb0 + 2 * p - 1 + x.part)::text, 7, '0'),
            id, employer_id, fund_id, CASE x.part WHEN 0 THEN 'first' ELSE 'retention' END,
            'approved', :provider0 + 1 + p % :NP, 'W' || p || '-' || x.part, x.at::date, quote,
            quote, committed,
            CASE x.part WHEN 0 THEN committed - committed / 4 ELSE committed / 4 END,
            'bench-invoice.pdf', 'bench-paid.pdf', 'bench-employed.pdf', '[]', 1, admin_id,
            x.at, :tx_reimb0 + 2 * p - 1 + x.part, :emp_user0 + employer_id - :employer0,
            x.at - interval '5 days', x.at
        FROM bench_p CROSS JOIN LATERAL (VALUES
            (0, least(start_date + interval '60 days', {TS} - interval '1 hour')),
            (1, least(start_date + interval '12 months 7 days', {TS} - interval '1 hour'))
        ) AS x(part, at)
        WHERE status = 'retained' OR (status = 'ended_early' AND x.part = 0)""",
        f"""INSERT INTO placement_follow_ups (placement_id, months, due_on, still_employed,
            recorded_by_id, recorded_at)
        SELECT id, m, (start_date + m * interval '1 month')::date,
            CASE WHEN start_date + m * interval '1 month' < {TS}
                 THEN NOT (status = 'ended_early' AND m = 12) END,
            CASE WHEN start_date + m * interval '1 month' < {TS}
                 THEN :emp_user0 + employer_id - :employer0 END,
            CASE WHEN start_date + m * interval '1 month' < {TS}
                 THEN least(start_date + m * interval '1 month' + interval '3 days', {TS}) END
        FROM bench_p CROSS JOIN (VALUES (6), (12)) AS x(m)
        WHERE status IN ('approved', 'retained', 'ended_early')""",
    ]


def flags() -> list[str]:
    codes = FLAG_CODES
    return [
        f"""INSERT INTO risk_flags (id, application_id, claim_id, code, severity, reason,
            created_at)
        SELECT :flag0 + a, id, NULL, code,
            CASE WHEN code IN ({", ".join(f"'{c}'" for c in HIGH_FLAGS)}) THEN 'high'
                 ELSE 'medium' END, 'Gevonden door de benchmark', created_at
        FROM (SELECT a, id, created_at, {_pick(codes, "a", 32)} AS code FROM bench_a
              WHERE {u("a", 31)} < 0.05) f""",
    ]


def audit() -> list[str]:
    """The audit event of every decision that moved money, as `ledger verify` ties them."""
    columns = "INSERT INTO audit_events (at, actor_id, subject_type, subject_id, action, after)"
    return [
        f"""{columns}
        SELECT {T0} + mno * interval '1 month' - interval '1 hour', admin_id, 'fund', fund_id,
            'deposit', json_build_object('cents', cents)
        FROM bench_d""",
        f"""{columns}
        SELECT granted_at, admin_id, 'grant', id, 'grant',
            json_build_object('scheme', scheme_id, 'worker', user_id, 'cents', amount)
        FROM bench_g WHERE mode <> 'entitlement'""",
        f"""{columns}
        SELECT started_at, NULL, 'allocation_run', id, 'allocate',
            json_build_object('scheme', scheme_id, 'period', period, 'grants', grants,
                              'cents', total_cents)
        FROM allocation_runs WHERE id > :arun0""",
        f"""{columns}
        SELECT max(x.at), NULL, 'fund', f.fund_id, 'expire_grants',
            json_build_object('cents', sum(x.cents))
        FROM bench_x x JOIN bench_f f ON f.pot = x.pot GROUP BY x.day, f.fund_id""",
        f"""{columns}
        SELECT t2, admin_id, 'claim', :claim0 + a, 'approve',
            json_build_object('status', 'approved', 'approvals', 1)
        FROM bench_a WHERE hold_status = 'posted'""",
        f"""{columns}
        SELECT decided_at, decided_by_id, 'reimbursement_claim', id, 'approve',
            json_build_object('status', 'approved')
        FROM reimbursement_claims WHERE id > :reimb0""",
        f"""{columns}
        SELECT submitted_at, created_by_id, 'payout_batch', id, 'submit',
            json_build_object('amount', amount_cents, 'offset', 0)
        FROM payout_batches WHERE id > :batch0""",
        f"""{columns}
        SELECT created_at + interval '10 days', admin_id, 'placement', id, 'approve',
            json_build_object('status', 'approved', 'committed_cents', committed)
        FROM bench_p WHERE status IN ('approved', 'retained', 'ended_early', 'not_started')
        UNION ALL
        SELECT closed_on::timestamp AT TIME ZONE 'UTC' + interval '12 hours', decided_by_id,
            'placement', id,
            CASE status WHEN 'retained' THEN 'retain' WHEN 'ended_early' THEN 'end_early'
                        ELSE 'not_started' END, json_build_object('status', status)
        FROM placements
        WHERE id > :placement0 AND status IN ('retained', 'ended_early', 'not_started')""",
        f"""{columns}
        SELECT paid_at, NULL, 'payout_item', id, 'paid', json_build_object('via', 'bank')
        FROM payout_items WHERE id > :item0 AND status = 'paid'""",
    ]


def finish() -> list[str]:
    """Balances from the postings and pending holds, schemes' committed, sequences."""
    sequences = [
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
        "application_parts",
        "claims",
        "claim_parts",
        "payout_batches",
        "payout_items",
        "employer_applications",
        "placements",
        "reimbursement_claims",
        "risk_flags",
    ]
    return [
        """UPDATE ledger_accounts a SET posted_cents = coalesce(p.total, 0),
            held_cents = coalesce(h.total, 0)
        FROM ledger_accounts a2
        LEFT JOIN (SELECT account_id, sum(amount_cents) AS total FROM ledger_postings
                   GROUP BY account_id) p ON p.account_id = a2.id
        LEFT JOIN (SELECT debit_account_id, sum(amount_cents) AS total FROM ledger_holds
                   WHERE status = 'pending' GROUP BY debit_account_id) h
               ON h.debit_account_id = a2.id
        WHERE a.id = a2.id AND (a.posted_cents <> coalesce(p.total, 0)
                                OR a.held_cents <> coalesce(h.total, 0))""",
        # A scheme's cap or budget is at most EUR 10 million through the forms; at this scale
        # its grants or placements commit more, so the cap is raised to what they commit.
        """UPDATE schemes s SET committed_cents = g.total,
            total_cap_cents = greatest(s.total_cap_cents, g.total)
        FROM (SELECT scheme_id, sum(amount_cents) AS total FROM grants GROUP BY scheme_id) g
        WHERE g.scheme_id = s.id""",
        """UPDATE schemes s SET committed_cents = p.total,
            total_cap_cents = greatest(s.total_cap_cents, p.total)
        FROM (SELECT scheme_id, sum(committed_cents) AS total FROM placements
              GROUP BY scheme_id) p
        WHERE p.scheme_id = s.id AND s.kind = 'employer'""",
        *[
            f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"
            for t in sequences
        ],
        "DROP TABLE bench_f, bench_s, bench_g, bench_d, bench_a, bench_b, bench_i, bench_x, "
        "bench_p",
    ]


def steps(made: dict) -> list[tuple[str, list[str]]]:
    """(label, statements) in the order they must run."""
    return [
        ("providers, employers, courses", reference(made)),
        ("workers", workers()),
        ("grants", grants()),
        ("deposits and grant transactions", money_in()),
        ("applications and holds", applications()),
        ("claims", claims()),
        ("payout batches", payouts()),
        ("grant expiry", expiry()),
        ("placements", placements(made)),
        ("risk flags", flags()),
        ("audit trail", audit()),
        ("balances and sequences", finish()),
    ]
