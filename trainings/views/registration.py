from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members import selectors as member_selectors
from members.services import person_for_user
from portal.forms import id_or_404

from .. import selectors, services
from ..models import Registration, RegistrationStatus, Status, Training


def busy_response(request, error: services.SeatsBusy):
    """A friendly 409 for a request that met the seat lock's timeout."""
    return render(request, "trainings/busy.html", {"message": error.message}, status=409)


def cancel_with_message(request, registration: Registration, success: str):
    """Cancel through the service and say how it went; a 409 response when the seat lock was
    busy (the caller returns it), None otherwise."""
    try:
        services.registration_cancel(registration=registration, cancelled_by=request.user)
    except services.SeatsBusy as error:
        return busy_response(request, error)
    except services.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return None


def registered_message(registration: Registration) -> str:
    if registration.status == RegistrationStatus.CONFIRMED:
        return _("You're registered for %(title)s. A confirmation email is on its way.") % {
            "title": registration.training.title
        }
    position = selectors.waitlist_position(registration)
    return _("The training is full: you're number %(n)d on the waitlist.") % {"n": position}


def already_registered_message(registration: Registration) -> str:
    title = registration.training.title
    if registration.status == RegistrationStatus.CONFIRMED:
        return _("You are already registered for %(title)s (confirmed).") % {"title": title}
    position = selectors.waitlist_position(registration)
    return _("You are already registered for %(title)s (on the waitlist, position %(n)d).") % {
        "title": title,
        "n": position,
    }


def cancelled_redirect(request, training: Training):
    """A register action on a cancelled training: back to its page, which says so."""
    messages.error(request, _("This training has been cancelled."))
    return redirect(training.get_absolute_url())


@require_POST
def training_register(request, slug: str):
    """Self-registration from the training page. Anonymous visitors sign in and come back."""
    training = selectors.registrable_training(slug=slug)
    if training.status == Status.CANCELLED:
        return cancelled_redirect(request, training)
    if not request.user.is_authenticated:
        query = urlencode({"next": training.get_absolute_url()})
        return redirect(f"{reverse('account_login')}?{query}")
    person = person_for_user(user=request.user)
    held = selectors.active_registration(training=training, person=person)
    if held:
        # Said as it is; the service would return the same registration and send nothing.
        messages.info(request, already_registered_message(held))
        return redirect(training.get_absolute_url())
    agency = None
    agency_id = request.POST.get("agency")
    if agency_id:
        membership = get_object_or_404(
            member_selectors.my_active_memberships(person=person), agency_id=id_or_404(agency_id)
        )
        agency = membership.agency
    else:
        memberships = list(member_selectors.my_active_memberships(person=person))
        if len(memberships) > 1:
            # Someone in several agencies says which one the seat is for (caps count per agency).
            messages.error(request, _("Choose the agency the seat is for."))
            return redirect(training.get_absolute_url())
        if memberships:
            agency = memberships[0].agency
    try:
        registration = services.registration_create(
            training=training, person=person, agency=agency, registered_by=request.user
        )
    except services.SeatsBusy as error:
        return busy_response(request, error)
    except services.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, registered_message(registration))
    return redirect(training.get_absolute_url())


@login_required
def my_trainings(request):
    return render(
        request,
        "trainings/my_trainings.html",
        selectors.my_registrations(user=request.user),
    )


@require_POST
@login_required
def my_registration_cancel(request, registration_id: int):
    registration = get_object_or_404(
        Registration.objects.select_related("training"),
        pk=registration_id,
        person__user=request.user,
    )
    busy = cancel_with_message(
        request,
        registration,
        _("Your registration for %(title)s is cancelled.") % {"title": registration.training.title},
    )
    if busy:
        return busy
    next_url = request.POST.get("next")
    if next_url == "detail":
        return redirect(registration.training.get_absolute_url())
    return redirect("trainings:my_trainings")
