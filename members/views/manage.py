"""The coordinator's manage area of an agency. Every view takes the agency resolved by
``coordinator_required``, and fetches everything else through that agency, so an id from
another agency answers 404."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.exceptions import ApplicationError
from portal.listing import FilteredListView
from portal.spreadsheets import csv_response

from .. import selectors, services, spreadsheets
from ..forms import (
    AgencyProfileForm,
    AgencyStatusRequestForm,
    CredentialForm,
    InviteForm,
    MilestoneForm,
    RoleForm,
    RosterImportForm,
    WeeklyDigestForm,
)
from ..models import CredentialSource, MembershipState, SiteMilestone
from ..permissions import CoordinatorRequiredMixin, coordinator_required
from ..roster_import import parse_roster
from ..services import AgencyError, ClaimError

IMPORT_SESSION_KEY = "roster_import:{agency_id}"
ROSTER_PAGE_SIZE = 50


@require_POST
@coordinator_required
def manage_milestone(request, agency, milestone_id: int):
    milestone = get_object_or_404(SiteMilestone, pk=milestone_id)
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date."))
    else:
        try:
            services.milestone_set(
                agency=agency, milestone=milestone, by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Milestone “%(t)s” saved.") % {"t": milestone.title})
    return redirect(f"{reverse('members:manage_home', kwargs={'slug': agency.slug})}#milestones")


@require_POST
@coordinator_required
def manage_weekly_digest(request, agency):
    """Turn the coordinator's own weekly digest of this agency on or off."""
    membership = selectors.coordinator_membership(user=request.user, agency=agency)
    form = WeeklyDigestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to get the weekly digest."))
        return redirect("members:manage_home", slug=agency.slug)
    try:
        services.weekly_digest_set(membership=membership, enabled=form.cleaned_data["enabled"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You will get the weekly digest every Monday.")
            if membership.weekly_digest
            else _("You will no longer get the weekly digest."),
        )
    return redirect("members:manage_home", slug=agency.slug)


def _profile_page(request, agency, *, form=None, request_form=None):
    """The profile page: the verified claims (public values, the pending request, the last
    answer, and the form to ask for a change) and the agency's own description."""
    requests = selectors.agency_status_requests(agency=agency)
    if request_form is None:
        request_form = AgencyStatusRequestForm(
            initial=selectors.status_request_initial(
                agency=agency, pending=requests["pending_request"]
            )
        )
    form = form or AgencyProfileForm(instance=agency)
    return render(
        request,
        "members/manage/profile.html",
        {"agency": agency, "form": form, "request_form": request_form, **requests},
        status=400 if form.errors or request_form.errors else 200,
    )


@coordinator_required
def manage_profile(request, agency):
    form = AgencyProfileForm(request.POST or None, request.FILES or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update(agency=agency, **form.profile())
        except AgencyError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("The agency profile is saved."))
            return redirect("members:manage_profile", slug=agency.slug)
    if request.method == "POST":
        # The form changed the instance while validating: show the page from the stored row.
        agency.refresh_from_db()
    return _profile_page(request, agency, form=form if request.method == "POST" else None)


@require_POST
@coordinator_required
def manage_status_request(request, agency):
    """Ask the curators to show these values (status, practising since, sensory spaces)."""
    form = AgencyStatusRequestForm(request.POST)
    if form.is_valid():
        try:
            status_request = services.agency_status_request_submit(
                agency=agency, requested_by=request.user, **form.cleaned_data
            )
        except ClaimError as error:
            form.add_error(error.field, error.message)
        else:
            if status_request.is_pending:
                messages.success(
                    request,
                    _(
                        "Your request is with the curators. The public profile changes when "
                        "one of them approves it; you will get an email either way."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("Those are the public values already: your waiting request is withdrawn."),
                )
            return redirect(
                f"{reverse('members:manage_profile', kwargs={'slug': agency.slug})}#claims"
            )
    return _profile_page(request, agency, request_form=form)


@require_POST
@coordinator_required
def manage_status_request_withdraw(request, agency):
    try:
        services.agency_status_request_withdraw(agency=agency, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect(f"{reverse('members:manage_profile', kwargs={'slug': agency.slug})}#claims")


class StaffRosterView(CoordinatorRequiredMixin, FilteredListView):
    http_method_names = ["get", "head", "options"]
    template_name = "members/manage/staff.html"
    context_object_name = "members"
    paginate_by = ROSTER_PAGE_SIZE

    def get_filterset(self):
        return selectors.roster(agency=self.agency, data=self.request.GET)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            invitations=selectors.open_invitations(agency=self.agency),
            credential_form=CredentialForm(),
            **kwargs,
        )


@coordinator_required
def manage_invite(request, agency):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.staff_invite(
                agency=agency, invited_by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_error("email", error.message)
        else:
            if invitation is None:
                messages.success(
                    request,
                    _("%(email)s had asked to join: they are now on the roster.")
                    % {"email": form.cleaned_data["email"]},
                )
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
            return redirect("members:manage_staff", slug=agency.slug)
    return render(
        request,
        "members/manage/invite.html",
        {"agency": agency, "form": form, "invitation_days": settings.INVITATION_MAX_AGE_DAYS},
        status=400 if form.errors else 200,
    )


@require_POST
@coordinator_required
def manage_invitation(request, agency, invitation_id: int):
    """Resend or revoke an open invitation."""
    invitation = selectors.agency_invitation(agency=agency, invitation_id=invitation_id)
    if request.POST.get("action") == "revoke":
        services.invitation_revoke(invitation=invitation)
        messages.success(
            request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email}
        )
    else:
        try:
            services.staff_invite(
                agency=agency,
                email=invitation.email,
                invited_by=request.user,
                role=invitation.role,
            )
        except ApplicationError as error:  # e.g. they joined meanwhile
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Invitation sent again to %(email)s.") % {"email": invitation.email}
            )
    return redirect("members:manage_staff", slug=agency.slug)


@coordinator_required
def manage_requests(request, agency):
    return render(
        request,
        "members/manage/requests.html",
        {"agency": agency, "requests": selectors.join_requests(agency=agency)},
    )


@require_POST
@coordinator_required
def manage_request_decide(request, agency, membership_id: int):
    membership = selectors.agency_member(
        agency=agency, membership_id=membership_id, states=(MembershipState.REQUESTED,)
    )
    approve = request.POST.get("decision") == "approve"
    name = membership.person.display_name
    try:
        services.membership_decide(membership=membership, approve=approve)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (
                _("%(name)s is now on the roster.")
                if approve
                else _("Request from %(name)s declined.")
            )
            % {"name": name},
        )
    return redirect("members:manage_requests", slug=agency.slug)


