"""Reads for the members pages: each returns what its page needs, in a fixed number of queries."""

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from .filters import AgencyFilter, RosterFilter
from .models import (
    Agency,
    Credential,
    CredentialLevel,
    DigestSubscription,
    Invitation,
    Membership,
    MembershipState,
    Person,
    Role,
    User,
    active_membership,
    levels_from,
)


def agency_directory(*, data=None) -> AgencyFilter:
    return AgencyFilter(data or None, queryset=Agency.objects.order_by("name"))


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
    return DigestSubscription.objects.receiving().order_by("pk")


def curator_emails() -> list[str]:
    """The curators (the admin's active staff users), who review proposals and submissions."""
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .order_by("email")
        .values_list("email", flat=True)
    )


def coordinator_emails(*, agency_id: int) -> list[str]:
    """The addresses of an agency's active coordinators."""
    return list(
        Membership.objects.coordinators()
        .filter(agency_id=agency_id)
        .order_by("person__user__email")
        .values_list("person__user__email", flat=True)
    )


def calendar_feed_url(*, person: Person) -> str:
    """The address of the person's own calendar feed (secret: shown only to them)."""
    return settings.SITE_URL + reverse(
        "trainings:my_calendar", kwargs={"token": person.calendar_token}
    )
