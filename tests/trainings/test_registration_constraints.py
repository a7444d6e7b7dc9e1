"""The database backs the services up: these hold even for a write that skips them."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from tests.factories import PersonFactory, TrainingFactory
from tests.trainings.factories import RegistrationFactory
from trainings.models import Registration, RegistrationStatus, Training

pytestmark = pytest.mark.django_db


def test_an_update_passing_capacity_is_refused(training):
    with (
        pytest.raises(IntegrityError, match="training_seats_within_capacity"),
        transaction.atomic(),
    ):
        Training.objects.filter(pk=training.pk).update(seats_taken=F("capacity") + 1)


def test_a_raw_sql_update_passing_capacity_is_refused(training):
    with (
        pytest.raises(IntegrityError, match="training_seats_within_capacity"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE trainings_training SET seats_taken = capacity + 1 WHERE id = %s",
            [training.pk],
        )


def test_lowering_capacity_below_the_seats_taken_is_refused_by_the_database():
    training = TrainingFactory(capacity=3)
    Training.objects.filter(pk=training.pk).update(seats_taken=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Training.objects.filter(pk=training.pk).update(capacity=2)


def test_filling_exactly_to_capacity_is_allowed():
    training = TrainingFactory(capacity=3)
    Training.objects.filter(pk=training.pk).update(seats_taken=F("capacity"))
    training.refresh_from_db()
    assert training.seats_taken == 3


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED),
        (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED),
        (RegistrationStatus.WAITLISTED, RegistrationStatus.WAITLISTED),
    ],
)
def test_a_second_active_registration_for_the_same_person_is_refused(training, first, second):
    person = PersonFactory()
    Registration.objects.create(training=training, person=person, status=first)
    with (
        pytest.raises(IntegrityError, match="registration_one_active_per_person"),
        transaction.atomic(),
    ):
        Registration.objects.create(training=training, person=person, status=second)


def test_a_cancelled_registration_and_a_new_active_one_may_coexist(training):
    person = PersonFactory()
    now = timezone.now()
    for _ in range(2):
        RegistrationFactory(
            training=training,
            person=person,
            status=RegistrationStatus.CANCELLED,
            cancelled_at=now,
        )
    Registration.objects.create(
        training=training, person=person, status=RegistrationStatus.CONFIRMED
    )
    assert training.registrations.filter(person=person).count() == 3


def test_the_same_person_may_be_registered_for_two_trainings(training):
    person = PersonFactory()
    other = TrainingFactory()
    Registration.objects.create(training=training, person=person, status="confirmed")
    Registration.objects.create(training=other, person=person, status="confirmed")
    assert person.registrations.count() == 2


def test_a_cancellation_time_on_an_active_registration_is_refused(training):
    with (
        pytest.raises(IntegrityError, match="registration_cancelled_at_only_when_cancelled"),
        transaction.atomic(),
    ):
        Registration.objects.create(
            training=training,
            person=PersonFactory(),
            status=RegistrationStatus.CONFIRMED,
            cancelled_at=timezone.now(),
        )
