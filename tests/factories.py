import datetime as dt

import factory
from django.utils import timezone

from members.models import (
    Agency,
    County,
    Credential,
    CredentialLevel,
    CredentialSource,
    Invitation,
    Membership,
    MembershipState,
    Person,
    PracticeModel,
    Role,
    User,
)
from trainings.models import Format, Kind, Model, Session, Status, Training
from trainings.services import training_sync_schedule


def pacific(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware datetime at this wall-clock time in the portal's zone (America/Los_Angeles)."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))  # noqa: DTZ001 - made aware here.


SESSION_HOUR = 10


def days_from_today(days: int, hour: int = SESSION_HOUR, minute: int = 0) -> dt.datetime:
    """``hour``:``minute`` Pacific time on the local day ``days`` after today.

    Built at a fixed local hour, so a 6-hour session never crosses midnight and "in N days" is
    the same local day whatever the hour the suite runs at (``now + N days`` is not, at night).
    """
    day = timezone.localdate() + dt.timedelta(days=days)
    return pacific(day.year, day.month, day.day, hour, minute)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.django.Password("pw-for-tests-2026")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    county = County.SAN_MATEO


class TrainingFactory(factory.django.DjangoModelFactory):
    """A published training with one 6-hour session, 10:00-16:00 Pacific time, ``days_ahead``
    days after today.

    Pass ``sessions=[(start, end), ...]`` for other schedules, or ``sessions=[]`` for none.
    """

    class Meta:
        model = Training
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Training {n}")
    slug = factory.Sequence(lambda n: f"training-{n}")
    kind = Kind.CONCEPTS
    model = Model.NMT
    summary = "A training for the tests."
    format = Format.IN_PERSON
    venue_name = "Health Campus"
    venue_address = "225 37th Ave, San Mateo, CA"
    county = County.SAN_MATEO
    capacity = 20
    status = Status.PUBLISHED
    host_agency = factory.SubFactory(AgencyFactory)

    @factory.post_generation
    def sessions(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            start = days_from_today(self._days_ahead)
            extracted = [(start, start + dt.timedelta(hours=6))]
        for start, end in extracted:
            Session.objects.create(training=self, starts_at=start, ends_at=end)
        training_sync_schedule(training=self, bump_sequence=False)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        days_ahead = kwargs.pop("days_ahead", 10)
        obj = super()._create(model_class, *args, **kwargs)
        obj._days_ahead = days_ahead
        return obj


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Person {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """An active staff membership; pass ``role=Role.COORDINATOR`` or another ``state``."""

    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.STAFF
    state = MembershipState.ACTIVE


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    person = factory.SubFactory(PersonFactory)
    level = CredentialLevel.CONCEPTS
    model = PracticeModel.NMT
    earned_on = dt.date(2024, 3, 15)
    source = CredentialSource.COORDINATOR
    verified = False


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation (not yet accepted) to an address with no account."""

    class Meta:
        model = Invitation

    agency = factory.SubFactory(AgencyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.STAFF
    sent_at = factory.LazyFunction(timezone.now)
