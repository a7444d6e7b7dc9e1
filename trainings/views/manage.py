"""Coordinators register their staff and follow their agency's registrations.

Every view takes the agency resolved by ``coordinator_required``; registrations and people are
fetched through that agency, so another agency's ids answer 404.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import selectors as member_selectors
from members.permissions import CoordinatorRequiredMixin, coordinator_required
from portal.forms import id_or_404, parse_id
from portal.listing import FilteredListView
from portal.spreadsheets import csv_response

from .. import rules, selectors, services, spreadsheets
from ..models import Registration, Status
from .registration import busy_response, cancel_with_message, cancelled_redirect

PAGE_SIZE = 50


def _agency_registration(agency, registration_id: int) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related("training", "person__user"),
        pk=registration_id,
        agency=agency,
    )


class AgencyRegistrationsView(CoordinatorRequiredMixin, FilteredListView):
    http_method_names = ["get", "head", "options"]
    template_name = "trainings/manage/registrations.html"
    context_object_name = "registrations"
    paginate_by = PAGE_SIZE

    def get_filterset(self):
        return selectors.agency_registrations(agency=self.agency, data=self.request.GET)

    def get_context_data(self, **kwargs):
        return super().get_context_data(upcoming=selectors.upcoming_published(limit=100), **kwargs)


@coordinator_required
def agency_registrations_csv(request, agency):
    filterset = selectors.agency_registrations(agency=agency, data=request.GET)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponse(
            _("Invalid filter."), status=400, content_type="text/plain; charset=utf-8"
        )
    header, rows = spreadsheets.agency_registrations_sheet(filterset.qs)
    return csv_response(f"{agency.slug}-registrations.csv", header, rows)


@coordinator_required
def agency_register_staff(request, agency, training_slug: str):
    """Pick several staff from the roster and register them at once."""
    training = selectors.registrable_training(slug=training_slug)
    if training.status == Status.CANCELLED:
        return cancelled_redirect(request, training)
    candidates = selectors.batch_candidates(agency=agency, training=training)
    if request.method == "POST":
        wanted = {parse_id(value) for value in request.POST.getlist("people")}
        people = member_selectors.roster_people(agency=agency, ids=wanted)
        if len(people) != len(wanted):
            # Someone not on this agency's roster: tampering, or a stale form.
            return HttpResponse(
                _("Some of the people chosen are not on this agency's roster."),
                status=404,
                content_type="text/plain; charset=utf-8",
            )
        if not people:
            messages.error(request, _("Choose at least one person."))
        else:
            try:
                outcomes = services.registration_create_batch(
                    training=training, agency=agency, people=people, registered_by=request.user
                )
            except services.SeatsBusy as error:
                return busy_response(request, error)
            except services.RegistrationError as error:
                messages.error(request, error.message)
            else:
                return render(
                    request,
                    "trainings/manage/register_result.html",
                    {"agency": agency, "training": training, "outcomes": outcomes},
                )
    return render(
        request,
        "trainings/manage/register_staff.html",
        {
            "agency": agency,
            "training": training,
            "candidates": candidates,
            "closed_reason": rules.registration_closed_reason(training, now=timezone.now()),
        },
    )


@require_POST
@coordinator_required
def agency_registration_cancel(request, agency, registration_id: int):
    registration = _agency_registration(agency, registration_id)
    busy = cancel_with_message(
        request,
        registration,
        _("Cancelled %(name)s for %(title)s.")
        % {
            "name": registration.person.display_name if registration.person else "—",
            "title": registration.training.title,
        },
    )
    if busy:
        return busy
    return redirect("trainings:agency_registrations", slug=agency.slug)


@coordinator_required
def agency_registration_substitute(request, agency, registration_id: int):
    registration = _agency_registration(agency, registration_id)
    staff = member_selectors.agency_staff(agency=agency).exclude(person_id=registration.person_id)
    status = 200
    if request.method == "POST" and not request.POST.get("person"):
        messages.error(request, _("Choose who takes the place."))
        status = 400
    elif request.method == "POST":
        value = request.POST["person"]
        membership = get_object_or_404(staff, person_id=id_or_404(value))
        try:
            substitute = services.registration_substitute(
                registration=registration,
                person=membership.person,
                substituted_by=request.user,
            )
        except services.SeatsBusy as error:
            return busy_response(request, error)
        except services.RegistrationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(new)s takes the place of %(old)s.")
                % {
                    "new": substitute.person.display_name,
                    "old": registration.person.display_name if registration.person else "—",
                },
            )
            return redirect("trainings:agency_registrations", slug=agency.slug)
    return render(
        request,
        "trainings/manage/substitute.html",
        {"agency": agency, "registration": registration, "staff": staff},
        status=status,
    )
