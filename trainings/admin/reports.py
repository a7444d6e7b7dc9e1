"""Curator reports in the admin: each training's registrations, attendance and no-show rate, on
a page and as CSV (mixed into ``TrainingAdmin``, which links the report from its changelist),
and the practice follow-up's answers (``PracticeReportAdmin``, registered here; ``admin.py``
imports this module)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.admin import BadInputAdminMixin
from portal.spreadsheets import csv_response

from .. import selectors, spreadsheets
from ..models import Kind, Obstacle, Practice, PracticeReport


class AttendanceReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Kind.choices], required=False
    )


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}%"


class AttendanceReportMixin:
    """Adds ``report/`` and ``report.csv`` to the training admin."""

    change_list_template = "admin/trainings/training/change_list.html"

    def get_urls(self):
        urls = [
            path(
                "report/",
                self.admin_site.admin_view(self.attendance_report_view),
                name="trainings_training_attendance_report",
            ),
            path(
                "report.csv",
                self.admin_site.admin_view(self.attendance_report_csv),
                name="trainings_training_attendance_report_csv",
            ),
        ]
        return urls + super().get_urls()

    def _report(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        data = request.GET.copy()
        data.setdefault("year", str(timezone.localdate().year))
        form = AttendanceReportForm(data)
        if not form.is_valid():
            return form, None
        rows = selectors.training_attendance_report(
            year=form.cleaned_data["year"], kind=form.cleaned_data["kind"]
        )
        for row in rows:
            row.no_show = _percent(row.no_show_rate)
        return form, rows

    def attendance_report_view(self, request):
        form, rows = self._report(request)
        totals = None
        if rows is not None:
            keys = ["confirmed", "waitlisted", "cancelled", "attended", "absent", "excused"]
            totals = {key: sum(getattr(row, key) for row in rows) for key in keys}
            totals["unmarked"] = sum(row.unmarked for row in rows)
            marked = totals["attended"] + totals["absent"] + totals["excused"]
            totals["no_show"] = _percent(totals["absent"] / marked if marked else None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Registrations and attendance"),
            "form": form,
            "rows": rows,
            "totals": totals,
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(
            request,
            "admin/trainings/attendance_report.html",
            context,
            status=200 if rows is not None else 400,
        )

    def attendance_report_csv(self, request):
        form, rows = self._report(request)
        if rows is None:
            errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        year, kind = form.cleaned_data["year"], form.cleaned_data["kind"]
        name = f"attendance-{year}{'-' + kind if kind else ''}.csv"
        return csv_response(name, *spreadsheets.attendance_report_sheet(rows))


@admin.register(PracticeReport)
class PracticeReportAdmin(BadInputAdminMixin, admin.ModelAdmin):
    """The practice follow-up's answers, read-only: people answer on their own form."""

    list_display = ["registration", "training", "agency", "opened_at", "submitted_at"]
    list_filter = [("submitted_at", admin.EmptyFieldListFilter), "registration__training__kind"]
    search_fields = ["registration__training__title", "registration__agency__name"]
    list_select_related = [
        "registration__training", "registration__agency", "registration__person",
    ]  # fmt: skip
    date_hierarchy = "opened_at"
    fields = [
        "registration", "opened_at", "submitted_at", "not_started", "practices_chosen",
        "obstacles_chosen", "note", "updated_at",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("training"), ordering="registration__training__starts_at")
    def training(self, obj):
        return obj.registration.training

    @admin.display(description=_("agency"))
    def agency(self, obj):
        return obj.registration.agency or "—"

    @admin.display(description=_("put into practice"))
    def practices_chosen(self, obj):
        labels = dict(Practice.choices)
        return "; ".join(str(labels.get(value, value)) for value in obj.practices) or "—"

    @admin.display(description=_("what got in the way"))
    def obstacles_chosen(self, obj):
        labels = dict(Obstacle.choices)
        return "; ".join(str(labels.get(value, value)) for value in obj.obstacles) or "—"
