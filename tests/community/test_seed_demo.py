import datetime as dt
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Min
from django.utils import timezone

from community.management.commands._demo_hosting import arrival_times
from members.models import Agency, AgencyLanguage, Person, User
from portal.models import ContentLanguage, OutboxEmail, ServedLanguage
from resources.models import Resource
from trainings import selectors
from trainings.models import (
    Certificate,
    Format,
    Kind,
    Registration,
    RegistrationStatus,
    Series,
    Session,
    Status,
    Training,
)

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [
    "admin@example.org",
    "coordinator@example.org",
    "coordinator2@example.org",
    "practitioner@example.org",
]


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _snapshot() -> dict:
    return {
        "users": list(User.objects.order_by("email").values()),
        "agencies": list(Agency.objects.order_by("slug").values()),
        "trainings": list(Training.objects.order_by("slug").values()),
        "sessions": list(
            Session.objects.order_by("training__slug", "starts_at").values(
                "training__slug", "starts_at", "ends_at", "title"
            )
        ),
        "resources": list(Resource.objects.order_by("slug").values("slug", "language")),
        "languages": list(
            AgencyLanguage.objects.order_by("agency__slug", "language").values_list(
                "agency__slug", "language"
            )
        ),
    }


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    _seed()


def test_seed_demo_creates_the_region_agencies_and_the_demo_sign_ins(seeded):
    assert Agency.objects.count() == 12
    assert Agency.objects.exclude(county="").count() == 12
    assert set(DEMO_EMAILS) <= set(User.objects.values_list("email", flat=True))
    admin = User.objects.get(email="admin@example.org")
    assert admin.is_superuser
    assert admin.is_staff
    for email in DEMO_EMAILS:
        assert User.objects.get(email=email).check_password("nmt-demo-2026")
    assert not User.objects.get(email="practitioner@example.org").is_staff


def test_seed_demo_creates_a_realistic_catalogue(seeded):
    now = timezone.now()
    trainings = Training.objects.all()
    # Besides the meetings of the community-of-practice series (tested below); five of them
    # in Spanish or in both languages.
    assert 60 <= trainings.filter(series__isnull=True).count() <= 66
    listed_upcoming = trainings.listed().upcoming()
    assert listed_upcoming.count() >= 25
    assert trainings.listed().past().count() >= 10
    assert trainings.filter(status=Status.CANCELLED).count() == 1
    assert trainings.filter(status=Status.DRAFT).exists()
    assert {t.kind for t in listed_upcoming} == set(Kind.values)
    assert {t.format for t in listed_upcoming} == set(Format.values)
    assert {t.model for t in listed_upcoming} == {"nmt", "nme"}

    phase_1 = listed_upcoming.filter(kind=Kind.PHASE_1).annotate(n=Count("sessions"))
    assert phase_1.exists()
    assert all(t.n > 1 for t in phase_1)
    assert listed_upcoming.filter(kind=Kind.COMMUNITY_OF_PRACTICE).count() >= 6

    open_now = listed_upcoming.published().filter(starts_at__gt=now)
    nearly_full = [t for t in open_now if 0 < t.seats_left <= 2]
    assert len(nearly_full) >= 2
    assert any(t.seats_left == 0 for t in open_now)


def test_seed_demo_trainings_are_consistent(seeded):
    trainings = Training.objects.annotate(first=Min("sessions__starts_at"))
    assert not trainings.filter(first__isnull=True).exists()
    assert not trainings.exclude(starts_at=F("first")).exists()
    assert not Training.objects.filter(seats_taken__gt=F("capacity")).exists()
    assert not Training.objects.filter(registration_closes_at__gt=F("starts_at")).exists()
    for training in Training.objects.filter(format=Format.ONLINE):
        assert training.online_url.startswith("https://")
        assert training.venue_name == training.venue_address == ""
    for training in Training.objects.exclude(format=Format.ONLINE):
        assert training.county
        assert training.venue_address
    assert not Training.objects.filter(host_agency__isnull=True).exists()
    assert len(set(Training.objects.values_list("slug", flat=True))) == Training.objects.count()


def test_seed_demo_registrations_arrived_in_the_past_and_the_waitlist_reads_in_arrival_order(
    seeded,
):
    now = timezone.now()
    registrations = Registration.objects.select_related("training")
    assert registrations.filter(status=RegistrationStatus.WAITLISTED).exists()
    assert not registrations.filter(arrived_at__gt=now).exists()
    assert not registrations.filter(confirmed_at__gt=now).exists()
    assert not registrations.filter(confirmed_at__lt=F("arrived_at")).exists()
    waitlists = 0
    for training in Training.objects.filter(registrations__isnull=False).distinct():
        rows = list(training.registrations.in_arrival_order().select_related("person__user"))
        arrivals = [r.arrived_at for r in rows]
        assert len(set(arrivals)) == len(arrivals), training  # one after another
        assert max(arrivals) <= training.registration_deadline, training
        if training.registration_opens_at:
            assert min(arrivals) >= training.registration_opens_at, training
        # Seats went to the first to come; everyone after them waits, in the order they came.
        statuses = [r.status for r in rows if r.person.user.email != "practitioner@example.org"]
        confirmed = statuses.count(RegistrationStatus.CONFIRMED)
        assert set(statuses[:confirmed]) <= {RegistrationStatus.CONFIRMED}, training
        assert set(statuses[confirmed:]) <= {RegistrationStatus.WAITLISTED}, training
        waitlists += RegistrationStatus.WAITLISTED in statuses
    assert waitlists >= 1


