"""Community-of-practice series in the admin: the rule, its preview and its meetings."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib import admin
from django.db.models import Count, Min, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import BadInputAdminMixin, ServiceActionMixin
from portal.forms import URL_FIELD_OVERRIDES

from .. import services
from ..models import (
    Series,
    Training,
)
from ..recurrence import normalise_rule, occurrence_dates

# "Generate meetings" creates a series' meetings this many months ahead.

GENERATE_MONTHS = 6
# The series page previews the rule's dates this far ahead.
SERIES_PREVIEW = dt.timedelta(days=366)


class SeriesAdminForm(forms.ModelForm):
    def clean_rule(self):
        # Stored as written by the rule's grammar: upper case, no spaces, no "RRULE:" prefix.
        return normalise_rule(self.cleaned_data["rule"])


class MeetingInline(admin.TabularInline):
    """The meetings generated so far, read-only: each is an ordinary training, edited (or
    cancelled) on its own page."""

    model = Training
    fk_name = "series"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["series_date", "title", "status", "seats_taken", "capacity"]
    readonly_fields = fields
    ordering = ["series_date"]
    verbose_name = _("meeting")
    verbose_name_plural = _("meetings")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Series)
class SeriesAdmin(BadInputAdminMixin, ServiceActionMixin, admin.ModelAdmin):
    form = SeriesAdminForm
    list_display = ["title", "host_agency", "rule", "start_time", "meeting_count", "next_meeting"]
    list_filter = ["model", "format", "county"]
    list_select_related = ["host_agency"]
    search_fields = ["title", "summary", "host_agency__name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["host_agency"]
    readonly_fields = ["next_dates", "feed_link", "created_at", "updated_at"]
    inlines = [MeetingInline]
    actions = ["generate_meetings"]
    formfield_overrides = URL_FIELD_OVERRIDES
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "description", "model")}),
        (
            _("When"),
            {
                "fields": (
                    "rule",
                    "first_date",
                    "start_time",
                    "duration_minutes",
                    "until",
                    "count",
                    "next_dates",
                )
            },
        ),
        (_("Where"), {"fields": ("format", "venue_name", "venue_address", "county", "online_url")}),
        (_("Host"), {"fields": ("host_agency", "capacity", "contact_email", "feed_link")}),
        (_("Record"), {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                meeting_count=Count("meetings", distinct=True),
                next_start=Min("meetings__starts_at", filter=Q(meetings__ends_at__gte=Now())),
            )
        )

    @admin.display(description=_("meetings"), ordering="meeting_count")
    def meeting_count(self, obj):
        return obj.meeting_count

    @admin.display(description=_("next meeting"), ordering="next_start")
    def next_meeting(self, obj):
        if not obj.next_start:
            return "—"
        local = timezone.localtime(obj.next_start)
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"

    @admin.display(description=_("next dates of the rule"))
    def next_dates(self, obj):
        if obj is None or obj.pk is None:
            return _("Shown once the series is saved.")
        today = timezone.localdate()
        try:
            dates = occurrence_dates(
                rule=obj.rule,
                first_date=obj.first_date,
                since=today,
                until=min(obj.until, today + SERIES_PREVIEW)
                if obj.until
                else today + SERIES_PREVIEW,
                count=obj.count,
            )[:6]
        except (ValueError, TypeError, IndexError, OverflowError):
            return _("The rule cannot be read; correct it and save.")
        if not dates:
            return _("No dates in the coming year.")
        start = time_format(obj.start_time, "TIME_FORMAT")
        days = "; ".join(date_format(day, "DATE_FORMAT") for day in dates)
        return _("%(days)s (%(start)s Pacific time)") % {"days": days, "start": start}

    @admin.display(description=_("calendar feed"))
    def feed_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html('<a href="{0}">{0}</a>', obj.get_feed_url())

    @admin.action(description=_("Generate meetings for the next 6 months"))
    def generate_meetings(self, request, queryset):
        until = timezone.localdate() + relativedelta(months=GENERATE_MONTHS)
        self.run_service_action(
            request,
            queryset,
            lambda series: services.series_generate(series=series, until=until),
            lambda n: (
                ngettext(
                    "Created %(n)d meeting (dates that already had one were skipped).",
                    "Created %(n)d meetings (dates that already had one were skipped).",
                    n,
                )
                % {"n": n}
            ),
            count=len,
        )
