"""CSV/XLSX import and export of trainings for curators (django-import-export).

A training is matched by slug. Its sessions travel in one column, ``sessions``: each session as
``start/end`` in ISO 8601 with the UTC offset, separated by ``;``, e.g.
``2026-12-03T09:00:00-08:00/2026-12-03T16:00:00-08:00``. Imported trainings keep their status
(new ones are drafts); publishing and cancelling stay admin actions. Saves go through
``services.training_import_save``. Text cells are escaped against formulas on export and
unescaped on import (``portal.spreadsheets.FormulaSafeResourceMixin``).

The CSVs for people (a coordinator's registrations, the curators' attendance report, the
sign-in sheet) show labels, not codes, and Pacific dates and times; each ``*_sheet`` returns
``(header, rows)`` for ``portal.spreadsheets.csv_response``, which escapes the cells.
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields
from import_export.widgets import ForeignKeyWidget

from members.models import Agency
from portal import dates
from portal.spreadsheets import FormulaSafeResourceMixin, ImportResource

from . import services
from .models import Registration, Training
from .selectors import training_roster


def format_sessions(training: Training) -> str:
    return "; ".join(
        f"{timezone.localtime(s.starts_at).isoformat()}/{timezone.localtime(s.ends_at).isoformat()}"
        for s in training.sessions.all()
    )


def parse_sessions(value: str) -> list[tuple[dt.datetime, dt.datetime]]:
    sessions = []
    for part in filter(None, (piece.strip() for piece in (value or "").split(";"))):
        try:
            start_text, end_text = part.split("/")
            start = dt.datetime.fromisoformat(start_text.strip())
            end = dt.datetime.fromisoformat(end_text.strip())
        except ValueError as exc:
            raise ValidationError(
                {"sessions": _("“%(part)s” is not start/end in ISO 8601.") % {"part": part}}
            ) from exc
        if timezone.is_naive(start):
            start = timezone.make_aware(start)
        if timezone.is_naive(end):
            end = timezone.make_aware(end)
        if end <= start:
            raise ValidationError({"sessions": _("Each session must end after it starts.")})
        sessions.append((start, end))
    if not sessions:
        raise ValidationError({"sessions": _("A training needs at least one session.")})
    return sessions


class TrainingResource(FormulaSafeResourceMixin, ImportResource):
    host_agency = fields.Field(
        attribute="host_agency",
        column_name="host_agency",
        widget=ForeignKeyWidget(Agency, field="slug"),
    )
    sessions = fields.Field(column_name="sessions", readonly=True)

    class Meta:
        model = Training
        import_id_fields = ["slug"]
        fields = [
            "slug", "title", "kind", "model", "language", "status", "summary", "description",
            "format", "venue_name", "venue_address", "county", "capacity", "registration_opens_at",
            "registration_closes_at", "host_agency", "contact_email", "prerequisites",
            "sessions",
        ]  # fmt: skip
        # Status is exported for reading; it changes only through the admin actions.
        export_order = fields
        clean_model_instances = True
        skip_unchanged = False

    def get_queryset(self):
        return super().get_queryset().select_related("host_agency").prefetch_related("sessions")

    def dehydrate_sessions(self, training: Training) -> str:
        return format_sessions(training)

    def import_instance(self, instance, row, **kwargs):
        status = instance.status if instance.pk else Training._meta.get_field("status").default
        super().import_instance(instance, row, **kwargs)
        instance.status = status
        instance._imported_sessions = parse_sessions(row.get("sessions", ""))

    def save_instance(self, instance, is_create, row, **kwargs):
        # A dry run (the preview) saves inside a transaction that import-export rolls back.
        services.training_import_save(training=instance, sessions=instance._imported_sessions)


# Date and time cells: local wall-clock time that spreadsheets read as a date; the header names
# the zone.
DAY = "%Y-%m-%d"
DAY_AND_TIME = "%Y-%m-%d %H:%M"


def _local(value: dt.datetime | None, pattern: str = DAY_AND_TIME) -> str:
    return timezone.localtime(value).strftime(pattern) if value else ""


def agency_registrations_sheet(
    registrations: Iterable[Registration],
) -> tuple[list, Iterable[list]]:
    """A coordinator's registrations (``selectors.agency_registrations``), one row each."""
    header = [
        _("Training"),
        _("First session (Pacific time)"),
        _("Person"),
        _("Email"),
        _("Status"),
        _("Registered at (Pacific time)"),
        _("Cancelled at (Pacific time)"),
        _("Attendance"),
    ]
    rows = (
        [
            registration.training.title,
            _local(registration.training.starts_at),
            registration.person.display_name if registration.person else _("(deleted account)"),
            registration.person.user.email if registration.person else "",
            registration.get_status_display(),
            _local(registration.arrived_at),
            _local(registration.cancelled_at),
            registration.get_attendance_display() if registration.attendance else "",
        ]
        for registration in registrations
    )
    return header, rows


def attendance_report_sheet(trainings: Iterable[Training]) -> tuple[list, Iterable[list]]:
    """The curators' report (``selectors.training_attendance_report``, each row carrying its
    ``no_show`` percentage as text)."""
    header = [
        _("Training"), _("Kind"), _("First session"), _("Host agency"), _("Confirmed"),
        _("Waitlisted"), _("Cancelled"), _("Attended"), _("Absent"), _("Excused"),
        _("Not marked"), _("No-show rate"),
    ]  # fmt: skip
    rows = (
        [
            row.title,
            row.get_kind_display(),
            _local(row.starts_at, DAY),
            row.host_agency.name if row.host_agency else "",
            row.confirmed,
            row.waitlisted,
            row.cancelled,
            row.attended,
            row.absent,
            row.excused,
            row.unmarked,
            row.no_show,
        ]
        for row in trainings
    )
    return header, rows


def sign_in_sheet(training: Training) -> tuple[list, Iterable[list]]:
    """The printable sign-in sheet of a training: one row per confirmed person, one signature
    column per session. Used by the admin's roster and the host agency's."""
    sessions = list(training.sessions.order_by("starts_at"))
    header = [_("Name"), _("Email"), _("Agency")] + [
        _("Signature, %(day)s") % {"day": dates.month_day(s.starts_at)} for s in sessions
    ]
    rows = (
        [
            registration.person.display_name if registration.person else "",
            registration.person.user.email if registration.person else "",
            registration.agency.name if registration.agency else "",
        ]
        + [""] * len(sessions)
        for registration in training_roster(training=training).confirmed()
    )
    return header, rows