@pytest.mark.parametrize("opened_ago", [dt.timedelta(hours=1), dt.timedelta(minutes=2)])
def test_demo_arrivals_never_come_before_registration_opened(opened_ago):
    # Registration that opened moments before seeding: 30 people still come one after
    # another, after it opened and before now (a seed run at 11:30 on the day a training
    # opened at 09:30 used to date them before the opening).
    now = timezone.now()
    training = Training(
        starts_at=now + dt.timedelta(days=60),
        registration_opens_at=now - opened_ago,
        registration_closes_at=now + dt.timedelta(days=58),
    )
    arrivals = arrival_times(training, 30, now=now)
    assert len(set(arrivals)) == 30
    assert arrivals == sorted(arrivals)
    assert training.registration_opens_at <= arrivals[0]
    assert arrivals[-1] < now


def test_seed_demo_gives_the_practitioner_certificates_a_pending_evaluation_and_a_check_in(
    seeded,
):
    practitioner = Person.objects.get(user__email="practitioner@example.org")
    certificates = Certificate.objects.valid().filter(person=practitioner)
    assert certificates.filter(ce_hours__isnull=False, sessions_total=4).exists()
    assert selectors.my_certificates(user=practitioner.user)["waiting_evaluation"]
    # Every attendance mark of a past training is kept per session, as the services keep it.
    marked = Registration.objects.exclude(attendance="")
    assert marked.exists()
    assert not marked.filter(session_attendance__isnull=True).exists()
    drop_in = Training.objects.get(slug="nmt-concepts-drop-in-demo-check-in")
    assert drop_in.starts_at <= timezone.now() <= drop_in.ends_at
    assert not OutboxEmail.objects.filter(kind="certificate_issued", sent_at__isnull=True).exists()


def test_seed_demo_creates_a_series_with_its_meetings_and_a_proposal(seeded):
    series = Series.objects.get(slug="south-bay-nmt-peer-consultation")
    meetings = series.meetings.order_by("series_date")
    now = timezone.now()
    assert series.host_agency.slug == "santa-clara-county-bhsd"
    assert meetings.filter(ends_at__lt=now).count() >= 3
    assert meetings.filter(starts_at__gt=now).count() >= 5
    assert {m.kind for m in meetings} == {Kind.COMMUNITY_OF_PRACTICE}
    assert {
        (timezone.localtime(m.starts_at).weekday(), timezone.localtime(m.starts_at).hour)
        for m in meetings
    } == {(1, 12)}  # Tuesdays at noon, whatever the offset
    past = meetings.filter(ends_at__lt=now)
    assert all(m.notes for m in past)
    assert Registration.objects.filter(training__in=past).exclude(attendance="").exists()
    assert Resource.objects.filter(trainings__in=past).exists()

    proposal = Training.objects.get(status=Status.SUBMITTED)
    assert proposal.host_agency.slug == "san-mateo-county-bhrs"
    assert proposal.lead_trainer.credentials.filter(level__in=["phase_2", "mentor"]).exists()
    assert proposal.lead_trainer.memberships.filter(agency=proposal.host_agency).exists()


def test_seed_demo_has_content_in_spanish_and_in_both_languages(seeded):
    listed_upcoming = Training.objects.listed().upcoming()
    spanish = listed_upcoming.filter(language=ContentLanguage.ES)
    assert spanish.count() >= 2
    assert listed_upcoming.filter(language=ContentLanguage.BILINGUAL).exists()
    assert Training.objects.listed().past().filter(language=ContentLanguage.ES).exists()
    # Written in Spanish, not the English demo text: its description is the Spanish one.
    assert all("se imparte en español" in training.description for training in spanish)
    library = Resource.objects.published()
    assert library.filter(language=ContentLanguage.ES).count() >= 2
    assert library.filter(language=ContentLanguage.BILINGUAL).exists()
    assert library.filter(language=ContentLanguage.EN).count() > 30


def test_seed_demo_agencies_serve_spanish_and_other_languages(seeded):
    served = AgencyLanguage.objects.values_list("language", flat=True)
    assert {ServedLanguage.ES, ServedLanguage.VI, ServedLanguage.ZH} <= set(served)
    assert Agency.objects.filter(languages__language=ServedLanguage.ES).count() >= 10
    # One agency serves English only, so the directory's filter leaves something out.
    assert Agency.objects.exclude(languages__language=ServedLanguage.ES).exists()


def test_seed_demo_leaves_the_languages_an_agency_chose(settings):
    settings.DEBUG = True
    _seed()
    agency = Agency.objects.get(slug="a-better-way")
    agency.languages.exclude(language=ServedLanguage.EN).delete()

    _seed()

    assert list(agency.languages.values_list("language", flat=True)) == [ServedLanguage.EN]


def test_seed_demo_run_again_changes_nothing(settings):
    settings.DEBUG = True
    first_output = _seed()
    counts, before = _counts(), _snapshot()

    second_output = _seed()

    assert re.search(r"\b[1-9]\d* new trainings", first_output)
    assert "0 new trainings" in second_output
    assert _counts() == counts
    assert _snapshot() == before


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        _seed()
    assert not User.objects.exists()
    assert not Agency.objects.exists()
    assert not Training.objects.exists()


def test_seed_demo_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False
    _seed("--force")
    assert User.objects.filter(email="admin@example.org").exists()
    assert Training.objects.count() >= 55
