"""Agencies share their own trainings: a coordinator proposes one their agency hosts, led by one
of its trainers; it waits as *submitted* until a curator publishes it. The host's coordinators
then keep its roster, attendance and notes."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import selectors as member_selectors
from members.models import Agency, Credential, CredentialLevel, Person, User
from portal import notifications
from portal.models import ContentLanguage

from .. import emails
from ..models import Status, Training
from .catalogue import TrainingError, training_create

# The credentials that make someone a trainer (members' figures count them the same way).
TRAINER_LEVELS = (CredentialLevel.PHASE_2, CredentialLevel.MENTOR)
# Sessions of a proposal start at most this far ahead.
PROPOSAL_HORIZON = dt.timedelta(days=2 * 366)


def is_agency_trainer(*, person: Person, agency: Agency, model: str) -> bool:
    """An active member of ``agency`` holding Phase II / Train-the-Trainer or Mentor in
    ``model``."""
    return (
        person.memberships.active().filter(agency=agency).exists()
        and Credential.objects.filter(person=person, level__in=TRAINER_LEVELS, model=model).exists()
    )


@transaction.atomic
def training_propose(
    *,
    agency: Agency,
    proposed_by: User,
    lead_trainer: Person,
    sessions: Iterable[tuple[dt.datetime, dt.datetime]],
    title: str,
    kind: str,
    model: str,
    language: str = ContentLanguage.EN,
    summary: str,
    description: str = "",
    format: str,
    venue_name: str = "",
    venue_address: str = "",
    county: str = "",
    online_url: str = "",
    capacity: int,
    contact_email: str = "",
    now: dt.datetime | None = None,
) -> Training:
    """Create a training hosted by ``agency``, saved as submitted, and email the curators.

    The lead trainer must be an active member of the agency with a trainer's credential in the
    training's model; every session must lie ahead (within two years).
    """
    now = now or timezone.now()
    if not is_agency_trainer(person=lead_trainer, agency=agency, model=model):
        raise TrainingError(
            _(
                "%(name)s is not one of %(agency)s's trainers for %(model)s: the lead trainer "
                "needs a Phase II / Train-the-Trainer or Mentor credential."
            )
            % {"name": lead_trainer.display_name, "agency": agency.name, "model": model.upper()}
        )
    sessions = sorted(sessions)
    for start, _end in sessions:
        if start <= now:
            raise TrainingError(_("Every session must be in the future."))
        if start > now + PROPOSAL_HORIZON:
            raise TrainingError(_("Sessions can be proposed up to two years ahead."))
    training = training_create(
        sessions=sessions,
        title=title.strip(),
        kind=kind,
        model=model,
        language=language,
        summary=summary.strip(),
        description=description,
        format=format,
        venue_name=venue_name.strip(),
        venue_address=venue_address.strip(),
        county=county,
        online_url=online_url,
        capacity=capacity,
        contact_email=contact_email,
        host_agency=agency,
        lead_trainer=lead_trainer,
        status=Status.SUBMITTED,
    )
    for language, curators in notifications.by_language(member_selectors.curator_recipients()):
        notifications.queue(
            emails.training_proposed(
                training=training, proposed_by=proposed_by, curators=curators, language=language
            )
        )
    return training


@transaction.atomic
def training_notes_update(*, training: Training, notes: str) -> Training:
    """The host's notes for members (a meeting's notes): Markdown, sanitised when shown."""
    training = Training.objects.select_for_update().get(pk=training.pk)
    training.notes = notes.strip()
    training.save(update_fields=["notes", "updated_at"])
    return training
