"""Credentials: NMT stages recorded for a person, and their verification."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

from ..models import (
    Credential,
    CredentialSource,
    Person,
    User,
)


def credential_record(
    *,
    person: Person,
    level: str,
    model: str,
    earned_on: dt.date,
    source: str,
    recorded_by: User | None = None,
) -> Credential:
    """Record (or update) a credential. Admin-sourced credentials are verified at once."""
    if earned_on > timezone.localdate():
        raise ApplicationError(_("The date earned cannot be in the future."))
    existing = Credential.objects.filter(person=person, level=level, model=model).first()
    # A coordinator recording a credential again never undoes an admin's verification of it.
    verified = source == CredentialSource.ADMIN or bool(
        existing and existing.verified and existing.earned_on == earned_on
    )
    credential, _created = Credential.objects.update_or_create(
        person=person,
        level=level,
        model=model,
        defaults={
            "earned_on": earned_on,
            "source": existing.source
            if verified and existing and source != CredentialSource.ADMIN
            else source,
            "recorded_by": recorded_by,
            "verified": verified,
        },
    )
    return credential


def credential_verify(*, credential: Credential, verified_by: User) -> Credential:
    credential.verified = True
    credential.recorded_by = credential.recorded_by or verified_by
    credential.save(update_fields=["verified", "recorded_by"])
    return credential
