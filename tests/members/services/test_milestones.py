"""Site-certification milestones: the portal computes those it can from its records (they show
with their figure and cannot be ticked); the others are the agency's claims, public once a
curator has verified the tick."""

import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.urls import reverse

from members import services
from members.models import (
    AgencyMilestone,
    CredentialLevel,
    MilestoneMeasure,
    SiteMilestone,
)
from members.selectors import milestone_progress
from members.services import ClaimError
from tests.factories import CredentialFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(page).split())


@pytest.fixture
def milestones(db):
    """A small set of our own (the data migration's rows are gone after a flush)."""
    SiteMilestone.objects.all().delete()
    return {
        "leadership": SiteMilestone.objects.create(title="Leadership commits", order=1),
        "phase_1": SiteMilestone.objects.create(
            title="Clinicians certified in Phase I",
            order=2,
            measure=MilestoneMeasure.PHASE_1,
            threshold=2,
        ),
        "trainer": SiteMilestone.objects.create(
            title="An in-house trainer", order=3, measure=MilestoneMeasure.TRAINERS
        ),
        "spaces": SiteMilestone.objects.create(
            title="Sensory-sensitive spaces", order=4, measure=MilestoneMeasure.SENSORY_SPACES
        ),
    }


def _staff_at(agency, *levels):
    membership = MembershipFactory(agency=agency)
    for level in levels:
        CredentialFactory(person=membership.person, level=level)
    return membership


def test_the_default_milestones_the_portal_can_count_are_computed():
    measures = dict(SiteMilestone.objects.values_list("title", "measure"))
    assert measures["Staff trained in NMT concepts"] == "concepts"
    assert measures["First clinicians certified in Phase I"] == "phase_1"
    assert measures["A Phase II / Train-the-Trainer certified in-house trainer"] == "trainers"
    assert measures["Sensory-sensitive spaces in place"] == "sensory_spaces"
    assert measures["Leadership commits to implementing NMT"] == ""


def test_computed_milestones_follow_the_records(agency_a, milestones):
    _staff_at(agency_a, CredentialLevel.PHASE_1)
    _staff_at(agency_a, CredentialLevel.PHASE_2)  # counts as Phase I too
    agency_a.sensory_spaces = 0
    agency_a.save()

    progress = {item.milestone.title: item for item in milestone_progress(agency=agency_a)}

    phase_1 = progress["Clinicians certified in Phase I"]
    assert (phase_1.computed, phase_1.done, phase_1.figure) == (True, True, 2)
    assert phase_1.figure_text == "2 staff certified in Phase I"
    trainer = progress["An in-house trainer"]
    assert (trainer.done, trainer.figure_text) == (
        True,
        "1 Phase II / Train-the-Trainer certified trainer",
    )
    spaces = progress["Sensory-sensitive spaces"]
    assert (spaces.done, spaces.figure_text) == (False, "0 sensory-sensitive spaces (reached at 1)")
    assert not progress["Leadership commits"].computed


def test_a_computed_milestone_cannot_be_ticked(client, agency_a, coordinator_a, milestones):
    client.force_login(coordinator_a)
    milestone = milestones["spaces"]

    response = client.post(
        reverse("members:manage_milestone", args=[agency_a.slug, milestone.pk]),
        {"done": "on", "done_on": "2026-01-15"},
        follow=True,
    )

    assert "is computed from the portal’s records: it cannot be ticked by hand" in _text(response)
    assert not AgencyMilestone.objects.exists()
    with pytest.raises(ClaimError):
        services.milestone_set(agency=agency_a, milestone=milestone, done=True)


def test_the_dashboard_shows_computed_milestones_with_their_figure_and_no_tick(
    client, agency_a, coordinator_a, milestones
):
    _staff_at(agency_a, CredentialLevel.PHASE_1)
    client.force_login(coordinator_a)

    response = client.get(reverse("members:manage_home", args=[agency_a.slug]))

    page = response.content.decode()
    text = _text(response)
    assert "Computed: 1 staff member certified in Phase I (reached at 2)" in text
    for key in ("phase_1", "trainer", "spaces"):
        action = reverse("members:manage_milestone", args=[agency_a.slug, milestones[key].pk])
        assert action not in page
    assert (
        reverse("members:manage_milestone", args=[agency_a.slug, milestones["leadership"].pk])
        in page
    )


