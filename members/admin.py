import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin

from portal.forms import URL_FIELD_OVERRIDES
from portal.spreadsheets import ImportResource, safe_row

from . import digests, services
from .models import (
    Agency,
    AgencyMilestone,
    Credential,
    CredentialSource,
    DigestSubscription,
    Invitation,
    Membership,
    MembershipState,
    Person,
    SiteMilestone,
    User,
    levels_from,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class AgencyResource(ImportResource):
    """CSV/XLSX import and export of agencies, matched by slug. Saves go through the service,
    which validates every row like the profile form does."""

    class Meta:
        model = Agency
        import_id_fields = ["slug"]
        fields = [
            "slug", "name", "kind", "county", "city", "website", "description", "nmt_status",
            "practises_nmt", "practises_nme", "practising_since", "sensory_spaces",
            "sensory_spaces_note", "contact_email",
        ]  # fmt: skip
        skip_unchanged = True
        report_skipped = True

    def save_instance(self, instance, is_create, row, **kwargs):
        # A dry run (the preview) saves inside a transaction that import-export rolls back.
        services.agency_save(agency=instance)


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
        filter=Q(
            memberships__state=MembershipState.ACTIVE,
            memberships__person__credentials__level__in=levels,
        ),
    )


@admin.register(Agency)
class AgencyAdmin(ImportExportModelAdmin):
    resource_classes = [AgencyResource]
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
                    filter=Q(memberships__state=MembershipState.ACTIVE),
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
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="staff-by-stage.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["agency", "county", "nmt_status", "staff", "concepts", "phase_1", "phase_2", "mentor"]
        )
        for agency in agencies:
            writer.writerow(
                safe_row(
                    [
                        agency.name,
                        agency.get_county_display(),
                        agency.get_nmt_status_display(),
                        agency.staff_count,
                        agency.concepts_count,
                        agency.phase_1_count,
                        agency.trainers_count,
                        agency.mentor_count,
                    ]
                )
            )
        return response


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["display_name", "email", "job_title", "discipline"]
    search_fields = ["display_name", "user__email", "job_title"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    @admin.display(description=_("email"), ordering="user__email")
    def email(self, obj):
        return obj.user.email


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "agency", "role", "state", "created_at"]
    list_filter = ["role", "state", "weekly_digest", "agency__county"]
    search_fields = ["person__display_name", "person__user__email", "agency__name"]
    list_select_related = ["person", "agency"]
    autocomplete_fields = ["person", "agency"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "agency", "role", "sent_at", "accepted_at"]
    list_filter = ["role", ("accepted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "agency__name"]
    list_select_related = ["agency"]
    readonly_fields = ["sent_at", "accepted_at", "invited_by"]


class CredentialAdminForm(forms.ModelForm):
    def clean_earned_on(self):
        # The service refuses a future date too; checked here so the admin shows a message
        # beside the field instead of failing in save_model.
        earned_on = self.cleaned_data["earned_on"]
        if earned_on and earned_on > timezone.localdate():
            raise forms.ValidationError(_("The date earned cannot be in the future."))
        return earned_on


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    form = CredentialAdminForm
    list_display = ["person", "level", "model", "earned_on", "source", "verified"]
    list_filter = ["verified", "level", "model", "source"]
    search_fields = ["person__display_name", "person__user__email"]
    list_select_related = ["person"]
    autocomplete_fields = ["person"]
    readonly_fields = ["recorded_by", "verified"]
    actions = ["verify"]

    def save_model(self, request, obj, form, change):
        services.credential_record(
            person=obj.person,
            level=obj.level,
            model=obj.model,
            earned_on=obj.earned_on,
            source=CredentialSource.ADMIN,
            recorded_by=request.user,
        )

    @admin.action(description=_("Verify selected credentials"))
    def verify(self, request, queryset):
        count = 0
        for credential in queryset.filter(verified=False):
            services.credential_verify(credential=credential, verified_by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("Verified %d credential.", "Verified %d credentials.", count) % count,
            messages.SUCCESS,
        )


class DigestStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("receiving", _("Receiving the digest")),
            ("pending", _("Waiting for confirmation")),
            ("unsubscribed", _("Unsubscribed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "receiving":
            return queryset.receiving()
        if self.value() == "pending":
            return queryset.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        if self.value() == "unsubscribed":
            return queryset.filter(unsubscribed_at__isnull=False)
        return queryset


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions come only through the double opt-in pages, so curators can look and
    unsubscribe someone who asks, but not add or edit addresses."""

    list_display = ["email", "state", "person", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = [DigestStateFilter]
    search_fields = ["email", "person__display_name"]
    list_select_related = ["person"]
    fields = [
        "email", "person", "created_at", "confirmation_sent_at", "confirmed_at", "unsubscribed_at",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["unsubscribe"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.unsubscribed_at:
            return _("Unsubscribed")
        return _("Receiving") if obj.confirmed_at else _("Waiting for confirmation")

    @admin.action(description=_("Unsubscribe the selected addresses"))
    def unsubscribe(self, request, queryset):
        count = 0
        for subscription in queryset.filter(unsubscribed_at__isnull=True):
            digests.digest_unsubscribe(subscription=subscription)
            count += 1
        self.message_user(
            request,
            ngettext("Unsubscribed %d address.", "Unsubscribed %d addresses.", count) % count,
            messages.SUCCESS,
        )


@admin.register(SiteMilestone)
class SiteMilestoneAdmin(admin.ModelAdmin):
    """The steps toward site certification that coordinators tick on their dashboard."""

    list_display = ["title", "order"]
    list_editable = ["order"]
    search_fields = ["title"]


@admin.register(AgencyMilestone)
class AgencyMilestoneAdmin(admin.ModelAdmin):
    list_display = ["agency", "milestone", "done_on", "note", "updated_by"]
    list_filter = ["milestone"]
    search_fields = ["agency__name", "note"]
    list_select_related = ["agency", "milestone", "updated_by"]
    readonly_fields = ["updated_by", "updated_at"]