@require_POST
@coordinator_required
def manage_member_role(request, agency, membership_id: int):
    membership = selectors.agency_member(agency=agency, membership_id=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("members:manage_staff", slug=agency.slug)
    try:
        services.membership_set_role(membership=membership, role=form.cleaned_data["role"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s.")
            % {"name": membership.person.display_name, "role": form.cleaned_data["role"]},
        )
    return redirect("members:manage_staff", slug=agency.slug)


@require_POST
@coordinator_required
def manage_member_remove(request, agency, membership_id: int):
    membership = selectors.agency_member(agency=agency, membership_id=membership_id)
    try:
        services.membership_remove(membership=membership)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s was removed from the roster.") % {"name": membership.person.display_name},
        )
    return redirect("members:manage_staff", slug=agency.slug)


@coordinator_required
def manage_credential_add(request, agency, membership_id: int):
    membership = selectors.agency_member(agency=agency, membership_id=membership_id)
    form = CredentialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.credential_record(
                person=membership.person,
                source=CredentialSource.COORDINATOR,
                recorded_by=request.user,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            form.add_error("earned_on", error.message)
        else:
            messages.success(
                request,
                _("Credential recorded for %(name)s.") % {"name": membership.person.display_name},
            )
            return redirect("members:manage_staff", slug=agency.slug)
    return render(
        request,
        "members/manage/credential_form.html",
        {"agency": agency, "membership": membership, "form": form},
        status=400 if form.errors else 200,
    )


@coordinator_required
def manage_staff_export(request, agency):
    header, rows = spreadsheets.roster_sheet(selectors.roster(agency=agency).qs)
    return csv_response(f"{agency.slug}-roster.csv", header, rows)


@coordinator_required
def manage_import(request, agency):
    """Upload a CSV and see a preview; nothing is written until it is confirmed."""
    form = RosterImportForm(request.POST or None, request.FILES or None)
    preview = None
    key = IMPORT_SESSION_KEY.format(agency_id=agency.pk)
    if request.method == "POST" and form.is_valid():
        preview = parse_roster(agency=agency, content=form.cleaned_data["file"].read())
        if preview.is_valid:
            request.session[key] = preview.as_data()
        else:
            request.session.pop(key, None)
    status = 400 if form.errors or (preview and not preview.is_valid) else 200
    return render(
        request,
        "members/manage/import.html",
        {"agency": agency, "form": form, "preview": preview},
        status=status,
    )


@require_POST
@coordinator_required
def manage_import_confirm(request, agency):
    key = IMPORT_SESSION_KEY.format(agency_id=agency.pk)
    rows = request.session.get(key)
    if not rows:
        messages.error(request, _("Nothing to import: upload the file again."))
        return redirect("members:manage_import", slug=agency.slug)
    try:
        invitations = services.roster_import(agency=agency, rows=rows, invited_by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("members:manage_import", slug=agency.slug)
    request.session.pop(key, None)
    messages.success(
        request,
        ngettext(
            "Imported %(n)d person: an invitation is on its way.",
            "Imported %(n)d people: their invitations are on their way.",
            len(invitations),
        )
        % {"n": len(invitations)},
    )
    return redirect("members:manage_staff", slug=agency.slug)
