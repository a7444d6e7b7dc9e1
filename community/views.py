"""The pages that span the domains: the home page, the community's figures, an agency's public
profile and its coordinators' dashboard (figures and trainings), and deleting an account (which
cancels seats). The last three keep their ``members:`` URL names: see ``community/urls.py``."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from members import selectors as member_selectors
from members import services as member_services
from members.forms import DeleteAccountForm, PersonForm
from members.permissions import coordinator_required
from portal import languages
from portal.charts import bar_chart
from portal.exceptions import ApplicationError
from portal.pagecache import cache_anonymous_page
from resources import selectors as resource_selectors
from trainings import selectors as training_selectors

from . import selectors, services


@method_decorator(cache_anonymous_page, name="dispatch")
class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next_trainings"] = training_selectors.training_next(limit=6)
        context["featured_resources"] = resource_selectors.featured_resources(limit=4)
        context["figures"] = selectors.community_figures()
        return context


class CommunityView(TemplateView):
    """Region-wide figures, computed live from the portal's records."""

    template_name = "community.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = selectors.community_figures()
        stages = figures["stages"]
        context["figures"] = figures
        context["counties"] = selectors.county_map(figures["by_county"])
        context["status_chart"] = bar_chart(
            _("Member agencies by NMT status"),
            [(str(label), count) for label, count, _value in figures["by_status"]],
            urls=[
                f"{reverse('members:agency_list')}?status={value}"
                for _label, _count, value in figures["by_status"]
            ],
        )
        context["stage_chart"] = bar_chart(
            _("People at each NMT stage"),
            [
                (_("Trained in concepts"), stages["concepts"]),
                (_("Phase I certified"), stages["phase_1"]),
                (_("Phase II / Train-the-Trainer"), stages["phase_2"]),
                (_("Mentor"), stages["mentor"]),
            ],
        )
        # What attendees of Phase I/II put into practice: totals only, never names.
        practice = training_selectors.practice_figures()
        context["practice"] = practice
        context["practice_chart"] = bar_chart(
            _("What people put into practice"),
            [(str(label), count) for label, count, _value in practice["practices"]],
            label_width=240,
        )
        context["obstacle_chart"] = bar_chart(
            _("What got in the way"),
            [(str(label), count) for label, count, _value in practice["obstacles"]],
            label_width=240,
        )
        return context


class AgencyDetailView(DetailView):
    template_name = "members/agency_detail.html"
    context_object_name = "agency"

    def get_queryset(self):
        return member_selectors.agency_public_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agency = self.object
        context["figures"] = figures = member_selectors.agency_figures(agency=agency)
        milestones = member_selectors.milestone_progress(agency=agency, figures=figures)
        # Only what the portal computed or a curator verified; the agency's unverified ticks
        # stay on its own dashboard.
        context["milestones_reached"] = [item for item in milestones if item.public]
        context["milestones_total"] = len(milestones)
        context["hosted_trainings"] = training_selectors.agency_hosted_trainings(agency=agency)
        context["my_membership"] = member_selectors.membership_of(
            user=self.request.user, agency=agency
        )
        return context


@coordinator_required
def manage_home(request, agency):
    """The agency dashboard: staff by stage, attendance over time, upcoming registrations,
    site-certification progress and in-house trainers."""
    return render(
        request,
        "members/manage/home.html",
        {
            "agency": agency,
            **selectors.agency_dashboard(agency=agency),
            "membership": member_selectors.coordinator_membership(user=request.user, agency=agency),
        },
    )


@login_required
def me_delete(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("members:me")
        logout(request)
        messages.success(request, _("Your account and personal data have been deleted."))
        return redirect("home")
    return render(
        request,
        "members/me_delete.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def me(request):
    """My page: my agencies, credentials, certificates of attendance and profile (members'
    page, here because it shows certificates from trainings)."""
    person = member_services.person_for_user(user=request.user)
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                member_services.person_update(person=person, **form.cleaned_data)
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                response = redirect("members:me")
                if person.language:
                    # The pages follow at once, in the language just chosen.
                    languages.set_cookie(response, person.language)
                    with translation.override(person.language):
                        messages.success(request, _("Your profile is saved."))
                else:
                    messages.success(request, _("Your profile is saved."))
                return response
    else:
        form = PersonForm(
            initial={
                "display_name": person.display_name,
                "job_title": person.job_title,
                "discipline": person.discipline,
                "certificate_name": person.certificate_name,
                "licence_type": person.licence_type,
                "licence_number": person.licence_number,
                "language": person.language,
            }
        )
    return render(
        request,
        "members/me.html",
        {
            "person": person,
            "form": form,
            "memberships": member_selectors.my_memberships(person=person),
            "credentials": member_selectors.my_credentials(person=person),
            "calendar_feed_url": member_selectors.calendar_feed_url(person=person),
            "certificates": training_selectors.my_certificates(user=request.user),
        },
        status=400 if form.errors else 200,
    )
