import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import BadInputAdminMixin, ImportExportAdmin, ServiceActionMixin
from portal.forms import URL_FIELD_OVERRIDES
from portal.spreadsheets import ADMIN_FORMATS, csv_response

from . import services
from .models import (
    CLAIM_FIELDS,
    Agency,
    AgencyMilestone,
    AgencyStatusRequest,
    Credential,
    CredentialSource,
    DigestSubscription,
    Invitation,
    Membership,
    Person,
    RequestState,
    SiteMilestone,
    User,
    active_membership,
    claim_display,
    levels_from,
)
from .spreadsheets import AgencyResource, staff_by_stage_sheet


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
class MembershipAdmin(BadInputAdminMixin, admin.ModelAdmin):
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
class CredentialAdmin(BadInputAdminMixin, ServiceActionMixin, admin.ModelAdmin):
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
        self.run_service_action(
            request,
            queryset.filter(verified=False),
            lambda credential: services.credential_verify(
                credential=credential, verified_by=request.user
            ),
            lambda n: ngettext("Verified %d credential.", "Verified %d credentials.", n) % n,
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
class DigestSubscriptionAdmin(ServiceActionMixin, admin.ModelAdmin):
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
        self.run_service_action(
            request,
            queryset.filter(unsubscribed_at__isnull=True),
            lambda subscription: services.digest_unsubscribe(subscription=subscription),
            lambda n: ngettext("Unsubscribed %d address.", "Unsubscribed %d addresses.", n) % n,
        )


@admin.register(SiteMilestone)
class SiteMilestoneAdmin(admin.ModelAdmin):
    """The steps toward site certification. Those with a figure ("computed from") the portal
    decides; coordinators tick the others, and curators verify the ticks."""

    list_display = ["title", "order", "measure", "threshold"]
    list_editable = ["order"]
    search_fields = ["title"]


class VerificationFilter(admin.SimpleListFilter):
    title = _("verification")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("no", _("Waiting for a curator")), ("yes", _("Verified"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(verified_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(verified_at__isnull=False)
        return queryset


@admin.register(AgencyMilestone)
class AgencyMilestoneAdmin(BadInputAdminMixin, ServiceActionMixin, admin.ModelAdmin):
    """Agencies' ticks. Verifying one makes it public; a tick a curator records here is
    verified by them. Computed milestones have no ticks."""

    list_display = ["agency", "milestone", "done_on", "note", "updated_by", "verified_at"]
    list_filter = [VerificationFilter, "milestone"]
    search_fields = ["agency__name", "note"]
    list_select_related = ["agency", "milestone", "updated_by"]
    readonly_fields = ["updated_by", "updated_at", "verified_at", "verified_by"]
    autocomplete_fields = ["agency"]
    actions = ["verify"]

    def get_readonly_fields(self, request, obj=None):
        # The tick's agency and milestone are what it is about: change the date or note only.
        return [*self.readonly_fields, *(["agency", "milestone"] if obj else [])]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "milestone":
            kwargs["queryset"] = SiteMilestone.objects.filter(measure="")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        item = services.milestone_set(
            agency=obj.agency,
            milestone=obj.milestone,
            done=True,
            done_on=obj.done_on,
            note=obj.note,
            by=request.user,
            verified_by=request.user,
        )
        obj.pk = item.pk

    @admin.action(description=_("Verify selected milestones (they show publicly)"))
    def verify(self, request, queryset):
        self.run_service_action(
            request,
            queryset.filter(verified_at__isnull=True),
            lambda item: services.milestone_verify(item=item, verified_by=request.user),
            lambda n: ngettext("Verified %d milestone.", "Verified %d milestones.", n) % n,
        )


class StatusRequestStateFilter(admin.SimpleListFilter):
    """Waiting requests first: the curators' queue is the default view."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(RequestState.PENDING.value, _("Waiting (default)")), *[
            (value, label) for value, label in RequestState.choices if value != RequestState.PENDING
        ], ("all", _("All"))]  # fmt: skip

    def choices(self, changelist):
        value = self.value() or RequestState.PENDING.value
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or RequestState.PENDING.value
        return queryset if value == "all" else queryset.filter(state=value)


LINE_BREAK = SafeString("<br>")
DECISIONS = [("approve", _("Approve")), ("decline", _("Decline"))]


class StatusDecisionForm(forms.ModelForm):
    """The change form of a waiting request: the curator's reply, and the button they press
    (``decision``). ``seen`` is when the request last changed as the curator read it."""

    # Not rendered as a field: the Approve and Decline buttons carry it.
    decision = forms.ChoiceField(choices=DECISIONS, required=False)
    # An ISO timestamp to the microsecond (a DateTimeField's widget would drop those).
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AgencyStatusRequest
        fields = ["reply"]
        widgets = {"reply": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen"].initial = self.instance.updated_at.isoformat()

    def clean_seen(self):
        try:
            return dt.datetime.fromisoformat(self.cleaned_data["seen"])
        except ValueError:
            return None

    def clean(self):
        data = super().clean()
        if not self.instance.is_pending:
            raise forms.ValidationError(_("This request was already decided."))
        if data.get("decision") not in {"approve", "decline"}:
            raise forms.ValidationError(_("Press Approve or Decline."))
        if data["decision"] == "decline" and not (data.get("reply") or "").strip():
            self.add_error("reply", _("Tell the agency why (they get your reply by email)."))
        return data


@admin.register(AgencyStatusRequest)
class AgencyStatusRequestAdmin(BadInputAdminMixin, ServiceActionMixin, admin.ModelAdmin):
    """Coordinators' requests to change their agency's verified public values. Curators approve
    (the values go public) or decline with a reply, from the change form or, to approve several,
    the list's action; both go through the services, which email the coordinators. Requests
    come only from coordinators and stay as the record: no adding or deleting here."""

    form = StatusDecisionForm
    change_form_template = "admin/members/agencystatusrequest/change_form.html"
    list_display = ["agency", "state", "requested_changes", "requested_by", "created_at",
                    "decided_by", "decided_at"]  # fmt: skip
    list_filter = [StatusRequestStateFilter]
    search_fields = ["agency__name", "note"]
    list_select_related = ["agency", "requested_by", "decided_by"]
    ordering = ["-created_at", "-pk"]
    actions = ["approve"]
    fields = ["agency", "public_now", "requested_changes", "note", "requested_by", "created_at",
              "updated_at", "state", "reply", "decided_by", "decided_at", "seen"]  # fmt: skip
    readonly_fields = ["agency", "public_now", "requested_changes", "note", "requested_by",
                       "created_at", "updated_at", "state", "decided_by", "decided_at"]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_pending and self.has_change_permission(request, obj):
            return self.fields
        return [name for name in self.fields if name != "seen"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_pending:
            return self.readonly_fields
        return [*self.readonly_fields, "reply"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(
            show_save=False,
            show_save_and_continue=False,
            show_save_and_add_another=False,
            show_delete=False,
            can_decide=obj is not None
            and obj.is_pending
            and self.has_change_permission(request, obj),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("requested"))
    def requested_changes(self, obj):
        return format_html_join(LINE_BREAK, "{}: {} → <strong>{}</strong>", obj.change_rows)

    @admin.display(description=_("public now"))
    def public_now(self, obj):
        return format_html_join(
            LINE_BREAK,
            "{}: {}",
            (
                (
                    capfirst(Agency._meta.get_field(name).verbose_name),
                    claim_display(name, getattr(obj.agency, name)),
                )
                for name in CLAIM_FIELDS
            ),
        )

    def save_model(self, request, obj, form, change):
        """The change form's Approve and Decline buttons (nothing else is saved here)."""
        arguments = {
            "request": obj,
            "decided_by": request.user,
            "reply": form.cleaned_data.get("reply") or "",
            "seen_at": form.cleaned_data.get("seen"),
        }
        try:
            if form.cleaned_data["decision"] == "approve":
                services.agency_status_request_approve(**arguments)
            else:
                services.agency_status_request_decline(**arguments)
        except services.ClaimError as error:
            request._decision_error = error.message
        else:
            request._decision_error = None

    def save_related(self, request, form, formsets, change):
        pass

    def log_change(self, request, obj, message):
        if getattr(request, "_decision_error", None) is None:
            super().log_change(request, obj, [{"changed": {"fields": ["state"]}}])

    def response_change(self, request, obj):
        error = getattr(request, "_decision_error", None)
        if error:
            self.message_user(request, error, messages.ERROR)
            return HttpResponseRedirect(request.path)
        obj.refresh_from_db()
        self.message_user(
            request,
            _("%(agency)s: %(state)s. The coordinators have been emailed.")
            % {"agency": obj.agency, "state": obj.get_state_display()},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:members_agencystatusrequest_changelist"))

    @admin.action(description=_("Approve selected requests (the values go public)"))
    def approve(self, request, queryset):
        self.run_service_action(
            request,
            queryset.filter(state=RequestState.PENDING).select_related("agency"),
            lambda status_request: services.agency_status_request_approve(
                request=status_request, decided_by=request.user
            ),
            lambda n: ngettext("Approved %d request.", "Approved %d requests.", n) % n,
        )
