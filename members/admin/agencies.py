"""Agencies in the admin: their profile, staff and figures, with import and export."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.admin import ImportExportAdmin
from portal.forms import URL_FIELD_OVERRIDES
from portal.spreadsheets import ADMIN_FORMATS, csv_response

from .. import services
from ..models import (
    Agency,
    Membership,
    active_membership,
    levels_from,
)
from ..spreadsheets import AgencyResource, staff_by_stage_sheet


class MembershipInline(admin.TabularInline):
    """Who belongs to the agency, read-only: roles and removals go through the services (the
    coordinator area), which keep at least one coordinator."""

    model = Membership
    extra = 0
    can_delete = False
    fields = ["person", "role", "state", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _stage_count(level: str):
    levels = levels_from(level)
    return Count(
        "memberships__person__credentials__person",
        distinct=True,
        filter=active_membership("memberships")
        & Q(memberships__person__credentials__level__in=levels),
    )


@admin.register(Agency)
class AgencyAdmin(ImportExportAdmin):
    resource_classes = [AgencyResource]
    formats = ADMIN_FORMATS
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = [
        "name", "kind", "county", "nmt_status", "staff", "concepts", "phase_1", "trainers",
    ]  # fmt: skip
    list_filter = ["nmt_status", "kind", "county", "practises_nmt", "practises_nme"]
    search_fields = ["name", "city"]
    # Explicit: the counts below group the query, which drops Meta.ordering, and the agency
    # autocomplete (Training, Series) pages through it.
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    # Adds the "Staff by stage (CSV)" link to the changelist.
    change_list_template = "admin/members/agency/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                staff_count=Count(
                    "memberships",
                    distinct=True,
                    filter=active_membership("memberships"),
                ),
                concepts_count=_stage_count("concepts"),
                phase_1_count=_stage_count("phase_1"),
                trainers_count=_stage_count("phase_2"),
            )
        )

    @admin.display(description=_("staff"), ordering="staff_count")
    def staff(self, obj):
        return obj.staff_count

    @admin.display(description=_("trained in concepts"), ordering="concepts_count")
    def concepts(self, obj):
        return obj.concepts_count

    @admin.display(description=_("Phase I"), ordering="phase_1_count")
    def phase_1(self, obj):
        return obj.phase_1_count

    @admin.display(description=_("trainers"), ordering="trainers_count")
    def trainers(self, obj):
        return obj.trainers_count

    def save_model(self, request, obj, form, change):
        services.agency_save(agency=obj)

    def get_urls(self):
        urls = [
            path(
                "staff-by-stage.csv",
                self.admin_site.admin_view(self.staff_by_stage_csv),
                name="members_agency_staff_by_stage_csv",
            ),
        ]
        return urls + super().get_urls()

    def staff_by_stage_csv(self, request):
        """Every agency with its active staff at each stage (cumulative, as the changelist
        counts them), from the same annotated queryset: one query."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        agencies = (
            self.get_queryset(request)
            .annotate(mentor_count=_stage_count("mentor"))
            .order_by("name", "pk")
        )
        return csv_response("staff-by-stage.csv", *staff_by_stage_sheet(agencies))
