"""Seats under real concurrency: threads, each on its own PostgreSQL connection.

A ``TestCase`` transaction would hide every race (one connection, one transaction), so these
tests commit for real (``transaction=True``). A barrier releases all threads together. The
PostgreSQL server of this machine allows 100 connections, shared with other test runs, so at
most ``MAX_CONNECTIONS`` threads hold a connection at once; the others queue for one, as
requests queue for a worker in production.
"""

import re
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse

from members.models import Role
from tests.factories import AgencyFactory, TrainingFactory
from tests.trainings.factories import member, people_in_bulk
from trainings.models import Registration, RegistrationStatus, Training
from trainings.selectors import waitlist_position
from trainings.services import registration as registration_module
from trainings.services import (
    registration_cancel,
    registration_create,
    registration_create_batch,
)
from trainings.services.registration import lock_trainings

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

MAX_CONNECTIONS = 30
CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED


@pytest.fixture(autouse=True)
def _patient_lock(monkeypatch):
    """These tests assert that every request succeeds, so a request must not meet the lock
    timeout just because a shared machine is slow; the timeout has its own test below."""
    monkeypatch.setattr(registration_module, "LOCK_TIMEOUT", "30s")


def run_concurrently(
    tasks: list[Callable[[], object]], *, max_connections: int = MAX_CONNECTIONS
) -> tuple[list, list[tuple[int, BaseException]]]:
    """Run each task in its own thread, all released at once; return (results, errors).

    Each thread uses its own database connection (Django's are per thread) and closes it.
    """
    barrier = threading.Barrier(len(tasks))
    slots = threading.BoundedSemaphore(max_connections)
    results: list = [None] * len(tasks)
    errors: list[tuple[int, BaseException]] = []

    def worker(index: int, task: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            with slots:
                try:
                    results[index] = task()
                finally:
                    connection.close()
        except BaseException as exc:  # Reported to the test, which fails on it.
            errors.append((index, exc))

    threads = [threading.Thread(target=worker, args=(n, task)) for n, task in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results, errors


def _queue(training: Training) -> list[Registration]:
    """Active registrations in the order the waitlist serves them."""
    return list(training.registrations.active().in_arrival_order())


def _confirmed_rows(training: Training) -> int:
    return training.registrations.confirmed().count()


def _assert_queue_is_first_come_first_served(queue: list[Registration], *, seats: int) -> None:
    """Seats went to the first ``seats`` arrivals, and the queue order is the order in which the
    requests were served under the lock (ids are assigned there), so every position told to a
    person holds."""
    assert [r.status for r in queue] == [CONFIRMED] * seats + [WAITLISTED] * (len(queue) - seats)
    assert [r.pk for r in queue] == sorted(r.pk for r in queue)


def _told_positions() -> list[int]:
    return [
        int(re.search(r"you are number (\d+) on the waitlist", message.body)[1])
        for message in mail.outbox
        if message.subject.startswith("You're on the waitlist")
    ]


def test_200_concurrent_registrations_fill_20_seats_and_waitlist_the_rest_in_order(mailoutbox):
    training = TrainingFactory(capacity=20)
    people = people_in_bulk(200)

    results, errors = run_concurrently(
        [
            lambda person=person: registration_create(training=training, person=person)
            for person in people
        ]
    )

    assert errors == []
    assert Counter(r.status for r in results) == {CONFIRMED: 20, WAITLISTED: 180}
    training.refresh_from_db()
    assert training.seats_taken == 20 == _confirmed_rows(training)
    queue = _queue(training)
    assert len(queue) == 200
    _assert_queue_is_first_come_first_served(queue, seats=20)
    waitlist = queue[20:]
    assert [waitlist_position(r) for r in waitlist] == list(range(1, 181))
    # Each waitlisted person was told a different place, and the places are 1 to 180.
    assert sorted(_told_positions()) == list(range(1, 181))


def test_without_the_lock_the_same_race_oversells(monkeypatch):
    """The negative control: it proves the test above can see a race.

    With the row lock switched off (a test-only hook) and a short pause after the capacity check,
    concurrent requests all see a free seat and all take it. If this stopped overselling, the
    concurrency tests would no longer prove anything about the lock.
    """
    monkeypatch.setattr(registration_module, "_for_update", lambda queryset: queryset)
    monkeypatch.setattr(registration_module, "_after_capacity_check", lambda: time.sleep(0.05))
    training = TrainingFactory(capacity=5)
    people = people_in_bulk(40)

    _results, errors = run_concurrently(
        [
            lambda person=person: registration_create(training=training, person=person)
            for person in people
        ],
        max_connections=40,
    )

    assert errors == []
    assert _confirmed_rows(training) > training.capacity


def test_cancellations_racing_new_registrations_never_overbook_and_promote_in_order(mailoutbox):
    training = TrainingFactory(capacity=10)
    seated = people_in_bulk(10, prefix="seated")
    waiting = people_in_bulk(6, prefix="waiting")
    newcomers = people_in_bulk(12, prefix="newcomer")
    seats = {p.pk: registration_create(training=training, person=p) for p in seated}
    for person in waiting:
        registration_create(training=training, person=person)
    mailoutbox.clear()

    # A separate connection watches the counts while the race runs. One statement sees one
    # snapshot, so the counter and the rows it reads belong to the same committed state.
    stop, snapshots = threading.Event(), []

    def watch() -> None:
        try:
            with connection.cursor() as cursor:
                while not stop.is_set():
                    cursor.execute(
                        "SELECT t.seats_taken, (SELECT count(*) FROM trainings_registration r"
                        " WHERE r.training_id = t.id AND r.status = 'confirmed')"
                        " FROM trainings_training t WHERE t.id = %s",
                        [training.pk],
                    )
                    snapshots.append(cursor.fetchone())
        finally:
            connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    leaving = seated[:8]
    try:
        _results, errors = run_concurrently(
            [
                lambda p=p: registration_cancel(registration=seats[p.pk], cancelled_by=p.user)
                for p in leaving
            ]
            + [lambda p=p: registration_create(training=training, person=p) for p in newcomers]
        )
    finally:
        stop.set()
        watcher.join(timeout=10)

    assert errors == []
    assert snapshots, "the watcher saw nothing"
    assert max(confirmed for _taken, confirmed in snapshots) <= training.capacity
    assert all(taken == confirmed for taken, confirmed in snapshots)

    training.refresh_from_db()
    assert training.seats_taken == 10 == _confirmed_rows(training)
    status = dict(training.registrations.values_list("person_id", "status"))
    assert {status[p.pk] for p in leaving} == {RegistrationStatus.CANCELLED}
    # The whole waitlist came first: all six were promoted, then two newcomers got seats.
    assert {status[p.pk] for p in waiting} == {CONFIRMED}
    queue = _queue(training)
    assert len(queue) == 2 + 6 + 12
    _assert_queue_is_first_come_first_served(queue, seats=10)

    # Every freed seat went to exactly one person: promoted (confirmed after arriving, with
    # one email each) or a newcomer who found it free.
    promoted = [r for r in queue if r.status == CONFIRMED and r.confirmed_at != r.arrived_at]
    newcomer_ids = {p.pk for p in newcomers}
    direct = [
        r
        for r in queue
        if r.status == CONFIRMED and r.confirmed_at == r.arrived_at and r.person_id in newcomer_ids
    ]
    assert len(promoted) + len(direct) == len(leaving)
    assert {r.person_id for r in promoted} >= {p.pk for p in waiting}
    promoted_mail = [m.to[0] for m in mailoutbox if m.subject.startswith("A seat opened up")]
    emails = dict(training.registrations.values_list("pk", "person__user__email"))
    assert Counter(promoted_mail) == Counter(emails[r.pk] for r in promoted)


def test_a_coordinators_batch_racing_single_registrations_fills_exactly_the_seats():
    training = TrainingFactory(capacity=20)
    agency = AgencyFactory()
    coordinator = member(agency, role=Role.COORDINATOR)
    staff = [member(agency) for _ in range(15)]
    singles = people_in_bulk(10, prefix="single")

    results, errors = run_concurrently(
        [
            lambda: registration_create_batch(
                training=training, agency=agency, people=staff, registered_by=coordinator.user
            )
        ]
        + [lambda p=p: registration_create(training=training, person=p) for p in singles]
    )

    assert errors == []
    assert all(outcome.registration for outcome in results[0])
    training.refresh_from_db()
    assert training.seats_taken == 20 == _confirmed_rows(training)
    queue = _queue(training)
    assert len(queue) == 25
    _assert_queue_is_first_come_first_served(queue, seats=20)


def _register_in_both(person, first: Training, second: Training) -> None:
    """A batch-like operation over two trainings in one transaction: lock both up front (in
    whatever order the caller names them), then register into each."""
    with transaction.atomic():
        lock_trainings([first.pk, second.pk])
        registration_create(training=first, person=person)
        registration_create(training=second, person=person)


def test_operations_over_two_trainings_in_opposite_orders_do_not_deadlock():
    a, b = TrainingFactory(capacity=30), TrainingFactory(capacity=30)
    people = people_in_bulk(50)

    _results, errors = run_concurrently(
        [
            (lambda p=p: _register_in_both(p, a, b))
            if n % 2
            else (lambda p=p: _register_in_both(p, b, a))
            for n, p in enumerate(people)
        ]
    )

    assert errors == []  # psycopg's DeadlockDetected would be here
    for training in (a, b):
        training.refresh_from_db()
        assert training.seats_taken == 30 == _confirmed_rows(training)
        assert training.registrations.waitlisted().count() == 20


def test_a_registration_meeting_the_lock_timeout_answers_409_busy(client, monkeypatch):
    monkeypatch.setattr(registration_module, "LOCK_TIMEOUT", "200ms")
    training = TrainingFactory(capacity=5)
    person = people_in_bulk(1)[0]
    client.force_login(person.user)
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with transaction.atomic():
                Training.objects.select_for_update().get(pk=training.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        response = client.post(reverse("trainings:register", kwargs={"slug": training.slug}))
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(timeout=10)

    assert response.status_code == 409
    page = response.content.decode()
    assert "Busy — please try again" in page
    assert "Many people are registering right now. Please wait a moment and try again." in page
    assert waited < 2  # the patched timeout, not the default 3 s
    assert not Registration.objects.exists()
    # Once the lock is released, the same request goes through.
    response = client.post(reverse("trainings:register", kwargs={"slug": training.slug}))
    assert response.status_code == 302
    assert Registration.objects.get().status == CONFIRMED
