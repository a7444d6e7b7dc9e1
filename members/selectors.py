"""Reads for the members pages: each returns what its page needs, in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from portal.models import ServedLanguage

from .filters import AgencyFilter, RosterFilter
from .models import (
    CLAIM_FIELDS,
    Agency,
    AgencyLanguage,
    AgencyMilestone,
    AgencyStatusRequest,
    Credential,
    CredentialLevel,
    DigestSubscription,
    Invitation,
    Membership,
    MembershipState,
    Person,
    RequestState,
    Role,
    SiteMilestone,
    User,
    active_membership,
    levels_from,
)


def agency_languages_prefetch() -> Prefetch:
    """An agency's languages in the order of their choices (English, Spanish, then the
    others), not by code, which would put American Sign Language ("ase") first."""
    order = Case(
        *(When(language=code, then=Value(n)) for n, code in enumerate(ServedLanguage.values)),
        default=Value(len(ServedLanguage.values)),
    )
    return Prefetch("languages", queryset=AgencyLanguage.objects.order_by(order, "language"))


def agency_directory(*, data=None) -> AgencyFilter:
    queryset = Agency.objects.order_by("name").prefetch_related(agency_languages_prefetch())
    return AgencyFilter(data or None, queryset=queryset)


def agency_public_queryset() -> QuerySet[Agency]:
    """Agencies as their public profile shows them, with the languages they serve."""
    return Agency.objects.prefetch_related(agency_languages_prefetch())


def agency_languages(*, agency: Agency) -> list[str]:
    """The codes of the languages an agency serves, in the choices' order (a form's initial)."""
    served = set(agency.languages.values_list("language", flat=True))
    return [code for code in ServedLanguage.values if code in served]


def stage_counts(credentials: QuerySet[Credential], **extra) -> dict[str, int]:
    """People at each stage or beyond, counted once each, from a set of credentials (one
    query; ``extra`` aggregates ride along)."""
    return credentials.aggregate(
        concepts=Count("person", distinct=True, filter=Q(level__in=levels_from("concepts"))),
        phase_1=Count("person", distinct=True, filter=Q(level__in=levels_from("phase_1"))),
        phase_2=Count("person", distinct=True, filter=Q(level__in=levels_from("phase_2"))),
        mentor=Count("person", distinct=True, filter=Q(level=CredentialLevel.MENTOR)),
        **extra,
    )


def agency_figures(*, agency: Agency) -> dict[str, int]:
    """Implementation figures as agencies report them, from the credentials of active members.

    A person counts at every stage up to their highest: someone certified in Phase II is also
    counted as Phase I certified and as trained in concepts. ``trainers`` are the people at
    Phase II / Train-the-Trainer or Mentor. One query.
    """
    credentials = Credential.objects.filter(
        active_membership("person__memberships"), person__memberships__agency=agency
    )
    figures = stage_counts(credentials, verified=Count("pk", filter=Q(verified=True)))
    figures["trainers"] = figures["phase_2"]
    figures["staff"] = Membership.objects.filter(agency=agency).active().count()
    return figures


def membership_of(*, user: User, agency: Agency) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(person__user=user, agency=agency).first()


def coordinated_agency(*, user: User, slug: str) -> Agency:
    """The agency a coordinator manages, or 404: another agency's manage area doesn't exist
    for them (pretix answers 404 "to prevent information leakage")."""
    return get_object_or_404(
        Agency.objects.filter(
            active_membership("memberships"),
            memberships__person__user=user,
            memberships__role=Role.COORDINATOR,
        ),
        slug=slug,
    )


def is_member(*, user: User, slug: str) -> bool:
    return Membership.objects.active().filter(person__user=user, agency__slug=slug).exists()


def roster(*, agency: Agency, data=None) -> RosterFilter:
    """Active members with their people, accounts and credentials (three queries)."""
    queryset = (
        Membership.objects.active()
        .filter(agency=agency)
        .select_related("person__user")
        .prefetch_related(
            Prefetch("person__credentials", queryset=Credential.objects.order_by("level", "model"))
        )
        .order_by("person__display_name", "pk")
    )
    return RosterFilter(data or None, queryset=queryset)


def agency_member(*, agency: Agency, membership_id: int, states=(MembershipState.ACTIVE,)):
    """A membership of this agency, or 404 (a tampered id from another agency answers 404)."""
    return get_object_or_404(
        Membership.objects.select_related("person__user", "agency"),
        agency=agency,
        pk=membership_id,
        state__in=states,
    )


def join_requests(*, agency: Agency) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(agency=agency, state=MembershipState.REQUESTED)
        .select_related("person__user")
        .order_by("created_at")
    )


def open_invitations(*, agency: Agency) -> QuerySet[Invitation]:
    return Invitation.objects.filter(agency=agency, accepted_at__isnull=True).order_by("-sent_at")


def agency_invitation(*, agency: Agency, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation, agency=agency, pk=invitation_id, accepted_at__isnull=True)


def my_memberships(*, person: Person) -> QuerySet[Membership]:
    return person.memberships.select_related("agency").order_by("agency__name")


def my_active_memberships(*, person: Person) -> QuerySet[Membership]:
    """The agencies a person belongs to now (a seat or a proposal is for one of them)."""
    return (
        Membership.objects.active()
        .filter(person=person)
        .select_related("agency")
        .order_by("agency__name")
    )


def agency_staff(*, agency: Agency) -> QuerySet[Membership]:
    """An agency's active staff, by name."""
    return (
        Membership.objects.active()
        .filter(agency=agency)
        .select_related("person__user")
        .order_by("person__display_name")
    )