def test_a_ticked_milestone_is_public_only_once_a_curator_verifies_it(
    client, agency_a, coordinator_a, curator, milestones, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("members:manage_milestone", args=[agency_a.slug, milestones["leadership"].pk]),
            {"done": "on", "done_on": "2026-01-15", "note": "Board vote"},
        )
    item = AgencyMilestone.objects.get()
    assert item.verified_at is None
    [message] = mail.outbox
    assert message.to == ["curator@example.org"]
    assert "Agency A reports that it reached “Leadership commits” on Thu, Jan 15, 2026" in (
        message.body
    )
    dashboard = _text(client.get(reverse("members:manage_home", args=[agency_a.slug])))
    assert "waiting for a curator to verify" in dashboard
    client.logout()
    public = _text(client.get(agency_a.get_absolute_url()))
    assert "0 of 4 milestones reached" in public
    assert "Leadership commits" not in public

    client.force_login(curator)
    client.post(
        reverse("admin:members_agencymilestone_changelist"),
        {"action": "verify", "_selected_action": [item.pk]},
    )
    item.refresh_from_db()
    assert item.verified_by == curator
    client.logout()

    public = _text(client.get(agency_a.get_absolute_url()))
    assert "1 of 4 milestones reached" in public
    assert "✓ Leadership commits Since January 2026, verified by a curator" in public


def test_the_public_profile_shows_computed_milestones_reached(client, agency_a, milestones):
    _staff_at(agency_a, CredentialLevel.PHASE_2)
    text = _text(client.get(agency_a.get_absolute_url()))
    assert "1 of 4 milestones reached" in text
    assert "✓ An in-house trainer 1 Phase II / Train-the-Trainer certified trainer" in text


def test_changing_a_verified_tick_needs_a_curator_again(
    agency_a, coordinator_a, curator, milestones
):
    leadership = milestones["leadership"]
    item = services.milestone_set(
        agency=agency_a, milestone=leadership, done=True, done_on=dt.date(2026, 1, 5)
    )
    services.milestone_verify(item=item, verified_by=curator)

    same = services.milestone_set(
        agency=agency_a, milestone=leadership, done=True, done_on=dt.date(2026, 1, 5)
    )
    assert same.verified_at is not None  # nothing changed: still verified

    changed = services.milestone_set(
        agency=agency_a, milestone=leadership, done=True, done_on=dt.date(2025, 1, 5)
    )
    assert (changed.pk, changed.verified_at, changed.verified_by) == (item.pk, None, None)


def test_a_tick_a_curator_records_in_the_admin_is_verified(client, agency_a, curator, milestones):
    client.force_login(curator)
    add = reverse("admin:members_agencymilestone_add")
    choices = client.get(add).context["adminform"].form.fields["milestone"].queryset
    assert list(choices) == [milestones["leadership"]]  # computed ones have no ticks

    response = client.post(
        add,
        {"agency": agency_a.pk, "milestone": milestones["leadership"].pk, "done_on": "2026-02-01"},
    )

    assert response.status_code == 302
    item = AgencyMilestone.objects.get()
    assert (item.updated_by, item.verified_by) == (curator, curator)
    assert mail.outbox == []  # no email to the curators about their own entry


@pytest.mark.parametrize("staff", [1, 60])
def test_the_public_profile_takes_a_fixed_number_of_queries(
    client, agency_a, milestones, staff, django_assert_max_num_queries
):
    for index in range(staff):
        _staff_at(agency_a, CredentialLevel.PHASE_1 if index % 2 else CredentialLevel.CONCEPTS)
    for extra in range(staff):
        milestone = SiteMilestone.objects.create(title=f"Step {extra}", order=10 + extra)
        item = services.milestone_set(agency=agency_a, milestone=milestone, done=True)
        if extra % 2:
            item.verified_at = item.updated_at
            item.save()

    with django_assert_max_num_queries(8):
        response = client.get(agency_a.get_absolute_url())

    assert response.status_code == 200
