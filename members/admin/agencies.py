"""Agencies in the admin: their profile, staff and figures, with import and export."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.urls import path
from django.utils.translation import gettext_lazy as _

from portal.admin import ImportExportAdmin
from portal.forms import URL_FIELD_OVERRIDES
from portal.models import ServedLanguage
from portal.spreadsheets import ADMIN_FORMATS, csv_response

from .. import selectors, services
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


class AgencyAdminForm(forms.ModelForm):
    """The agency, with the languages it serves as checkboxes (saved by
    ``services.agency_languages_set`` in the same transaction as the agency)."""

    languages = forms.MultipleChoiceField(
        label=_("Languages served"),
        choices=ServedLanguage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    # The admin supplies the model and the fields.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["languages"].initial = selectors.agency_languages(agency=self.instance)


class LanguageServedFilter(admin.SimpleListFilter):
    title = _("language served")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return ServedLanguage.choices

    def queryset(self, request, queryset):
        if self.value() in ServedLanguage.values:
            return queryset.filter(languages__language=self.value())
        return queryset


@admin.register(Agency)
class AgencyAdmin(ImportExportAdmin):
    form = AgencyAdminForm
    resource_classes = [AgencyResource]
    formats = ADMIN_FORMATS
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = [
        "name", "kind", "county", "nmt_status", "languages_served", "staff", "concepts",
        "phase_1", "trainers",
    ]  # fmt: skip
    list_filter = [
        "nmt_status", "kind", "county", "practises_nmt", "practises_nme", LanguageServedFilter,
    ]  # fmt: skip
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
            .prefetch_related(selectors.agency_languages_prefetch())
        )

    @admin.display(description=_("languages served"))
    def languages_served(self, obj):
        return ", ".join(str(row) for row in obj.languages.all())

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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The admin's change view runs in one transaction: the agency and its languages are
        # saved together or not at all.
        services.agency_languages_set(
            agency=form.instance, languages=form.cleaned_data["languages"]
        )

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
