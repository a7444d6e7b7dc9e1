"""Claims curators verify in the admin: milestones agencies tick, and requests to change their
verified values."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import BadInputAdminMixin, ServiceActionMixin

from .. import services
from ..models import (
    CLAIM_FIELDS,
    Agency,
    AgencyMilestone,
    AgencyStatusRequest,
    RequestState,
    SiteMilestone,
    claim_display,
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