def roster_people(*, agency: Agency, ids) -> list[Person]:
    """The people with these ids who are on the agency's roster (the others are left out)."""
    return list(
        Person.objects.filter(
            active_membership("memberships"), pk__in=ids, memberships__agency=agency
        ).order_by("display_name", "pk")
    )


def account_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def agency_with_logo(*, slug: str) -> Agency:
    return get_object_or_404(Agency.objects.exclude(logo=""), slug=slug)


def my_credentials(*, person: Person) -> QuerySet[Credential]:
    return person.credentials.order_by("-earned_on", "pk")


def person_data_export(*, user: User) -> dict:
    """Everything the portal holds about a person, for their own download."""
    person = Person.objects.filter(user=user).first()
    data = {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in user.emailaddress_set.all()
            ],
        },
        "profile": None,
        "memberships": [],
        "credentials": [],
    }
    if person:
        data["profile"] = {
            "display_name": person.display_name,
            "job_title": person.job_title,
            "discipline": person.discipline,
        }
        data["memberships"] = [
            {
                "agency": m.agency.name,
                "role": m.role,
                "state": m.state,
                "since": m.created_at.isoformat(),
            }
            for m in my_memberships(person=person)
        ]
        data["credentials"] = [
            {
                "level": c.level,
                "model": c.model,
                "earned_on": c.earned_on.isoformat(),
                "source": c.source,
                "verified": c.verified,
            }
            for c in my_credentials(person=person)
        ]
    return data


# --- Digests ------------------------------------------------------------------------------------


def coordinator_membership(*, user: User, agency: Agency) -> Membership:
    """The signed-in coordinator's own membership of the agency they manage."""
    return get_object_or_404(Membership.objects.coordinators(), person__user=user, agency=agency)


def weekly_digest_recipients() -> QuerySet[Membership]:
    """Active coordinators who opted in to the weekly digest, with their accounts."""
    return (
        Membership.objects.coordinators()
        .filter(weekly_digest=True, person__user__is_active=True)
        .select_related("person__user", "agency")
        .order_by("agency_id", "pk")
    )


def digest_subscription(*, token: str) -> DigestSubscription:
    return get_object_or_404(DigestSubscription, token=token)


def digest_recipients() -> QuerySet[DigestSubscription]:
    return DigestSubscription.objects.receiving().select_related("person").order_by("pk")


def curator_recipients() -> list[tuple[str, str]]:
    """The curators (the admin's active staff users), who review proposals and submissions:
    (address, saved language or None) pairs, for ``portal.notifications.by_language``."""
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .order_by("email")
        .values_list("email", "person__language")
    )


def coordinator_recipients(*, agency_id: int) -> list[tuple[str, str]]:
    """An agency's active coordinators: (address, saved language) pairs."""
    return list(
        Membership.objects.coordinators()
        .filter(agency_id=agency_id)
        .order_by("person__user__email")
        .values_list("person__user__email", "person__language")
    )


def calendar_feed_url(*, person: Person) -> str:
    """The address of the person's own calendar feed (secret: shown only to them)."""
    return settings.SITE_URL + reverse(
        "trainings:my_calendar", kwargs={"token": person.calendar_token}
    )


# --- Claims curators verify ----------------------------------------------------------------------


