"""People: their profile and the erasure of their account."""

from django.db import transaction
from django.utils.translation import gettext as _

from portal import languages
from portal.exceptions import ApplicationError

from ..models import (
    Invitation,
    Person,
    User,
    new_calendar_token,
)
from .agencies import _coordinator_count, _lock_agency
from .errors import MembershipError


def person_for_user(*, user: User) -> Person:
    """The person of a user, created on first use with a name taken from the account."""
    person = Person.objects.filter(user=user).first()
    if person:
        return person
    name = user.get_full_name() or user.email.split("@", 1)[0]
    person, _created = Person.objects.get_or_create(user=user, defaults={"display_name": name})
    return person


def person_update(
    *,
    person: Person,
    display_name: str,
    job_title: str = "",
    discipline: str = "",
    certificate_name: str | None = None,
    licence_type: str | None = None,
    licence_number: str | None = None,
    language: str | None = None,
) -> Person:
    """Save what a person says about themselves. The certificate name and licence (None:
    left as they are) print on certificates issued from now on; a curator reissues one that
    was issued before. ``language`` (None: left as it is; "" forgets the choice) is the one the
    portal speaks to them in, emails included."""
    display_name = display_name.strip()
    if not display_name:
        raise ApplicationError(_("Enter the name others should see."))
    person.display_name = display_name
    person.job_title = job_title.strip()
    person.discipline = discipline.strip()
    fields = ["display_name", "job_title", "discipline"]
    for name, value in (
        ("certificate_name", certificate_name),
        ("licence_type", licence_type),
        ("licence_number", licence_number),
    ):
        if value is not None:
            setattr(person, name, " ".join(value.split()))
            fields.append(name)
    if language is not None:
        person.language = _checked_language(language) if language else ""
        fields.append("language")
    person.save(update_fields=fields)
    return person


def _checked_language(language: str) -> str:
    if not languages.is_supported(language):
        raise ApplicationError(_("Choose one of the portal's languages."))
    return language


def person_set_language(*, person: Person, language: str) -> Person:
    """The language switch, signed in: the portal speaks to the person in ``language`` from now
    on, on every device they sign in on and in every email."""
    language = _checked_language(language)
    if person.language != language:
        person.language = language
        person.save(update_fields=["language"])
    return person


def calendar_token_regenerate(*, person: Person) -> str:
    """Replace the calendar feed's token: the old feed address stops working at once."""
    person.calendar_token = new_calendar_token()
    person.save(update_fields=["calendar_token"])
    return person.calendar_token


def account_delete_check(*, user: User) -> None:
    """Refuse while they are the last coordinator of an agency, so no agency is left
    unmanaged. Locks those agencies' rows until the transaction ends."""
    person = Person.objects.filter(user=user).first()
    if person is None:
        return
    for membership in person.memberships.coordinators().select_related("agency"):
        agency = _lock_agency(membership.agency_id)
        if _coordinator_count(agency) <= 1:
            raise MembershipError(
                _(
                    "You are the only coordinator of %(agency)s. Make someone else "
                    "coordinator before deleting your account."
                )
                % {"agency": agency.name}
            )


@transaction.atomic
def account_erase(*, user: User) -> None:
    """Delete the account and its personal data (pending invitations to the address too).

    The members' half of deleting an account: ``community.services.account_delete`` calls it
    after cancelling the person's seats, and is what views call.
    """
    account_delete_check(user=user)
    Invitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True).delete()
    user.delete()
