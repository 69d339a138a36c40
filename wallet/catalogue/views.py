"""Catalogue pages: search and course pages for everyone (with the plan for workers),
course management and import for providers, moderation for administrators."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wallet.accounts.access import role_required
from wallet.accounts.forms import ColleagueForm
from wallet.accounts.models import Role
from wallet.audit.services import history
from wallet.catalogue import services
from wallet.catalogue.forms import (
    AccreditationForm,
    CourseForm,
    DecisionForm,
    ExclusionForm,
    ImportForm,
    ProviderDetailsForm,
    RunForm,
    SearchForm,
)
from wallet.catalogue.import_help import FORMATS, MEDIA_TYPES, help_rows, sample_file
from wallet.catalogue.imports import ImportRefused, import_courses
from wallet.catalogue.search import SearchQuery, accreditations_of, course_facts, search
from wallet.catalogue.suggest import did_you_mean
from wallet.core import clock
from wallet.core.errors import DomainError, ValidationFailed
from wallet.core.forms import add_colleague, show_errors
from wallet.funding.plan import plan_funding
from wallet.funding.services import worker_grant_facts
from wallet.providers import services as providers
from wallet.providers.models import ProviderStatus
from wallet.reference import municipalities

bp = Blueprint("catalogue", __name__)
ADMINS = (Role.PLATFORM_ADMIN, Role.FUND_ADMIN)
MAX_PROBLEMS_SHOWN = 200  # a file wrong throughout: the first ones say enough


def _is_worker() -> bool:
    return current_user.is_authenticated and current_user.role == Role.WORKER


def query_from(form: SearchForm) -> SearchQuery:
    """The search the form asks for; an invalid field simply filters nothing."""
    place = form.place.data or ""
    codes: tuple[str, ...] = ()
    if place.startswith("region:"):
        region = place.removeprefix("region:")
        codes = tuple(c for c, m in municipalities().items() if m.region == region)
    elif place:
        codes = (place,)

    def level(field):
        # NLQF levels are 1 to 8; a longer number is no level (and no database integer).
        text = str(field.data or "")
        return int(text) if text.isdigit() and len(text) <= 2 else None

    return SearchQuery(
        text=form.q.data or "",
        municipality_codes=codes,
        nlqf_min=level(form.nlqf_min),
        nlqf_max=level(form.nlqf_max),
        kinds=(form.kind.data,) if form.kind.data else (),
        modality=form.modality.data or None,
        language=form.language.data or None,
        sector=form.sector.data or None,
        price_min_cents=form.price_min.cents,
        price_max_cents=form.price_max.cents,
        starts_from=form.starts_from.data,
        starts_until=form.starts_until.data,
        accreditation=form.accreditation.data or None,
        within_budget=bool(form.within_budget.data),
        sort=form.sort.data
        if form.sort.data in ("relevance", "start", "price", "copay")
        else "relevance",
        page=form.page.data if not form.page.errors and form.page.data else 1,
        by_course=True,
    )


@bp.get("/catalogue")
def search_page():
    """Search courses (their runs grouped under them); workers see what their budget pays;
    a search that finds nothing offers the nearest known words."""
    form = SearchForm(request.args)
    form.validate()  # fields with errors are shown and ignored
    grants = worker_grant_facts(current_user.id) if _is_worker() else None
    query = query_from(form)
    results = search(query, grants)
    # Also beside results: PostgreSQL's stemming finds "lasen", but it was still a typo.
    suggestion = did_you_mean(query.text) if query.text else None
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "catalogue/search.html", form=form, results=results, args=args, suggestion=suggestion
    )


@bp.get("/catalogue/runs/<int:run_id>")
def run_page(run_id: int):
    """A course run with its course, provider, other runs and the worker's funding plan."""
    from wallet.catalogue.models import CourseRun
    from wallet.core.db import session

    run = session.get(CourseRun, run_id)
    if run is None:
        abort(404)
    course = run.course
    admin = current_user.is_authenticated and current_user.role in ADMINS
    if not admin and (not course.published or course.provider.status != ProviderStatus.ACCREDITED):
        abort(404)
    plan = applied = None
    if _is_worker():
        # Applications sit above the catalogue; only this page asks them, so only here.
        from wallet.applications.services import application_for_course

        kinds = accreditations_of({course.provider_id}, clock.today()).get(course.provider_id)
        facts = course_facts(course, run.starts_on, kinds or frozenset())
        plan = plan_funding(facts, worker_grant_facts(current_user.id))
        applied = application_for_course(current_user.id, course.id)
    return render_template(
        "catalogue/run.html",
        run=run,
        course=course,
        plan=plan,
        applied=applied,
        admin=admin,
        prices=services.price_history(course.id) if admin else [],
        decision_form=DecisionForm(),
        may_moderate=admin and current_user.role == Role.PLATFORM_ADMIN,
    )


