"""Trainings an agency hosts: its coordinators propose them, then keep their rosters, attendance
and notes, as curators do in the admin.

Every view takes the agency resolved by ``coordinator_required``, and fetches the training
through that agency: another agency's training answers 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from members.permissions import CoordinatorRequiredMixin, coordinator_required
from portal.downloads import pdf_response
from portal.exceptions import ApplicationError
from portal.listing import FilteredListView
from portal.spreadsheets import csv_response

from .. import selectors, services
from ..forms import attendance_marks, session_attendance_marks
from ..models import Attendance, RegistrationStatus
from ..printouts import badges_pdf, sign_in_filename, sign_in_sheet_pdf
from ..proposal_forms import NotesForm, ProposalForm
from ..spreadsheets import sign_in_sheet

PAGE_SIZE = 50


@coordinator_required
def agency_propose_training(request, agency):
    trainers = selectors.agency_trainers(agency=agency)
    form = ProposalForm(request.POST or None, agency=agency, trainers=trainers)
    if request.method == "POST" and trainers and form.is_valid():
        try:
            training = services.training_propose(
                agency=agency, proposed_by=request.user, **form.proposal()
            )
        except services.TrainingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Thank you! “%(title)s” is submitted. A curator will review it and publish "
                    "it in the catalog; we email you when it is."
                )
                % {"title": training.title},
            )
            return redirect("trainings:agency_hosted", slug=agency.slug)
    return render(
        request,
        "trainings/manage/propose.html",
        {"agency": agency, "form": form, "trainers": trainers},
        status=400 if request.method == "POST" else 200,
    )


class HostedTrainingsView(CoordinatorRequiredMixin, FilteredListView):
    http_method_names = ["get", "head", "options"]
    template_name = "trainings/manage/hosted.html"
    context_object_name = "trainings"
    paginate_by = PAGE_SIZE

    def get_filterset(self):
        return selectors.hosted_trainings(agency=self.agency, data=self.request.GET)


@coordinator_required
def agency_hosted_roster(request, agency, training_slug: str):
    """The roster of a hosted training; confirmed people's attendance is marked here, through
    ``attendance_mark`` (attending a concepts training records the credential)."""
    training = selectors.hosted_training(agency=agency, slug=training_slug)
    registrations = list(selectors.training_roster(training=training))
    if request.method == "POST":
        confirmed = [r.pk for r in registrations if r.status == RegistrationStatus.CONFIRMED]
        try:
            outcome = services.attendance_mark(
                training=training,
                marks=attendance_marks(request.POST),
                session_marks=session_attendance_marks(request.POST, confirmed_ids=confirmed),
                marked_by=request.user,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            for note in outcome.refused:
                messages.error(request, str(note))
            for note in outcome.kept:
                messages.warning(request, str(note))
            messages.success(
                request,
                ngettext(
                    "Attendance saved for %d person.",
                    "Attendance saved for %d people.",
                    outcome.changed,
                )
                % outcome.changed,
            )
        return redirect(request.path)
    return render(
        request,
        "trainings/manage/hosted_roster.html",
        {
            "agency": agency,
            "training": training,
            "registrations": registrations,
            "confirmed_count": sum(1 for r in registrations if r.status == "confirmed"),
            "attendance_choices": Attendance.choices,
            **selectors.attendance_grid(training=training, registrations=registrations),
            "evaluations": selectors.evaluation_summary(training=training),
            "notes_form": NotesForm(initial={"notes": training.notes}),
            "materials": selectors.training_materials(training=training),
        },
    )


@require_safe
@coordinator_required
def agency_hosted_sign_in_sheet(request, agency, training_slug: str):
    training = selectors.hosted_training(agency=agency, slug=training_slug)
    return csv_response(f"{training.slug}-sign-in.csv", *sign_in_sheet(training))


@require_safe
@coordinator_required
def agency_hosted_sign_in_pdf(request, agency, training_slug: str, session_id: int):
    """A session's sign-in sheet to print: names and agencies, a column to sign, no emails."""
    training = selectors.hosted_training(agency=agency, slug=training_slug)
    session = selectors.training_session(training=training, session_id=session_id)
    sheet = selectors.session_sign_in_sheet(training=training, session=session)
    filename = sign_in_filename(training.slug, localdate(session.starts_at))
    return pdf_response(filename, sign_in_sheet_pdf(sheet))


@require_safe
@coordinator_required
def agency_hosted_badges(request, agency, training_slug: str):
    """Name badges for the confirmed people of a training held in person (or hybrid)."""
    training = selectors.hosted_training(agency=agency, slug=training_slug)
    if training.is_online_only:
        raise Http404
    badges = selectors.name_badges(training=training)
    return pdf_response(
        f"{training.slug}-badges.pdf", badges_pdf(training_title=training.title, badges=badges)
    )


@require_POST
@coordinator_required
def agency_hosted_notes(request, agency, training_slug: str):
    training = selectors.hosted_training(agency=agency, slug=training_slug)
    form = NotesForm(request.POST)
    if form.is_valid():
        services.training_notes_update(training=training, notes=form.cleaned_data["notes"])
        messages.success(request, _("The notes are saved."))
    else:
        messages.error(request, " ".join(form.errors.get("notes", [_("Check the notes.")])))
    url = reverse(
        "trainings:agency_hosted_roster",
        kwargs={"slug": agency.slug, "training_slug": training.slug},
    )
    return redirect(f"{url}#notes")
