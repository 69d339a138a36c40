"""Imports every model so Base.metadata knows all tables (Alembic, tests)."""

from wallet.accounts.models import ApiToken, LoginFailure, PasswordReset, User, WorkerProfile
from wallet.applications.models import Application, ApplicationPart
from wallet.audit.models import AuditEvent
from wallet.bankdetails.models import BankAccountChange
from wallet.brokers.models import CaseloadContact, CaseloadEntry
from wallet.catalogue.models import Course, CourseRun, PriceChange
from wallet.claims.models import Claim, ClaimApproval, ClaimPart, ClaimVersion
from wallet.core.idempotency import IdempotencyKey
from wallet.employers.models import Employer
from wallet.fraud.models import RiskFlag
from wallet.funds.models import Fund
from wallet.grants.models import (
    AllocationRun,
    ExpiryReminder,
    Grant,
    LotteryDraw,
    SchemeApplication,
)
from wallet.ledger.last_verify import LedgerVerifyRun
from wallet.ledger.models import Hold, LedgerAccount, LedgerTransaction, Posting
from wallet.notifications.models import OutboxMessage
from wallet.oidc.models import OidcIdentity
from wallet.passkeys.models import AnsweredChallenge, Passkey
from wallet.payments.models import (
    BankStatementImport,
    Copayment,
    PayoutBatch,
    PayoutItem,
    PayoutLine,
    StripeEvent,
)
from wallet.placements.models import EmployerApplication, FollowUp, Placement, ReimbursementClaim
from wallet.providers.models import Accreditation, FundProviderExclusion, Provider
from wallet.reports.models import HoldDay, MoneyDay, RollupMark
from wallet.reports.snapshots import ReportSnapshot
from wallet.scheduler.locks import JobLease, JobRun
from wallet.schemes.models import Scheme
from wallet.sessions.models import StoredSession
from wallet.twofactor.models import RecoveryCode, TotpFactor
from wallet.verification.models import AccountSignal, EmailVerification, GrantHold, IdentityMatch
from wallet.waitingroom.models import WaitingRoom, WaitingTicket

__all__ = [
    "AccountSignal",
    "Accreditation",
    "AllocationRun",
    "AnsweredChallenge",
    "ApiToken",
    "Application",
    "ApplicationPart",
    "AuditEvent",
    "BankAccountChange",
    "BankStatementImport",
    "CaseloadContact",
    "CaseloadEntry",
    "Claim",
    "ClaimApproval",
    "ClaimPart",
    "ClaimVersion",
    "Copayment",
    "Course",
    "CourseRun",
    "EmailVerification",
    "Employer",
    "EmployerApplication",
    "ExpiryReminder",
    "FollowUp",
    "Fund",
    "FundProviderExclusion",
    "Grant",
    "GrantHold",
    "Hold",
    "HoldDay",
    "IdempotencyKey",
    "IdentityMatch",
    "JobLease",
    "JobRun",
    "LedgerAccount",
    "LedgerTransaction",
    "LedgerVerifyRun",
    "LoginFailure",
    "LotteryDraw",
    "MoneyDay",
    "OidcIdentity",
    "OutboxMessage",
    "Passkey",
    "PasswordReset",
    "PayoutBatch",
    "PayoutItem",
    "PayoutLine",
    "Placement",
    "Posting",
    "PriceChange",
    "Provider",
    "RecoveryCode",
    "ReimbursementClaim",
    "ReportSnapshot",
    "RiskFlag",
    "RollupMark",
    "Scheme",
    "SchemeApplication",
    "StoredSession",
    "StripeEvent",
    "TotpFactor",
    "User",
    "WaitingRoom",
    "WaitingTicket",
    "WorkerProfile",
]
