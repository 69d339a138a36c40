"""The start page: a welcome for visitors, the dashboard of their role for users."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from wallet.accounts.forms import LanguageForm
from wallet.accounts.models import Role
from wallet.accounts.services import count_users_by_role
from wallet.brokers.services import funds_with_brokers
from wallet.brokers.views import start_context as broker_start_context
from wallet.catalogue.matching import recommend
from wallet.employers.models import EmployerStatus
from wallet.employers.services import employers_by_status
from wallet.employers.views import start_context as employer_start_context
from wallet.funds.views import overview_context
from wallet.grants.applying import open_schemes_for
from wallet.grants.balances import grants_of, spendable
from wallet.home.work import provider_work
from wallet.placements.labels import STATUS_LABELS
from wallet.placements.services import trajectories_of
from wallet.providers.services import providers_pending_verification
from wallet.reference import EMPLOYMENT_STATUSES, NLQF_LEVELS, SECTORS, municipality
from wallet.reports.dashboard_page import dashboard_context
from wallet.schemes.employer_rules import TRAINING_KINDS

bp = Blueprint("home", __name__)


@bp.app_context_processor
def _layout_context():
    # formdata=None: the layout's form never reads this request's body, so an error page
    # for a body too large (413) or malformed can still be drawn.
    return {"language_form": LanguageForm(formdata=None), "Role": Role}


@bp.get("/")
def index():
    """Welcome page, or the dashboard of the logged-in user's role."""
    if not current_user.is_authenticated:
        return render_template("home/index.html")
    if current_user.role == Role.WORKER:
        profile = current_user.profile
        grants = grants_of(current_user.id)
        return render_template(
            "home/worker.html",
            grants=grants,
            spendable=spendable(grants),
            recommendations=recommend(current_user.id),
            schemes=open_schemes_for(current_user.id),
            profile=profile,
            municipality=municipality(profile.municipality_code),
            employment_status=EMPLOYMENT_STATUSES.get(profile.employment_status),
            sector=SECTORS.get(profile.sector),
            level=NLQF_LEVELS.get(profile.education_level),
            trajectories=trajectories_of(current_user),
            training_kinds=TRAINING_KINDS,
            placement_labels=STATUS_LABELS,
        )
    if current_user.role == Role.PROVIDER_STAFF:
        return render_template(
            "home/provider.html",
            provider=current_user.provider,
            work=provider_work(current_user.provider_id),
        )
    if current_user.role == Role.EMPLOYER_STAFF:
        return render_template("employers/start.html", **employer_start_context())
    if current_user.role == Role.BROKER:
        return render_template("brokers/start.html", **broker_start_context())
    if current_user.role == Role.FUND_ADMIN:
        return render_template(
            "home/fund_admin.html",
            **overview_context(),
            **dashboard_context(current_user.fund_id, request.args),
        )
    return render_template(
        "home/platform_admin.html",
        user_counts=count_users_by_role(),
        pending=providers_pending_verification(),
        pending_employers=employers_by_status(EmployerStatus.PENDING, limit=50),
        broker_funds=funds_with_brokers(),
    )
