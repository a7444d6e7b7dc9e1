"""Helpers for the registration tests: registrations, members of an agency, crowds of people.

``RegistrationFactory`` writes a row directly, for states the services refuse to create (a past
training's registrations); it keeps ``Training.seats_taken`` in step for confirmed rows.
Everything else should go through the services.
"""

import datetime as dt

import factory
from django.db.models import F
from django.utils import timezone

from members.models import Person, Role, User
from tests.factories import (
    CredentialFactory,
    MembershipFactory,
    PersonFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.models import Registration, RegistrationStatus, Session, Training


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    training = factory.SubFactory(TrainingFactory)
    person = factory.SubFactory(PersonFactory)
    status = RegistrationStatus.CONFIRMED
    arrived_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        registration = super()._create(model_class, *args, **kwargs)
        if registration.status == RegistrationStatus.CONFIRMED:
            Training.objects.filter(pk=registration.training_id).update(
                seats_taken=F("seats_taken") + 1
            )
            registration.training.refresh_from_db(fields=["seats_taken"])
        return registration


def member(agency, *, role: str = Role.STAFF, name: str = "", email: str = "") -> Person:
    """A person with an active membership of ``agency``."""
    person_kwargs = {"display_name": name} if name else {}
    if email:
        person_kwargs["user"] = UserFactory(email=email)
    return MembershipFactory(agency=agency, role=role, person=PersonFactory(**person_kwargs)).person


def people_in_bulk(count: int, *, prefix: str = "crowd") -> list[Person]:
    """``count`` people with accounts, made in two queries (the concurrency tests need many)."""
    users = User.objects.bulk_create(
        User(email=f"{prefix}{n}@example.org", password="!") for n in range(count)
    )
    return Person.objects.bulk_create(
        Person(user=user, display_name=f"{prefix.title()} {n:03d}") for n, user in enumerate(users)
    )


def start_now(training: Training) -> Training:
    """Move ``training`` so that its first session began an hour ago (registrations made while it
    was ahead stay); attendance can then be marked."""
    shift = timezone.now() - dt.timedelta(hours=1) - training.starts_at
    for session in training.sessions.all():
        Session.objects.filter(pk=session.pk).update(
            starts_at=session.starts_at + shift, ends_at=session.ends_at + shift
        )
    Training.objects.filter(pk=training.pk).update(
        starts_at=training.starts_at + shift, ends_at=training.ends_at + shift
    )
    training.refresh_from_db()
    return training


def eligible_person(training: Training) -> Person:
    """A new person who holds what ``training`` requires (Phase I needs the concepts training),
    for tests about something else than eligibility."""
    person = PersonFactory()
    if training.effective_required_level:
        CredentialFactory(
            person=person, level=training.effective_required_level, model=training.model
        )
    return person
