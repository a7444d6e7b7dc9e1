"""Reads of the API app: tokens by their raw value, a person's tokens."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from members import selectors as member_selectors
from members.models import Agency, Credential, Membership, Person, active_membership
from trainings.models import Certificate, Registration

from .models import TOKEN_PREFIX, ApiToken, token_digest


def token_by_raw(raw: str, *, now: dt.datetime | None = None) -> ApiToken | None:
    """The usable token with this raw value (not revoked, not expired), with its person and
    user, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    return (
        ApiToken.objects.usable(now=now or timezone.now())
        .select_related("person__user")
        .filter(digest=token_digest(raw), person__user__is_active=True)
        .first()
    )


def my_tokens(*, person: Person) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(person=person)


def my_registrations(*, person: Person) -> QuerySet[Registration]:
    """Every registration of the person (any status), for paging by id."""
    return Registration.objects.filter(person=person).select_related("training", "agency")


def my_credentials(*, person: Person) -> QuerySet[Credential]:
    return Credential.objects.filter(person=person)


def my_certificates(*, person: Person) -> QuerySet[Certificate]:
    """The person's certificates, revoked ones included (with ``revoked_at``): a records system
    must learn of a revocation."""
    return Certificate.objects.filter(person=person).select_related("training")


def agency_roster(*, agency: Agency) -> QuerySet[Membership]:
    """The roster page's rows: active members with their people, accounts and credentials
    (three queries a page)."""
    return member_selectors.roster(agency=agency).qs


def agency_registrations(*, agency: Agency) -> QuerySet[Registration]:
    return Registration.objects.filter(agency=agency).select_related("training", "agency")


def agency_credentials(*, agency: Agency) -> QuerySet[Credential]:
    """Credentials of the agency's active staff."""
    return Credential.objects.filter(active_membership("person__memberships"),
                                     person__memberships__agency=agency)  # fmt: skip


def agency_certificates(*, agency: Agency) -> QuerySet[Certificate]:
    """Certificates of the agency's active staff (what the manage area's certificates list)."""
    return Certificate.objects.filter(
        active_membership("person__memberships"), person__memberships__agency=agency
    ).select_related("training")
