"""Agencies: their profile, and the lock that every change of their memberships takes first.

Changes to an agency's memberships lock the agency row first (``agency_lock``), so two
coordinators acting at once can never leave an agency without a coordinator."""

from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.models import ServedLanguage

from ..models import (
    CLAIM_FIELDS,
    Agency,
    AgencyLanguage,
    Membership,
)
from .errors import AgencyError, ClaimError


def agency_save(*, agency: Agency) -> Agency:
    """Validate and save an agency edited as a whole (admin form, admin import)."""
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def agency_update(
    *, agency: Agency, fields: dict, languages: Iterable[str] | None = None
) -> Agency:
    """Save the coordinator-editable profile fields (already validated by a form) and, when
    given, the languages the agency serves: all of it or, on any error, nothing.

    The verified claims (``CLAIM_FIELDS``) are not among them: a coordinator asks for those
    (``agency_status_request_submit``) and a curator approves."""
    claims = sorted(set(fields) & set(CLAIM_FIELDS))
    if claims:
        raise ClaimError(
            _("Curators confirm these before they show: ask for the change instead (%(f)s).")
            % {"f": ", ".join(claims)}
        )
    for name, value in fields.items():
        setattr(agency, name, value)
    agency.full_clean(exclude=["slug"])
    agency.save()
    if languages is not None:
        agency_languages_set(agency=agency, languages=languages)
    return agency


@transaction.atomic
def agency_languages_set(*, agency: Agency, languages: Iterable[str]) -> list[str]:
    """Make ``languages`` (codes of ``ServedLanguage``) the languages the agency serves: rows
    for new ones, none left for dropped ones. An unknown code changes nothing."""
    wanted = set(languages)
    unknown = sorted(wanted - set(ServedLanguage.values))
    if unknown:
        raise AgencyError(
            _("Unknown language: %(codes)s.") % {"codes": ", ".join(unknown)}, field="languages"
        )
    current = set(agency.languages.values_list("language", flat=True))
    agency.languages.exclude(language__in=wanted).delete()
    AgencyLanguage.objects.bulk_create(
        AgencyLanguage(agency=agency, language=code) for code in sorted(wanted - current)
    )
    return [code for code in ServedLanguage.values if code in wanted]


def _lock_agency(agency_id: int) -> Agency:
    """Lock the agency's row (with a short lock timeout, like the seat lock): membership changes
    of one agency happen one at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '5s'")
    return Agency.objects.select_for_update().get(pk=agency_id)


def _coordinator_count(agency: Agency) -> int:
    return Membership.objects.filter(agency=agency).coordinators().count()


def _manage_link(agency: Agency, name: str) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"slug": agency.slug})
