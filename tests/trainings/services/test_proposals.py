"""Agencies share their own trainings: a coordinator proposes one their agency hosts, led by one
of its trainers; it is saved as submitted, curators are emailed, and it is public only once a
curator publishes it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import CredentialLevel, MembershipState, Role
from portal.models import ContentLanguage
from tests.factories import CredentialFactory, MembershipFactory, TrainingFactory, UserFactory
from tests.trainings.factories import member
from trainings import services
from trainings.models import Format, Kind, Status, Training

pytestmark = pytest.mark.django_db

TITLE = "Regulation in the Classroom"


@pytest.fixture
def trainer(home_agency):
    person = member(home_agency, name="Tess Trainer", email="tess@example.org")
    CredentialFactory(person=person, level=CredentialLevel.PHASE_1)
    CredentialFactory(person=person, level=CredentialLevel.PHASE_2)
    return person


@pytest.fixture
def curators(db):
    """Two active curators (staff users) and one who left (inactive)."""
    UserFactory(email="zoe-curator@example.org", is_staff=True)
    UserFactory(email="ann-curator@example.org", is_staff=True)
    UserFactory(email="gone-curator@example.org", is_staff=True, is_active=False)
    return ["ann-curator@example.org", "zoe-curator@example.org"]


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator.user)
    return client


def propose_url(agency) -> str:
    return reverse("trainings:agency_propose_training", kwargs={"slug": agency.slug})


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def form_data(trainer, **overrides) -> dict:
    data = {
        "title": TITLE,
        "kind": Kind.CONCEPTS,
        "model": "nmt",
        "summary": "Regulating activities for classroom routines.",
        "description": "Bring a **notebook**.",
        "lead_trainer": str(trainer.pk),
        "format": Format.IN_PERSON,
        "venue_name": "Bayside Clinic, Room 2",
        "venue_address": "1 Harbor Way, San Mateo, CA",
        "county": "san_mateo",
        "online_url": "",
        "capacity": "20",
        "contact_email": "training@bayside.example.org",
        "session_1_date": f"{in_days(30):%Y-%m-%d}",
        "session_1_start": "09:00",
        "session_1_end": "15:30",
    }
    return {**data, **overrides}


def propose(agency, coordinator, trainer, **overrides) -> Training:
    start = timezone.make_aware(dt.datetime.combine(in_days(30), dt.time(9)))
    fields = {
        "title": TITLE,
        "kind": Kind.CONCEPTS,
        "model": "nmt",
        "summary": "Regulating activities for classroom routines.",
        "format": Format.ONLINE,
        "capacity": 20,
        "sessions": [(start, start + dt.timedelta(hours=6))],
        **overrides,
    }
    return services.training_propose(
        agency=agency, proposed_by=coordinator.user, lead_trainer=trainer, **fields
    )


# --- Proposing ------------------------------------------------------------------------------


def test_a_coordinator_proposes_a_training_saved_as_submitted_and_hosted_by_their_agency(
    coordinator_client, home_agency, trainer
):
    response = coordinator_client.post(
        propose_url(home_agency),
        form_data(
            trainer,
            session_2_date=f"{in_days(37):%Y-%m-%d}",
            session_2_start="09:00",
            session_2_end="12:00",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "trainings:agency_hosted", kwargs={"slug": home_agency.slug}
    )
    training = Training.objects.get()
    assert training.status == Status.SUBMITTED
    assert training.host_agency == home_agency
    assert training.lead_trainer == trainer
    assert (training.title, training.kind, training.capacity) == (TITLE, Kind.CONCEPTS, 20)
    assert training.contact_email == "training@bayside.example.org"
    sessions = [
        (timezone.localtime(s.starts_at), timezone.localtime(s.ends_at))
        for s in training.sessions.order_by("starts_at")
    ]
    assert [(s.date(), s.hour, e.hour, e.minute) for s, e in sessions] == [
        (in_days(30), 9, 15, 30),
        (in_days(37), 9, 12, 0),
    ]
    assert training.starts_at == sessions[0][0]
    assert training.ends_at == sessions[1][1]


def test_a_proposal_keeps_the_language_it_is_given_in(coordinator_client, home_agency, trainer):
    page = coordinator_client.get(propose_url(home_agency)).content.decode()
    assert '<select name="language"' in page
    response = coordinator_client.post(
        propose_url(home_agency), form_data(trainer, language=ContentLanguage.BILINGUAL)
    )
    assert response.status_code == 302
    assert Training.objects.get().language == ContentLanguage.BILINGUAL


def test_a_proposal_without_a_language_is_in_english(coordinator_client, home_agency, trainer):
    assert coordinator_client.post(propose_url(home_agency), form_data(trainer)).status_code == 302
    assert Training.objects.get().language == ContentLanguage.EN


def test_a_proposal_in_an_unknown_language_is_refused_beside_the_field(
    coordinator_client, home_agency, trainer
):
    response = coordinator_client.post(propose_url(home_agency), form_data(trainer, language="fr"))
    assert response.status_code == 400
    assert 'id="id_language_error"' in response.content.decode()
    assert not Training.objects.exists()


def test_the_form_offers_only_the_agency_trainers_as_lead(
    coordinator_client, home_agency, other_agency, trainer
):
    member(home_agency, name="Phil Phase-One")
    outsider = member(other_agency, name="Olga Outsider")
    CredentialFactory(person=outsider, level=CredentialLevel.MENTOR)

    page = coordinator_client.get(propose_url(home_agency)).content.decode()

    assert "Tess Trainer — Phase II / Train-the-Trainer certified (NMT)" in page
    assert "Phil Phase-One" not in page
    assert "Olga Outsider" not in page


def test_a_submitted_training_is_not_public(client, home_agency, coordinator, trainer):
    training = propose(home_agency, coordinator, trainer)
    slug = training.slug

    listing = client.get(reverse("trainings:list")).content.decode()
    feed = client.get(reverse("trainings:feed")).content.decode()
    month = f"{in_days(30):%Y-%m}"
    calendar = client.get(reverse("trainings:calendar"), {"month": month}).content.decode()

    assert TITLE not in listing
    assert TITLE not in feed
    assert TITLE not in calendar
    assert TITLE not in client.get("/sitemap.xml").content.decode()
    assert client.get(reverse("trainings:detail", kwargs={"slug": slug})).status_code == 404
    assert client.get(reverse("trainings:ics", kwargs={"slug": slug})).status_code == 404
    assert client.post(reverse("trainings:register", kwargs={"slug": slug})).status_code == 404


def test_curators_can_preview_a_submitted_training(
    client, curator, home_agency, coordinator, trainer
):
    training = propose(home_agency, coordinator, trainer)
    client.force_login(curator)

    response = client.get(training.get_absolute_url())

    assert response.status_code == 200
    assert "Submitted for review by Bayside Clinic" in response.content.decode()


def test_curators_are_emailed_when_a_training_is_proposed(
    home_agency,
    coordinator,
    trainer,
    curators,
    settings,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    settings.SITE_URL = "https://portal.example"
    with django_capture_on_commit_callbacks(execute=True):
        training = propose(home_agency, coordinator, trainer)

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == curators
    assert email.subject == f"To review: “{TITLE}”, proposed by Bayside Clinic"
    review_url = "https://portal.example" + reverse(
        "admin:trainings_training_change", args=[training.pk]
    )
    assert review_url in email.body
    assert "Cora Coordinator proposed a training that Bayside Clinic would host" in email.body
    assert "Lead trainer: Tess Trainer" in email.body
    html = email.alternatives[0][0]
    assert review_url in html


def test_no_curator_no_email_but_the_proposal_is_saved(
    home_agency, coordinator, trainer, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        propose(home_agency, coordinator, trainer)

    assert mailoutbox == []
    assert Training.objects.get().status == Status.SUBMITTED


@pytest.mark.parametrize(
    "who", ["staff_without_trainer_credential", "other_agency_trainer", "nme_trainer", "left"]
)
def test_the_lead_trainer_must_be_a_trainer_of_the_agency_in_the_model(
    home_agency, other_agency, coordinator, who
):
    if who == "staff_without_trainer_credential":
        person = member(home_agency)
        CredentialFactory(person=person, level=CredentialLevel.PHASE_1)
    elif who == "other_agency_trainer":
        person = member(other_agency)
        CredentialFactory(person=person, level=CredentialLevel.PHASE_2)
    elif who == "nme_trainer":
        person = member(home_agency)
        CredentialFactory(person=person, level=CredentialLevel.MENTOR, model="nme")
    else:
        person = MembershipFactory(agency=home_agency, state=MembershipState.REQUESTED).person
        CredentialFactory(person=person, level=CredentialLevel.PHASE_2)

    with pytest.raises(services.TrainingError, match="not one of Bayside Clinic's trainers"):
        propose(home_agency, coordinator, person)
    assert not Training.objects.exists()


@pytest.mark.parametrize("value", ["other-agency", "999999", "abc", ""])
def test_a_tampered_lead_trainer_id_answers_400_and_saves_nothing(
    coordinator_client,
    home_agency,
    other_agency,
    trainer,
    curators,
    value,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    outsider = member(other_agency)
    CredentialFactory(person=outsider, level=CredentialLevel.PHASE_2)
    lead = str(outsider.pk) if value == "other-agency" else value

    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(
            propose_url(home_agency), form_data(trainer, lead_trainer=lead)
        )

    assert response.status_code == 400
    assert not Training.objects.exists()
    assert mailoutbox == []


def test_the_form_refuses_a_trainer_of_the_other_model(coordinator_client, home_agency, trainer):
    response = coordinator_client.post(propose_url(home_agency), form_data(trainer, model="nme"))

    assert response.status_code == 400
    assert "Tess Trainer is not a trainer in NME." in response.content.decode()
    assert not Training.objects.exists()


def test_an_agency_without_trainers_is_told_it_needs_a_phase_ii_trainer(
    coordinator_client, home_agency
):
    staff = member(home_agency)
    CredentialFactory(person=staff, level=CredentialLevel.PHASE_1)

    page = coordinator_client.get(propose_url(home_agency))
    posted = coordinator_client.post(propose_url(home_agency), form_data(staff))

    assert page.status_code == 200
    assert "Your agency needs a Phase II trainer to propose trainings." in page.content.decode()
    assert 'name="title"' not in page.content.decode()
    assert posted.status_code == 400
    assert not Training.objects.exists()


def test_blank_session_rows_are_ignored(coordinator_client, home_agency, trainer):
    response = coordinator_client.post(
        propose_url(home_agency),
        form_data(
            trainer,
            session_1_date="",
            session_1_start="",
            session_1_end="",
            session_3_date=f"{in_days(20):%Y-%m-%d}",
            session_3_start="13:00",
            session_3_end="16:00",
        ),
    )

    assert response.status_code == 302
    (session,) = Training.objects.get().sessions.all()
    assert timezone.localtime(session.starts_at).date() == in_days(20)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"session_1_end": ""}, "Fill in the date, start and end, or leave the whole row empty."),
        ({"session_1_end": "08:00"}, "The session must end after it starts."),
        ({"session_1_date": f"{in_days(-1):%Y-%m-%d}"}, "This date has passed."),
        ({"session_1_date": f"{in_days(800):%Y-%m-%d}"}, "up to two years ahead"),
        ({"session_1_date": "2026-02-30"}, "Enter a valid date."),
        (
            {"session_1_date": "", "session_1_start": "", "session_1_end": ""},
            "Give at least one session.",
        ),
        ({"venue_name": "", "venue_address": ""}, "Say where the training takes place."),
        ({"capacity": "0"}, "greater than or equal to 1"),
        ({"kind": "webinar"}, "Select a valid choice."),
    ],
    ids=[
        "half-a-row",
        "ends-first",
        "past",
        "too-far",
        "no-such-day",
        "no-session",
        "nowhere",
        "no-seats",
        "bad-kind",
    ],
)
def test_a_proposal_with_a_mistake_is_shown_again_with_the_message(
    coordinator_client, home_agency, trainer, overrides, message
):
    response = coordinator_client.post(propose_url(home_agency), form_data(trainer, **overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Training.objects.exists()


def test_a_blank_post_is_a_400_not_an_error(coordinator_client, home_agency, trainer):
    response = coordinator_client.post(propose_url(home_agency), {})

    assert response.status_code == 400
    assert not Training.objects.exists()


def test_another_agency_coordinator_cannot_propose_for_it(client, home_agency, rival_coordinator):
    client.force_login(rival_coordinator.user)

    assert client.get(propose_url(home_agency)).status_code == 404


def test_staff_who_are_not_coordinators_are_refused(client, home_agency, trainer):
    client.force_login(trainer.user)

    assert client.get(propose_url(home_agency)).status_code == 403


# --- Review and publication -----------------------------------------------------------------


def test_publishing_a_proposal_makes_it_public_and_emails_the_host_coordinators(
    client, home_agency, coordinator, trainer, django_capture_on_commit_callbacks, mailoutbox
):
    second = member(home_agency, role=Role.COORDINATOR, email="second@example.org")
    training = propose(home_agency, coordinator, trainer)

    with django_capture_on_commit_callbacks(execute=True):
        services.training_publish(training=training)

    training.refresh_from_db()
    assert training.status == Status.PUBLISHED
    assert TITLE in client.get(reverse("trainings:list")).content.decode()
    page = client.get(training.get_absolute_url()).content.decode()
    assert "Led by <strong>Tess Trainer</strong>" in page
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == sorted([coordinator.user.email, second.user.email])
    assert mailoutbox[0].subject == f"Published: “{TITLE}” is in the catalogue"


def test_publishing_a_curator_draft_emails_no_one(
    home_agency, coordinator, trainer, django_capture_on_commit_callbacks, mailoutbox
):
    training = propose(home_agency, coordinator, trainer)
    Training.objects.filter(pk=training.pk).update(status=Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        services.training_publish(training=training)

    assert mailoutbox == []


def test_a_proposal_cannot_be_cancelled_into_the_public_list(home_agency, coordinator, trainer):
    training = propose(home_agency, coordinator, trainer)

    with pytest.raises(services.TrainingError, match="not public"):
        services.training_cancel(training=training)
    training.refresh_from_db()
    assert training.status == Status.SUBMITTED


def test_curators_find_proposals_in_the_admin_and_publish_them(
    client, curator, home_agency, coordinator, trainer
):
    training = propose(home_agency, coordinator, trainer)
    client.force_login(curator)
    changelist = reverse("admin:trainings_training_changelist")

    TrainingFactory(title="A curator's own training")

    everything = client.get(changelist).content.decode()
    queue = client.get(changelist, {"queue": "proposed"}).content.decode()
    response = client.post(changelist, {"action": "publish", "_selected_action": [training.pk]})

    assert "1 training proposed by an agency waits for review" in everything
    assert "Proposed by agencies (1)" in everything
    assert "A curator&#x27;s own training" in everything
    assert TITLE in queue
    assert "Submitted for review" in queue
    assert "A curator&#x27;s own training" not in queue
    assert response.status_code == 302
    training.refresh_from_db()
    assert training.status == Status.PUBLISHED
    assert "Proposed by agencies (0)" in client.get(changelist).content.decode()
