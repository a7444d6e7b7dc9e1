"""The catalogue in the admin: trainings, their sessions and registrations inline."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from portal.admin import (
    ImportExportAdmin,
    ReviewQueueFilter,
    ReviewQueueNoticeMixin,
    ServiceActionMixin,
)
from portal.downloads import pdf_response
from portal.exceptions import ApplicationError
from portal.forms import URL_FIELD_OVERRIDES
from portal.models import ContentLanguage
from portal.spreadsheets import ADMIN_FORMATS, csv_response

from .. import selectors, services
from ..forms import attendance_marks, session_attendance_marks
from ..models import (
    Attendance,
    AttendanceMethod,
    Registration,
    RegistrationStatus,
    Session,
    Status,
    Training,
)
from ..printouts import badges_pdf, sign_in_filename, sign_in_sheet_pdf
from ..spreadsheets import TrainingResource, sign_in_sheet
from .reports import AttendanceReportMixin


class WhenFilter(admin.SimpleListFilter):
    """Upcoming by default: curators mostly work on what is ahead."""

    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))]

    def choices(self, changelist):
        value = self.value() or "upcoming"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "upcoming"
        now = timezone.now()
        if value == "upcoming":
            # Trainings with no session yet are work in progress: keep them in view.
            return queryset.upcoming(now=now) | queryset.filter(ends_at__isnull=True)
        if value == "past":
            return queryset.past(now=now)
        return queryset


class ProposalQueueFilter(ReviewQueueFilter):
    """Trainings host agencies proposed, waiting for a curator, with how many wait."""

    title = _("review")
    choice = "proposed"

    @classmethod
    def count_waiting(cls) -> int:
        return selectors.proposals_waiting_count()

    @classmethod
    def label(cls, n: int) -> str:
        return _("Proposed by agencies (%(n)d)") % {"n": n}

    @classmethod
    def notice(cls, n: int) -> str:
        return (
            ngettext(
                "%d training proposed by an agency waits for review (see “review”).",
                "%d trainings proposed by agencies wait for review (see “review”).",
                n,
            )
            % n
        )

    def waiting_rows(self, queryset):
        return queryset.filter(status=Status.SUBMITTED)


class TrainingAdminForm(forms.ModelForm):
    # The admin supplies the model and the fields (from the fieldsets).

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk and capacity < self.instance.seats_taken:
            raise forms.ValidationError(
                _("%(n)d seats are already confirmed; capacity cannot be lower."),
                params={"n": self.instance.seats_taken},
            )
        return capacity

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("ce_hours") is not None and not cleaned.get("ce_approving_body", "").strip():
            self.add_error(
                "ce_approving_body",
                _("Say who approved the CE hours, or leave the CE hours empty."),
            )
        return cleaned


class RegistrationInline(admin.TabularInline):
    """Who is registered, read-only: seats change only through the services (roster page,
    registration actions), never by editing rows."""

    model = Registration
    extra = 0
    can_delete = False
    fields = ["person", "agency", "status", "arrived_at", "attendance", "cancelled_at"]
    readonly_fields = fields
    ordering = ["status", "arrived_at", "pk"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "agency")


class SessionInline(admin.TabularInline):
    model = Session
    extra = 1
    min_num = 1
    fields = ["starts_at", "ends_at", "title"]


@admin.register(Training)
class TrainingAdmin(
    AttendanceReportMixin, ReviewQueueNoticeMixin, ServiceActionMixin, ImportExportAdmin
):
    review_queue = ProposalQueueFilter
    resource_classes = [TrainingResource]
    formats = ADMIN_FORMATS
    form = TrainingAdminForm
    # Seven columns, so the list fits a 1280 px screen beside the filters: kind and model share
    # one, as do format and county.
    list_display = [
        "title", "kind_and_model", "first_session", "where", "seats", "status_badge", "roster_link",
    ]  # fmt: skip
    list_filter = [
        ProposalQueueFilter, WhenFilter, "kind", "model", "language", "status", "county", "format",
    ]  # fmt: skip
    list_select_related = ["host_agency"]
    search_fields = ["title", "summary", "venue_name", "host_agency__name"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["host_agency", "lead_trainer"]
    readonly_fields = [
        "starts_at",
        "ends_at",
        "seats_taken",
        "sequence",
        "created_at",
        "updated_at",
        "series_link",
        "series_date",
    ]
    inlines = [SessionInline, RegistrationInline]
    actions = ["publish", "cancel", "duplicate"]
    formfield_overrides = URL_FIELD_OVERRIDES
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "kind",
                    "model",
                    "language",
                    "status",
                    "summary",
                    "description",
                )
            },
        ),
        (_("Where"), {"fields": ("format", "venue_name", "venue_address", "county", "online_url")}),
        (
            _("Registration"),
            {
                "fields": (
                    "capacity",
                    "seats_taken",
                    "registration_opens_at",
                    "registration_closes_at",
                    "required_level",
                    "agency_seat_cap",
                    "reminder_offsets",
                    "prerequisites",
                )
            },
        ),
        (_("Host"), {"fields": ("host_agency", "lead_trainer", "contact_email")}),
        (
            _("Certificate and continuing education"),
            {
                "description": _(
                    "Participants whose attendance meets the rule of this kind of training get "
                    "a certificate of attendance once it is over. Without CE hours and an "
                    "approving body, it prints contact hours only."
                ),
                "fields": (
                    "ce_hours",
                    "ce_approving_body",
                    "ce_provider_number",
                    "ce_licences",
                    "evaluation_required",
                ),
            },
        ),
        (_("For members"), {"fields": ("notes",)}),
        (
            _("Record"),
            {
                "classes": ("collapse",),
                "fields": (
                    "series_link",
                    "series_date",
                    "starts_at",
                    "ends_at",
                    "sequence",
                    "created_at",
                    "updated_at",
                ),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions"))

    @admin.display(description=_("first session"), ordering="starts_at")
    def first_session(self, obj):
        if not obj.starts_at:
            return "—"
        local = timezone.localtime(obj.starts_at)
        extra = f" (+{obj.session_count - 1})" if obj.session_count > 1 else ""
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}{extra}"

    @admin.display(description=_("kind"), ordering="kind")
    def kind_and_model(self, obj):
        shown = f"{obj.get_kind_display()} · {obj.get_model_display()}"
        # English is the default: only another language is worth a word in the column.
        if obj.language != ContentLanguage.EN:
            shown += f" · {obj.get_language_display()}"
        return shown

    @admin.display(description=_("where"), ordering="format")
    def where(self, obj):
        if not obj.county:
            return obj.get_format_display()
        return f"{obj.get_format_display()} · {obj.get_county_display()}"

    @admin.display(description=_("series"))
    def series_link(self, obj):
        if obj.series_id is None:
            return "—"
        url = reverse("admin:trainings_series_change", args=[obj.series_id])
        return format_html('<a href="{}">{}</a>', url, obj.series)

    @admin.display(description=_("seats"))
    def seats(self, obj):
        return f"{obj.seats_taken} / {obj.capacity}"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        # Coloured by static/css/admin.css: the Content-Security-Policy applies no inline style.
        return format_html(
            '<strong class="status-badge status-badge--{}">{}</strong>',
            obj.status,
            obj.get_status_display(),
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A rule broken at save time (seats confirmed meanwhile, a busy lock) becomes a message,
        # and the whole save rolls back.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        services.training_save(training=obj)

    # --- Deleting -----------------------------------------------------------------------------
    # Only a training nobody registered for (a draft made by mistake) can be deleted; one with
    # registrations, active or past, is cancelled instead, which tells its registrants. The
    # delete button is hidden for it, its delete page and the bulk action say why, and the
    # deletion itself goes through ``trainings_delete``, which checks again under the lock.

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.registrations.exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        training = self.get_object(request, unquote(object_id))
        if training is None or not super().has_delete_permission(request, training):
            return super().delete_view(request, object_id, extra_context)
        change_url = reverse("admin:trainings_training_change", args=[training.pk])
        if training.registrations.exists():
            # Said at once, not after a confirmation page that could only fail.
            error = services.TrainingHasRegistrations([training])
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(change_url)
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as error:  # someone registered since the confirmation page
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(change_url)

    def delete_model(self, request, obj):
        services.trainings_delete(trainings=[obj])

    def delete_queryset(self, request, queryset):
        services.trainings_delete(trainings=list(queryset))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (type(self).delete_selected_trainings, name, description)
        return actions

    def delete_selected_trainings(self, request, queryset):
        """Django's bulk delete, refused at once (nothing deleted) when a selected training has
        registrations."""
        taken = list(queryset.filter(Exists(Registration.objects.filter(training=OuterRef("pk")))))
        if taken:
            error = services.TrainingHasRegistrations(taken)
            self.message_user(request, error.message, messages.ERROR)
            return None
        try:
            # One transaction: when the service refuses (someone registered since the
            # confirmation page), the deletion log rolls back with it.
            with transaction.atomic():
                return delete_selected(self, request, queryset)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None

    # --- Roster page ------------------------------------------------------------------------

    def get_urls(self):
        urls = [
            path(
                "<int:training_id>/roster/",
                self.admin_site.admin_view(self.roster_view),
                name="trainings_training_roster",
            ),
            path(
                "<int:training_id>/check-in/",
                self.admin_site.admin_view(self.check_in_view),
                name="trainings_training_check_in",
            ),
            path(
                "<int:training_id>/roster/sign-in.csv",
                self.admin_site.admin_view(self.sign_in_sheet),
                name="trainings_training_sign_in_sheet",
            ),
            path(
                "<int:training_id>/roster/sign-in/<int:session_id>.pdf",
                self.admin_site.admin_view(require_safe(self.sign_in_pdf)),
                name="trainings_training_sign_in_pdf",
            ),
            path(
                "<int:training_id>/roster/badges.pdf",
                self.admin_site.admin_view(require_safe(self.badges_pdf)),
                name="trainings_training_badges",
            ),
        ]
        return urls + super().get_urls()

    @admin.display(description=_("roster"))
    def roster_link(self, obj):
        url = reverse("admin:trainings_training_roster", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Roster"))

    def roster_view(self, request, training_id: int):
        training = get_object_or_404(Training, pk=training_id)
        if not self.has_change_permission(request, training):
            raise PermissionDenied
        registrations = list(selectors.training_roster(training=training))
        if request.method == "POST":
            confirmed = [r.pk for r in registrations if r.status == RegistrationStatus.CONFIRMED]
            try:
                outcome = services.attendance_mark(
                    training=training,
                    marks=attendance_marks(request.POST),
                    session_marks=session_attendance_marks(request.POST, confirmed_ids=confirmed),
                    marked_by=request.user,
                    method=AttendanceMethod.ADMIN,
                )
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                for note in outcome.refused:
                    self.message_user(request, str(note), messages.ERROR)
                for note in outcome.kept:
                    self.message_user(request, str(note), messages.WARNING)
                self.message_user(
                    request,
                    ngettext(
                        "Attendance saved for %d person.",
                        "Attendance saved for %d people.",
                        outcome.changed,
                    )
                    % outcome.changed,
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Roster: %(title)s") % {"title": training.title},
            "training": training,
            "registrations": registrations,
            "attendance_choices": Attendance.choices,
            "confirmed_count": sum(1 for r in registrations if r.status == "confirmed"),
            **selectors.attendance_grid(training=training, registrations=registrations),
            "evaluations": selectors.evaluation_summary(training=training),
        }
        return TemplateResponse(request, "admin/trainings/roster.html", context)

    def check_in_view(self, request, training_id: int):
        """The check-in code of the session open now, for a curator running a training."""
        training = get_object_or_404(Training, pk=training_id)
        if not self.has_change_permission(request, training):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **selectors.check_in_context(training=training, session_id=request.GET.get("session")),
            "opts": self.model._meta,
            "title": _("Check-in: %(title)s") % {"title": training.title},
            "training": training,
        }
        return TemplateResponse(request, "admin/trainings/check_in.html", context)

    def sign_in_sheet(self, request, training_id: int):
        training = get_object_or_404(Training, pk=training_id)
        if not self.has_view_permission(request, training):
            raise PermissionDenied
        return csv_response(f"{training.slug}-sign-in.csv", *sign_in_sheet(training))

    def _printable(self, request, training_id: int) -> Training:
        training = get_object_or_404(Training.objects.select_related("host_agency"), pk=training_id)
        if not self.has_view_permission(request, training):
            raise PermissionDenied
        return training

    def sign_in_pdf(self, request, training_id: int, session_id: int):
        """A session's sign-in sheet to print (trainings/printouts.py), as hosts have it."""
        training = self._printable(request, training_id)
        session = selectors.training_session(training=training, session_id=session_id)
        sheet = selectors.session_sign_in_sheet(training=training, session=session)
        filename = sign_in_filename(training.slug, timezone.localdate(session.starts_at))
        return pdf_response(filename, sign_in_sheet_pdf(sheet))

    def badges_pdf(self, request, training_id: int):
        training = self._printable(request, training_id)
        if training.is_online_only:
            raise Http404
        badges = selectors.name_badges(training=training)
        return pdf_response(
            f"{training.slug}-badges.pdf",
            badges_pdf(training_title=training.title, badges=badges),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.training_sync_schedule(training=form.instance, bump_sequence=change)

    @admin.action(description=_("Publish selected trainings"))
    def publish(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda training: services.training_publish(training=training),
            lambda n: ngettext("Published %d training.", "Published %d trainings.", n) % n,
        )

    @admin.action(description=_("Cancel selected trainings"))
    def cancel(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda training: services.training_cancel(training=training),
            lambda n: ngettext("Cancelled %d training.", "Cancelled %d trainings.", n) % n,
        )

    @admin.action(description=_("Duplicate for the next cohort (as drafts)"))
    def duplicate(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda training: services.training_duplicate(training=training),
            lambda n: (
                ngettext(
                    "Created %d draft copy; set its dates and publish it.",
                    "Created %d draft copies; set their dates and publish them.",
                    n,
                )
                % n
            ),
        )
