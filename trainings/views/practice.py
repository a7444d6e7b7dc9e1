"""The practice follow-up form, opened from its email. No sign-in: the random token in the URL is
the key, as for the personal calendar feed."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import selectors
from ..forms import PracticeReportForm
from ..services.practice import PracticeReportClosed, PracticeReportError, practice_report_submit


def practice_report(request, token: str):
    report = selectors.practice_report_by_token(token=token)
    if not report.is_open(now=timezone.now()):
        return _closed(request, report)
    initial = {
        "practices": report.practices,
        "obstacles": report.obstacles,
        "not_started": report.not_started,
        "note": report.note,
    }
    form = PracticeReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            practice_report_submit(report=report, **form.cleaned_data)
        except PracticeReportClosed:
            return _closed(request, report)
        except PracticeReportError as error:
            for field, message in error.extra.get("errors") or [(None, error.message)]:
                form.add_error(field, message)
        else:
            messages.success(request, _("Thank you: your answers are saved."))
            return redirect("trainings:practice_report", token=token)
    return render(
        request,
        "trainings/practice_report.html",
        {"report": report, "training": report.registration.training, "form": form},
        status=400 if form.errors else 200,
    )


def _closed(request, report):
    """410: the link was real, and its time is over (as for an expired invitation)."""
    return render(
        request,
        "trainings/practice_report_closed.html",
        {"report": report, "training": report.registration.training},
        status=410,
    )