def agency_status_requests(*, agency: Agency) -> dict:
    """The agency's pending status request (or None) and the last one a curator answered (or
    None), for its profile page. One query: at most one request is pending, and it is the
    newest, since a request can be made only when none is."""
    requests = list(
        AgencyStatusRequest.objects.filter(agency=agency)
        .exclude(state=RequestState.WITHDRAWN)
        .select_related("requested_by", "decided_by")
        .order_by("-created_at", "-pk")[:2]
    )
    pending = next((r for r in requests if r.is_pending), None)
    answered = next((r for r in requests if not r.is_pending), None)
    return {"pending_request": pending, "last_answer": answered}


def status_request_initial(*, agency: Agency, pending: AgencyStatusRequest | None) -> dict:
    """What the request form starts from: the public values, with a pending request's changes
    and note on top (sending it again updates that request)."""
    initial = {name: getattr(agency, name) for name in CLAIM_FIELDS}
    if pending is not None:
        initial.update(pending.changes)
        initial["note"] = pending.note
    return initial


@dataclass(frozen=True)
class MilestoneProgress:
    """Where an agency stands on one site-certification milestone.

    ``computed``: the portal decides from ``figure`` (``done`` when it reaches the threshold).
    Otherwise ``done`` is the agency's tick, which is ``verified`` once a curator confirmed it.
    ``public``: what the agency's public profile shows as reached."""

    milestone: SiteMilestone
    computed: bool
    done: bool
    figure: int | None = None
    figure_text: str = ""
    done_on: dt.date | None = None
    note: str = ""
    verified: bool = False

    @property
    def public(self) -> bool:
        return self.done and (self.computed or self.verified)


def _figure_text(measure: str, figure: int, threshold: int) -> str:
    if measure == "concepts":
        text = ngettext(
            "%(n)d staff member trained in NMT concepts",
            "%(n)d staff trained in NMT concepts",
            figure,
        )
    elif measure == "phase_1":
        text = ngettext(
            "%(n)d staff member certified in Phase I", "%(n)d staff certified in Phase I", figure
        )
    elif measure == "trainers":
        text = ngettext(
            "%(n)d Phase II / Train-the-Trainer certified trainer",
            "%(n)d Phase II / Train-the-Trainer certified trainers",
            figure,
        )
    else:
        text = ngettext("%(n)d sensory-sensitive space", "%(n)d sensory-sensitive spaces", figure)
    text = text % {"n": figure}
    if figure < threshold:
        text += " " + gettext("(reached at %(t)d)") % {"t": threshold}
    return text


def milestone_progress(*, agency: Agency, figures: dict | None = None) -> list[MilestoneProgress]:
    """Every site-certification milestone, in order, for one agency: the computed ones from
    its figures (``agency_figures``, passed in when the page has them already) and its
    verified sensory spaces, the others from its ticks. One query, or two without figures."""
    figures = figures if figures is not None else agency_figures(agency=agency)
    ticks = AgencyMilestone.objects.filter(agency=agency, milestone=OuterRef("pk"))
    milestones = SiteMilestone.objects.annotate(
        tick_done_on=Subquery(ticks.values("done_on")[:1]),
        tick_note=Subquery(ticks.values("note")[:1]),
        tick_verified_at=Subquery(ticks.values("verified_at")[:1]),
    )
    progress = []
    for milestone in milestones:
        if milestone.is_computed:
            figure = (
                agency.sensory_spaces
                if milestone.measure == "sensory_spaces"
                else figures[milestone.measure]
            )
            progress.append(
                MilestoneProgress(
                    milestone=milestone,
                    computed=True,
                    done=figure >= milestone.threshold,
                    figure=figure,
                    figure_text=_figure_text(milestone.measure, figure, milestone.threshold),
                )
            )
        else:
            progress.append(
                MilestoneProgress(
                    milestone=milestone,
                    computed=False,
                    done=milestone.tick_done_on is not None,
                    done_on=milestone.tick_done_on,
                    note=milestone.tick_note or "",
                    verified=milestone.tick_verified_at is not None,
                )
            )
    return progress


# --- What waits for a curator (the admin's home page, community.selectors.curator_desk) ------


def status_requests_waiting_count() -> int:
    """Agencies' requests to change their verified public values, not yet decided."""
    return AgencyStatusRequest.objects.filter(state=RequestState.PENDING).count()


def milestone_ticks_waiting_count() -> int:
    """Milestones agencies ticked that no curator has verified yet (not public until then)."""
    return AgencyMilestone.objects.filter(verified_at__isnull=True).count()


def credentials_unverified_count() -> int:
    """Credentials recorded by coordinators or by attendance that no curator has verified."""
    return Credential.objects.filter(verified=False).count()