@bp.post("/catalogue/courses/<int:course_id>/publication")
@role_required(Role.PLATFORM_ADMIN)
def set_publication(course_id: int):
    """Unpublish a course with a reason, or publish it again (platform administrators)."""
    form = DecisionForm()
    publish = request.form.get("publish") == "1"
    if not publish and not form.validate_on_submit():
        flash(_("Give a reason; the provider sees it."), "error")
    else:
        services.set_published(
            course_id, publish, reason=form.reason.data or "", actor_id=current_user.id
        )
        flash(
            _("The course is published.") if publish else _("The course is unpublished."), "success"
        )
    course = services.get_course(course_id)
    run = course.runs[0] if course.runs else None
    return redirect(url_for("catalogue.run_page", run_id=run.id) if run else url_for("home.index"))


@bp.route("/provider/courses", methods=["GET", "POST"])
@role_required(Role.PROVIDER_STAFF)
def provider_courses():
    """A provider's courses and the import of a catalogue file."""
    form = ImportForm()
    status, refused = 200, None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            changed = import_courses(
                current_user.provider_id,
                upload.filename or "",
                upload.read(),
                actor_id=current_user.id,
            )
        except ImportRefused as error:
            status, refused = 422, error  # shown as a table of problems, row by row
        except DomainError as error:
            status = 422
            flash(error.detail, "error")
        else:
            flash(_("%(count)d courses added or changed.", count=changed), "success")
            return redirect(url_for("catalogue.provider_courses"))
    elif form.errors:
        status = 422
    return render_template(
        "catalogue/provider_courses.html",
        form=form,
        courses=services.courses_of(current_user.provider_id),
        provider=current_user.provider,
        refused=refused,
        max_problems=MAX_PROBLEMS_SHOWN,
        help_rows={file_format: help_rows(file_format) for file_format in FORMATS},
    ), status


