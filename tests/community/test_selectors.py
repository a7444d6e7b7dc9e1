"""The agency dashboard: figures against hand-computed fixtures, milestones, and its query
count for a large agency."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from community.selectors import agency_dashboard
from members import services
from members.models import AgencyMilestone, Credential, Membership, MembershipState, SiteMilestone
from tests.factories import AgencyFactory, CredentialFactory, MembershipFactory, TrainingFactory
from trainings.models import Registration, RegistrationStatus

pytestmark = pytest.mark.django_db


def _milestone() -> SiteMilestone:
    """A milestone (the data migration's rows are gone after a transactional test's flush)."""
    return SiteMilestone.objects.first() or SiteMilestone.objects.create(title="Leadership commits")


def _with_levels(agency, *levels, state=MembershipState.ACTIVE):
    membership = MembershipFactory(agency=agency, state=state)
    for level in levels:
        CredentialFactory(person=membership.person, level=level)
    return membership


def test_the_funnel_counts_people_at_each_stage_or_beyond():
    agency = AgencyFactory()
    _with_levels(agency, "concepts")
    _with_levels(agency, "concepts", "phase_1")
    _with_levels(agency, "phase_2")  # counts at every earlier stage too
    _with_levels(agency, "mentor", state=MembershipState.REQUESTED)  # not on the roster
    _with_levels(AgencyFactory(), "phase_1")  # another agency

    data = agency_dashboard(agency=agency)
    values = {bar.label: bar.value for bar in data["funnel"].bars}

    assert values == {
        "Trained in concepts": 3,
        "Phase I certified": 2,
        "Phase II / Train-the-Trainer": 1,
        "Mentor": 0,
    }
    assert data["funnel"].bars[1].url.endswith("?stage=phase_1")
    assert [trainer.pk for trainer in data["trainers"]] == [
        m.person.pk
        for m in Membership.objects.filter(agency=agency, person__credentials__level="phase_2")
    ]


def test_a_funnel_link_lists_the_matching_people(client):
    agency = AgencyFactory()
    coordinator = _with_levels(agency, "concepts")
    coordinator.role = "coordinator"
    coordinator.save()
    certified = _with_levels(agency, "concepts", "phase_1")
    trainer = _with_levels(agency, "phase_2")
    client.force_login(coordinator.person.user)

    response = client.get(reverse("members:manage_staff", args=[agency.slug]) + "?stage=phase_1")

    names = [m.person.display_name for m in response.context["members"]]
    assert sorted(names) == sorted([certified.person.display_name, trainer.person.display_name])


def test_attendance_over_time_counts_attended_registrations_by_month():
    agency = AgencyFactory()
    person = MembershipFactory(agency=agency).person
    now = timezone.now()
    past = TrainingFactory(
        sessions=[(now - dt.timedelta(days=40), now - dt.timedelta(days=40, hours=-3))]
    )
    Registration.objects.create(
        training=past,
        person=person,
        agency=agency,
        status=RegistrationStatus.CONFIRMED,
        attendance="attended",
    )
    Registration.objects.create(
        training=TrainingFactory(
            sessions=[(now - dt.timedelta(days=10), now - dt.timedelta(days=10, hours=-3))]
        ),
        person=MembershipFactory(agency=agency).person,
        agency=agency,
        status=RegistrationStatus.CONFIRMED,
        attendance="absent",
    )

    data = agency_dashboard(agency=agency)

    assert data["attended_total"] == 1
    assert sum(bar.value for bar in data["attendance_chart"].bars) == 1
    month = timezone.localtime(past.starts_at).strftime("%b %y")
    assert {bar.label: bar.value for bar in data["attendance_chart"].bars}[month] == 1


def test_a_coordinator_ticks_and_unticks_a_milestone(client):
    agency = AgencyFactory()
    coordinator = MembershipFactory(agency=agency, role="coordinator")
    client.force_login(coordinator.person.user)
    milestone = _milestone()
    url = reverse("members:manage_milestone", args=[agency.slug, milestone.pk])

    client.post(url, {"done": "on", "done_on": "2026-01-15", "note": "Board approved"})
    item = AgencyMilestone.objects.get(agency=agency, milestone=milestone)
    assert (item.done_on, item.note) == (dt.date(2026, 1, 15), "Board approved")

    client.post(url, {"done": ""})
    assert not AgencyMilestone.objects.filter(agency=agency).exists()


def test_a_milestone_dated_in_the_future_is_refused_with_a_message(client):
    agency = AgencyFactory()
    coordinator = MembershipFactory(agency=agency, role="coordinator")
    client.force_login(coordinator.person.user)
    milestone = _milestone()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = client.post(
        reverse("members:manage_milestone", args=[agency.slug, milestone.pk]),
        {"done": "on", "done_on": tomorrow.isoformat()},
        follow=True,
    )

    assert "cannot be in the future" in response.content.decode()
    assert not AgencyMilestone.objects.exists()


def test_another_agencys_coordinator_cannot_tick_its_milestones(client):
    agency = AgencyFactory()
    rival = MembershipFactory(agency=AgencyFactory(), role="coordinator")
    client.force_login(rival.person.user)
    milestone = _milestone()

    response = client.post(
        reverse("members:manage_milestone", args=[agency.slug, milestone.pk]), {"done": "on"}
    )

    assert response.status_code == 404
    assert not AgencyMilestone.objects.exists()


@pytest.mark.parametrize("staff", [1, 500])
def test_the_dashboard_renders_in_at_most_12_queries(client, django_assert_max_num_queries, staff):
    agency = AgencyFactory()
    coordinator = MembershipFactory(agency=agency, role="coordinator")
    people = [MembershipFactory(agency=agency).person for _ in range(staff)]
    Credential.objects.bulk_create(
        Credential(person=person, level="phase_1", model="nmt", earned_on=dt.date(2024, 1, 1),
                   source="coordinator")
        for person in people
    )  # fmt: skip
    now = timezone.now()
    trainings = [
        TrainingFactory(
            capacity=1000,
            sessions=[(now + dt.timedelta(days=d), now + dt.timedelta(days=d, hours=3))],
        )
        for d in (-60, -30, 20)
    ]
    Registration.objects.bulk_create(
        Registration(
            training=training,
            person=person,
            agency=agency,
            status=RegistrationStatus.CONFIRMED,
            attendance="attended" if training.starts_at < now else "",
        )
        for training in trainings
        for person in people
    )
    services.milestone_set(agency=agency, milestone=_milestone(), done=True)
    client.force_login(coordinator.person.user)
    url = reverse("members:manage_home", args=[agency.slug])

    with django_assert_max_num_queries(12):
        response = client.get(url)

    assert response.status_code == 200


def test_a_trainer_who_led_a_training_attended_by_other_agencies_says_so():
    agency = AgencyFactory()
    trainer = _with_levels(agency, "phase_1", "phase_2")
    training = TrainingFactory(lead_trainer=trainer.person, host_agency=agency)
    for other in (AgencyFactory(), AgencyFactory()):
        Registration.objects.create(
            training=training,
            person=MembershipFactory(agency=other).person,
            agency=other,
            status=RegistrationStatus.CONFIRMED,
            attendance="attended",
        )
    Registration.objects.create(  # their own staff does not count
        training=training,
        person=MembershipFactory(agency=agency).person,
        agency=agency,
        status=RegistrationStatus.CONFIRMED,
        attendance="attended",
    )

    [listed] = agency_dashboard(agency=agency)["trainers"]

    assert listed.trained_others == 2
