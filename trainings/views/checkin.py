"""Check-in on the day: the host shows a session's code and QR code (a page for a phone or a
projector); an attendee opens the link, or types the code, signed in; the online join link on
the portal checks its opener in on the way to the meeting."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from members.permissions import coordinator_required

from .. import selectors, services
from ..models import AttendanceMethod, Format, Registration


@require_safe
@coordinator_required
def agency_hosted_check_in(request, agency, training_slug: str):
    training = selectors.hosted_training(agency=agency, slug=training_slug)
    context = selectors.check_in_context(training=training, session_id=request.GET.get("session"))
    context.update({"agency": agency, "training": training})
    return render(request, "trainings/check_in/host.html", context)


@login_required
def check_in(request):
    """Type the code shown in the room."""
    if request.method == "POST":
        typed = request.POST.get("code", "")
        session = selectors.session_by_check_in_code(typed)
        if session is None:
            return _not_open(request, typed, status=400)
        return _check_in(request, session)
    return render(request, "trainings/check_in/enter.html", {})


@login_required
def check_in_code(request, code: str):
    """The link in the QR code: a page with one button, so that a link preview or a prefetch
    checks no one in."""
    session = selectors.session_by_check_in_code(code)
    if session is None:
        return _not_open(request, code, status=404)
    if request.method == "POST":
        return _check_in(request, session)
    return render(
        request,
        "trainings/check_in/confirm.html",
        {"session": session, "training": session.training, "code": code},
    )


def _not_open(request, typed: str, *, status: int):
    """A code that checks no one in now (forged, mistyped, or its window closed): the form
    again, with why, whatever the reason, so a code cannot be probed for the session it is."""
    error = _(
        "This code is not open for check-in now. Check the code shown in the room: it works "
        "from 30 minutes before the session until its end."
    )
    return render(
        request, "trainings/check_in/enter.html", {"typed": typed, "error": error}, status=status
    )


def _check_in(request, session):
    result = services.attendance_check_in(session=session, user=request.user)
    return render(
        request,
        "trainings/check_in/done.html",
        {"result": result, "session": session, "training": session.training},
        status=200 if result.checked_in else 409,
    )


@require_safe
@login_required
def training_join(request, slug: str):
    """The online meeting's door: confirmed participants go to the join link, and are checked
    in when a session's window is open. Nobody else learns the link."""
    registration = get_object_or_404(
        Registration.objects.confirmed().select_related("training"),
        training__slug=slug,
        person__user=request.user,
    )
    training = registration.training
    if training.format == Format.IN_PERSON or not training.online_url:
        raise Http404
    now = timezone.now()
    session = selectors.sessions_open_for_check_in(now=now).filter(training=training).first()
    if session is not None:
        services.attendance_check_in(
            session=session, user=request.user, method=AttendanceMethod.JOIN_LINK, now=now
        )
    return redirect(training.online_url)