@bp.get("/provider/courses/import-files/<kind>.<file_format>")
@role_required(Role.PROVIDER_STAFF)
def import_file(kind: str, file_format: str):
    """A template (the fields, empty) or a worked example of a catalogue file."""
    if kind not in ("template", "example") or file_format not in FORMATS:
        abort(404)
    name = f"leerwallet-{kind}.{file_format}"
    return Response(
        sample_file(kind, file_format),
        mimetype=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/provider/organisation", methods=["GET", "POST"])
@role_required(Role.PROVIDER_STAFF)
def organisation():
    """The provider's details and accreditations."""
    provider = current_user.provider
    details = ProviderDetailsForm(obj=provider if request.method == "GET" else None)
    accreditation = AccreditationForm(prefix="accreditation")
    colleague = ColleagueForm(prefix="colleague")
    status = 200
    if request.method == "POST" and request.form.get("form") == "colleague":
        back = url_for("catalogue.organisation")
        if added := add_colleague(colleague, providers.add_staff_member, provider.id, back):
            return added
        status = 422
    elif request.method == "POST" and request.form.get("form") == "details":
        if details.validate_on_submit():
            try:
                providers.update_details(
                    provider.id,
                    providers.ProviderDetails(
                        **{
                            f: getattr(details, f).data or ""
                            for f in (
                                "name",
                                "vat_number",
                                "street",
                                "postcode",
                                "city",
                                "contact_email",
                                "contact_phone",
                                "website",
                            )
                        }
                    ),
                    actor_id=current_user.id,
                )
            except ValidationFailed as error:
                show_errors(details, error)
            else:
                flash(_("Your details are saved."), "success")
                return redirect(url_for("catalogue.organisation"))
        status = 422
    elif request.method == "POST" and request.form.get("form") == "accreditation":
        if accreditation.validate_on_submit():
            claim = providers.AccreditationClaim(
                kind=accreditation.kind.data,
                reference=accreditation.reference.data,
                evidence=accreditation.evidence.data,
                valid_from=accreditation.valid_from.data,
                valid_until=accreditation.valid_until.data,
            )
            try:
                providers.add_accreditation(provider.id, claim, actor_id=current_user.id)
            except ValidationFailed as error:
                show_errors(accreditation, error)
            else:
                flash(_("The accreditation is added."), "success")
                return redirect(url_for("catalogue.organisation"))
        status = 422
    return render_template(
        "catalogue/organisation.html",
        provider=provider,
        details=details,
        accreditation=accreditation,
        colleague=colleague,
        staff=providers.staff_of(provider.id),
    ), status


@bp.get("/admin/providers")
@role_required(*ADMINS)
def moderation():
    """Providers by status, the ones waiting first."""
    wanted = request.args.get("status", "pending")
    try:
        status = ProviderStatus(wanted)
    except ValueError:
        status = ProviderStatus.PENDING
    return render_template(
        "catalogue/moderation.html", status=status, providers=providers.providers_by_status(status)
    )


@bp.route("/admin/providers/<int:provider_id>", methods=["GET", "POST"])
@role_required(*ADMINS)
def provider_page(provider_id: int):
    """A provider with its details, accreditations, courses and history; decide on it.

    Accrediting, suspending and revoking are platform decisions: a fund administrator sees
    the page and can exclude the provider from the fund's own schemes (exclusion), no more.
    """
    provider = providers.get_provider(provider_id)
    platform = current_user.role == Role.PLATFORM_ADMIN
    form = DecisionForm()
    if request.method == "POST" and not platform:
        abort(403)
    if request.method == "POST":
        action = request.form.get("action", "")
        if form.validate_on_submit() and action in providers.ACTIONS:
            try:
                providers.change_status(
                    provider_id, action, reason=form.reason.data, actor_id=current_user.id
                )
            except DomainError as error:
                flash(error.detail, "error")
            else:
                flash(_("The decision is recorded."), "success")
                return redirect(url_for("catalogue.provider_page", provider_id=provider_id))
        else:
            flash(_("Give a reason; the provider sees it."), "error")
    return render_template(
        "catalogue/provider.html",
        provider=provider,
        form=form,
        courses=services.courses_of(provider_id),
        events=history("provider", provider_id),
        actions=[
            a
            for a in providers.ACTIONS
            if platform and (provider.status, a) in providers.TRANSITIONS
        ],
        exclusion=None if platform else providers.exclusion_of(current_user.fund_id, provider.id),
        exclusion_form=None if platform else ExclusionForm(),
    )


@bp.post("/fund/providers/<int:provider_id>/exclusion")
@role_required(Role.FUND_ADMIN)
def exclusion(provider_id: int):
    """Exclude the provider from this fund's schemes, or undo that, with a reason."""
    form = ExclusionForm()
    form.validate()
    action = request.form.get("action", "")
    change = {"exclude": providers.exclude_provider, "readmit": providers.readmit_provider}
    if action not in change:
        abort(404)
    try:
        change[action](
            current_user.fund_id,
            provider_id,
            reason=form.reason.data or "",
            actor_id=current_user.id,
        )
    except DomainError as error:
        flash(error.detail, "error")
    else:
        done = {
            "exclude": _("The provider is excluded from your fund's schemes."),
            "readmit": _("Your fund's schemes pay at this provider again."),
        }
        flash(done[action], "success")
    return redirect(url_for("catalogue.provider_page", provider_id=provider_id))


def _own_course(course_id: int):
    course = services.get_course(course_id)
    if course.provider_id != current_user.provider_id:
        abort(404)
    return course


def _lines(text: str | None) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


@bp.route("/provider/courses/new", methods=["GET", "POST"])
@bp.route("/provider/courses/<int:course_id>/edit", methods=["GET", "POST"])
@role_required(Role.PROVIDER_STAFF)
def edit_course(course_id: int | None = None):
    """Add a course, or change one, by hand."""
    course = _own_course(course_id) if course_id else None
    form = CourseForm()
    if request.method == "GET" and course is not None:
        form.process(obj=course)
        form.price.data = course.price_cents
        form.skills.data = "\n".join(course.skills or [])
        form.occupations.data = "\n".join(course.occupations or [])
        form.nlqf_level.data = str(course.nlqf_level or "")
        form.modality.data, form.vat.data = course.modality.value, course.vat.value
    status = 200
    if form.validate_on_submit():
        data = services.CourseInput(
            code=course.code if course else form.code.data.strip(),
            title_nl=form.title_nl.data,
            description_nl=form.description_nl.data,
            kind=form.kind.data,
            sector=form.sector.data,
            hours=form.hours.data,
            modality=form.modality.data,
            language=form.language.data,
            municipality_code=form.municipality_code.data,
            price_cents=form.price.cents,
            vat=form.vat.data,
            nlqf_level=int(form.nlqf_level.data or 0) or None,
            programme_code=form.programme_code.data or "",
            skills=_lines(form.skills.data),
            occupations=_lines(form.occupations.data),
            title_en=form.title_en.data or "",
            title_de=form.title_de.data or "",
            description_en=form.description_en.data or "",
            description_de=form.description_de.data or "",
        )
        try:
            services.save_courses(current_user.provider_id, [data], actor_id=current_user.id)
        except ValidationFailed as error:
            error.errors = {key.split(".", 1)[-1]: value for key, value in error.errors.items()}
            error.errors = {
                ("price" if k == "price_cents" else k): v for k, v in error.errors.items()
            }
            show_errors(form, error)
        else:
            flash(_("The course is saved."), "success")
            return redirect(url_for("catalogue.provider_courses"))
    if form.errors:
        status = 422
    return render_template(
        "catalogue/course_form.html", form=form, course=course, run_form=RunForm(prefix="run")
    ), status


@bp.post("/provider/courses/<int:course_id>/runs")
@role_required(Role.PROVIDER_STAFF)
def add_run(course_id: int):
    """Add a run to a course (or change the run with the same code)."""
    course = _own_course(course_id)
    form = RunForm(prefix="run")
    if form.validate_on_submit():
        run = services.RunInput(
            code=form.code.data.strip(),
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            seats=form.seats.data,
            municipality_code=form.municipality_code.data,
            location=form.location.data or "",
        )
        try:
            services.save_courses(
                course.provider_id,
                [services.course_input_of(course, (run,))],
                actor_id=current_user.id,
            )
        except ValidationFailed as error:
            flash(" ".join([error.detail, *map(str, error.errors.values())]), "error")
        else:
            flash(_("The run is saved."), "success")
    else:
        flash(" ".join(" ".join(e) for e in form.errors.values()), "error")
    return redirect(url_for("catalogue.edit_course", course_id=course_id))
