"""Every email is in its recipient's language, whatever language the process that builds it runs
in: each kind (every ``templates/emails/*_subject.txt``) is caused by a worker (or a request)
running in English for a recipient who saved Spanish, and the other way round. The subject, the
text, the HTML and the .ics attachment then hold no string of the project's catalogue in the
other language (of two words or more, translated differently), and dates name their months in
the recipient's language. allauth's emails follow the account's language too."""

import base64
import datetime as dt
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from community import services as community_services
from members import services as member_services
from members.models import (
    Agency,
    AgencyStatusRequest,
    CredentialLevel,
    DigestSubscription,
    Role,
    SiteMilestone,
)
from portal import dates
from portal.models import OutboxEmail
from resources import services as resource_services
from resources.models import ResourceKind, ResourceModel, ResourceStatus
from tests.factories import (
    AgencyFactory,
    CredentialFactory,
    MembershipFactory,
    PersonFactory,
    TrainingFactory,
    UserFactory,
    days_from_today,
)
from tests.portal.test_translations import PO, entries
from tests.resources.factories import ResourceFactory
from tests.trainings.factories import RegistrationFactory
from trainings import services as training_services
from trainings.models import Format, Kind, Session
from trainings.services.reminders import (
    follow_up_due,
    practice_follow_up_due,
    reminders_enqueue_due,
)

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"
HOUR = dt.timedelta(hours=1)
OTHER = {"en": "es", "es": "en"}

# --- What "in the other language" means ----------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}|<[^>]+>|\n")


def _fragments(text: str) -> set[str]:
    """The literal pieces of a catalogue string of two words or more (placeholders and tags
    cut it into pieces), whitespace made single."""
    pieces = (" ".join(piece.split()) for piece in PLACEHOLDER.split(text))
    return {piece for piece in pieces if len(re.findall(r"\w+", piece)) >= 2}


def _catalogue_pieces() -> dict[str, set[str]]:
    """For each language, the pieces that belong to it alone: English msgids (and Spanish
    msgstrs) of two words or more whose translation differs, minus what the other side also
    says (a name, "NMT/NME")."""
    english, spanish = set(), set()
    for (_context, msgid), entry in entries(PO.read_text()).items():
        for msgstr in entry["strings"]:
            if msgstr == msgid:
                continue
            ours, theirs = _fragments(msgid) | _fragments(entry["plural"]), _fragments(msgstr)
            english |= ours - theirs
            spanish |= theirs - ours
    return {"en": english - spanish, "es": spanish - english}


PIECES = _catalogue_pieces()
MONTHS = {
    "en": r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Monday|Tuesday|Wednesday|Thursday|"
    r"Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b",
    "es": r"\b(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre|lunes|martes|miércoles|jueves|viernes|sábado|domingo)\b",
}
CAPITALISED_DAYS = r"\b(Lunes|Martes|Miércoles|Jueves|Viernes|Sábado|Domingo)\b"
# The kinds that say a date (a session's, a deadline, a month).
DATED = {
    "milestone_reported",
    "monthly_digest",
    "practice_follow_up",
    "registration_cancelled",
    "registration_confirmed",
    "registration_promoted",
    "registration_waitlisted",
    "training_cancelled",
    "training_changed",
    "training_proposal_published",
    "training_proposed",
    "training_reminder",
    "weekly_digest",
}


def _readable(email: OutboxEmail) -> dict[str, str]:
    """Subject, text, HTML as read (tags out, entities decoded) and the .ics (lines unfolded)."""
    parts = {
        "subject": email.subject,
        "text": email.body_text,
        "html": html.unescape(re.sub(r"<[^>]+>", " ", email.body_html)),
    }
    for attachment in email.attachments:
        if attachment["mimetype"] == "text/calendar":
            body = base64.b64decode(attachment["content"]).decode()
            lines = body.replace("\r\n ", "").replace("\\,", ",").split("\r\n")
            # PRODID names the program that wrote the file, for machines, in no language.
            parts[attachment["filename"]] = "\r\n".join(
                line for line in lines if not line.startswith("PRODID:")
            )
    return {name: " ".join(value.split()) for name, value in parts.items()}


def assert_in_language(email: OutboxEmail, language: str, *, dated: bool) -> None:
    other = OTHER[language]
    parts = _readable(email)
    for name, text in parts.items():
        stray = sorted(piece for piece in PIECES[other] if piece in text)
        assert stray == [], (email.kind, name, stray, text)
        assert not re.search(MONTHS[other], text), (email.kind, name, text)
        if language == "es":  # Spanish writes day names in lower case ("el lunes 14")
            assert not re.search(CAPITALISED_DAYS, text), (email.kind, name, text)
    if dated:
        assert re.search(MONTHS[language], " ".join(parts.values())), (email.kind, parts)
    assert email.headers["Content-Language"] == language


def test_the_check_can_fail():
    """An English email read as Spanish fails, and the other way round (no tautology)."""
    english = OutboxEmail(
        kind="x",
        subject="Reminder: Taller on Thu, Dec 3",
        body_text="Hello Ana,\n\nYou're on the waitlist for this training.",
        body_html="<p>Hello</p>",
        headers={"Content-Language": "es"},
        attachments=[],
    )
    with pytest.raises(AssertionError):
        assert_in_language(english, "es", dated=False)
    spanish = OutboxEmail(
        kind="x",
        subject="Recordatorio: Taller el jueves 3 de diciembre",
        body_text="Hola, Ana:",
        body_html="",
        headers={"Content-Language": "en"},
        attachments=[],
    )
    with pytest.raises(AssertionError):
        assert_in_language(spanish, "en", dated=False)
    assert "You're on the waitlist" in " ".join(PIECES["en"])


def test_spanish_dates_name_days_and_months_in_lower_case_english_ones_capitalised():
    monday = timezone.make_aware(dt.datetime(2026, 12, 14, 10))  # noqa: DTZ001 - made aware
    with translation.override("es"):
        assert dates.day(monday) == "lunes 14 de diciembre de 2026"
        assert dates.month_day(monday) == "lunes 14 de diciembre"
        assert dates.time_range(monday, monday + HOUR) == (
            "lunes 14 de diciembre de 2026 · 10:00 – 11:00 PST"
        )
        # Django's own catalogue has "Ene." and "Feb."; the portal's, lower case like the rest.
        january, february = monday.replace(year=2027, month=1), monday.replace(year=2027, month=2)
        assert (dates.short_day(january), dates.short_day(february)) == (
            "14 ene. 2027",
            "14 feb. 2027",
        )
        assert dates.short_day(monday) == "14 dic. 2026"
    with translation.override("en"):
        assert dates.day(monday) == "Mon, Dec 14, 2026"
        assert dates.short_day(january) == "Jan 14, 2027"
        assert dates.month(monday) == "December 2026"


# --- The people and things each email needs ------------------------------------------------------


def person(language: str, email: str = "", **fields):
    user = UserFactory(**({"email": email} if email else {}))
    return PersonFactory(user=user, language=language, display_name=fields.pop("name", "Ana"))


def curator(language: str):
    user = UserFactory(email="curadora@example.org", is_staff=True)
    PersonFactory(user=user, language=language, display_name="Cora")
    return user


def agency() -> Agency:
    return Agency.objects.filter(slug="agencia-uno").first() or AgencyFactory(
        name="Agencia Uno", slug="agencia-uno"
    )


def coordinator(language: str, agency_: Agency, **fields):
    return MembershipFactory(
        agency=agency_,
        person=person(language, "coord@example.org"),
        role=Role.COORDINATOR,
        **fields,
    ).person


def training(**fields):
    """Two sessions (so the .ics numbers them), 10 and 17 days ahead, in person."""
    first = days_from_today(fields.pop("days_ahead", 10))
    fields.setdefault("title", "Taller Alfa")
    return TrainingFactory(
        sessions=[
            (first, first + 3 * HOUR),
            (first + dt.timedelta(days=7), first + dt.timedelta(days=7, hours=3)),
        ],
        host_agency=fields.pop("host_agency", None) or agency(),
        venue_name="Campus",
        venue_address="225 37th Ave, San Mateo, CA",
        summary="Resumen.",
        **fields,
    )


def register(training_, person_):
    return training_services.registration_create(training=training_, person=person_)


# --- One scenario per kind: what causes it, in the worker's language ----------------------------
# Each takes the recipient's language and the worker's, makes the recipient with that saved
# language, causes the email under translation.override(worker), and returns the address.


def _registration_confirmed(language, worker):
    recipient = person(language)
    with translation.override(worker):
        register(training(), recipient)
    return recipient.user.email


def _registration_waitlisted(language, worker):
    full = training(capacity=1)
    register(full, person("", "first@example.org"))
    recipient = person(language)
    with translation.override(worker):
        register(full, recipient)
    return recipient.user.email


def _registration_promoted(language, worker):
    full = training(capacity=1)
    first = register(full, person("", "first@example.org"))
    recipient = person(language)
    register(full, recipient)
    with translation.override(worker):
        training_services.registration_cancel(registration=first, cancelled_by=first.person.user)
    return recipient.user.email


def _registration_cancelled(language, worker):
    recipient = person(language)
    registration = register(training(), recipient)
    with translation.override(worker):
        training_services.registration_cancel(
            registration=registration, cancelled_by=recipient.user
        )
    return recipient.user.email


def _training_cancelled(language, worker):
    recipient = person(language)
    training_ = training()
    register(training_, recipient)
    with translation.override(worker):
        training_services.training_cancel(training=training_)
    return recipient.user.email


def _training_changed(language, worker):
    recipient = person(language)
    training_ = training()
    register(training_, recipient)
    later = dt.timedelta(days=3)
    Session.objects.filter(training=training_).update(
        starts_at=F("starts_at") + later, ends_at=F("ends_at") + later
    )
    with translation.override(worker):
        training_services.training_sync_schedule(training=training_)
    return recipient.user.email


def _reminded(language, kind=Kind.CONCEPTS, *, credential=False):
    recipient = person(language)
    if credential:  # Phase I asks for NMT concepts first
        CredentialFactory(person=recipient, level=CredentialLevel.CONCEPTS)
    training_ = training(kind=kind)
    register(training_, recipient)
    return recipient, training_


def _training_reminder(language, worker):
    recipient, training_ = _reminded(language)
    with translation.override(worker):
        reminders_enqueue_due(now=training_.starts_at - 24 * HOUR + dt.timedelta(minutes=1))
    return recipient.user.email


def _training_follow_up(language, worker):
    recipient, training_ = _reminded(language)
    with translation.override(worker):
        reminders_enqueue_due(now=follow_up_due(training_) + dt.timedelta(minutes=1))
    return recipient.user.email


def _practice_follow_up(language, worker):
    recipient, training_ = _reminded(language, kind=Kind.PHASE_1, credential=True)
    with translation.override(worker):
        reminders_enqueue_due(now=practice_follow_up_due(training_) + dt.timedelta(minutes=1))
    return recipient.user.email


def _certificate_issued(language, worker):
    recipient = person(language)
    past = training(days_ahead=-20)
    registration = RegistrationFactory(training=past, person=recipient)
    sessions = list(past.sessions.order_by("starts_at"))
    with translation.override(worker):
        training_services.attendance_mark(
            training=past,
            session_marks={(registration.pk, s.pk): "attended" for s in sessions},
            marked_by=UserFactory(is_staff=True, is_superuser=True),
        )
    return recipient.user.email


def _proposal(agency_, coordinator_person):
    trainer = MembershipFactory(agency=agency_, person=PersonFactory(display_name="Tess")).person
    CredentialFactory(person=trainer, level=CredentialLevel.PHASE_1)
    CredentialFactory(person=trainer, level=CredentialLevel.PHASE_2)
    start = days_from_today(30)
    return training_services.training_propose(
        agency=agency_,
        proposed_by=coordinator_person.user,
        lead_trainer=trainer,
        sessions=[(start, start + 6 * HOUR)],
        title="Taller Beta",
        kind=Kind.CONCEPTS,
        model="nmt",
        summary="Resumen.",
        format=Format.ONLINE,
        capacity=20,
    )


def _training_proposed(language, worker):
    recipient = curator(language)
    agency_ = agency()
    with translation.override(worker):
        _proposal(agency_, coordinator("", agency_))
    return recipient.email


def _training_proposal_published(language, worker):
    agency_ = agency()
    recipient = coordinator(language, agency_)
    proposal = _proposal(agency_, recipient)
    with translation.override(worker):
        training_services.training_publish(training=proposal)
    return recipient.user.email


def _resource_submitted(language, worker):
    recipient = curator(language)
    with translation.override(worker):
        resource_services.resource_propose(
            person=person(""),
            title="Rincón de calma",
            summary="Resumen.",
            body="Texto.",
            kind=ResourceKind.STORY,
            model=ResourceModel.NME,
            external_url="https://example.org/rincon",
        )
    return recipient.email


def _submitted_resource(language):
    contributor = person(language)
    return contributor, ResourceFactory(
        title="Rincón de calma",
        status=ResourceStatus.SUBMITTED,
        published_at=None,
        contributed_by=contributor,
    )


def _resource_published(language, worker):
    contributor, resource = _submitted_resource(language)
    with translation.override(worker):
        resource_services.resource_publish(
            resource=resource, reviewed_by=UserFactory(is_staff=True)
        )
    return contributor.user.email


def _resource_declined(language, worker):
    contributor, resource = _submitted_resource(language)
    with translation.override(worker):
        resource_services.resource_decline(
            resource=resource, reviewed_by=UserFactory(is_staff=True), note="Falta un enlace."
        )
    return contributor.user.email


def _invitation(language, worker):
    """An invitee with an account gets it in their saved language (one without: below)."""
    agency_ = agency()
    coordinator_ = coordinator("", agency_)
    recipient = person(language, "invitada@example.org")
    with translation.override(worker):
        member_services.staff_invite(
            agency=agency_, email=recipient.user.email, invited_by=coordinator_.user
        )
    return recipient.user.email


def _join_request(language, worker):
    agency_ = agency()
    recipient = coordinator(language, agency_)
    with translation.override(worker):
        member_services.membership_request(user=person("").user, agency=agency_)
    return recipient.user.email


def _join_decided(language, worker):
    agency_ = agency()
    coordinator("", agency_)
    recipient = person(language)
    membership = member_services.membership_request(user=recipient.user, agency=agency_)
    with translation.override(worker):
        member_services.membership_decide(membership=membership, approve=True)
    return recipient.user.email


def _digest_confirm(language, worker):
    """A person subscribing their own address gets it in their saved language."""
    recipient = person(language)
    with translation.override(worker):
        member_services.digest_subscribe(
            email=recipient.user.email, user=recipient.user, language=worker
        )
    return recipient.user.email


def _status_request(agency_, by):
    return member_services.agency_status_request_submit(
        agency=agency_,
        requested_by=by.user,
        nmt_status="implementing",
        practising_since=2024,
        sensory_spaces=2,
        note="Empezamos hace poco.",
    )


def _agency_status_requested(language, worker):
    recipient = curator(language)
    agency_ = agency()
    with translation.override(worker):
        _status_request(agency_, coordinator("", agency_))
    return recipient.email


def _agency_status_decided(language, worker):
    agency_ = agency()
    recipient = coordinator(language, agency_)
    request = _status_request(agency_, recipient)
    with translation.override(worker):
        member_services.agency_status_request_approve(
            request=AgencyStatusRequest.objects.get(pk=request.pk),
            decided_by=UserFactory(is_staff=True),
        )
    return recipient.user.email


def _milestone_reported(language, worker):
    recipient = curator(language)
    agency_ = agency()
    milestone = SiteMilestone.objects.create(title="Liderazgo", order=99)
    with translation.override(worker):
        member_services.milestone_set(
            agency=agency_,
            milestone=milestone,
            done=True,
            done_on=dt.date(2026, 3, 15),
            note="Votación.",
            by=coordinator("", agency_).user,
        )
    return recipient.email


def _weekly_digest(language, worker):
    agency_ = agency()
    recipient = coordinator(language, agency_, weekly_digest=True)
    staff = MembershipFactory(agency=agency_, person=PersonFactory(display_name="Sam")).person
    soon = training(days_ahead=2, host_agency=agency_)
    training_services.registration_create(training=soon, person=staff, agency=agency_)
    with translation.override(worker):
        community_services.weekly_digests_queue()
    return recipient.user.email


def _monthly_digest(language, worker):
    """A subscriber without an account: the language of the page they subscribed from."""
    training()
    subscription = DigestSubscription.objects.create(
        email="lector@example.org", language=language, confirmed_at=timezone.now()
    )
    with translation.override(worker):
        community_services.monthly_digest_queue()
    return subscription.email


SCENARIOS = {
    "agency_status_decided": _agency_status_decided,
    "agency_status_requested": _agency_status_requested,
    "certificate_issued": _certificate_issued,
    "digest_confirm": _digest_confirm,
    "invitation": _invitation,
    "join_decided": _join_decided,
    "join_request": _join_request,
    "milestone_reported": _milestone_reported,
    "monthly_digest": _monthly_digest,
    "practice_follow_up": _practice_follow_up,
    "registration_cancelled": _registration_cancelled,
    "registration_confirmed": _registration_confirmed,
    "registration_promoted": _registration_promoted,
    "registration_waitlisted": _registration_waitlisted,
    "resource_declined": _resource_declined,
    "resource_published": _resource_published,
    "resource_submitted": _resource_submitted,
    "training_cancelled": _training_cancelled,
    "training_changed": _training_changed,
    "training_follow_up": _training_follow_up,
    "training_proposal_published": _training_proposal_published,
    "training_proposed": _training_proposed,
    "training_reminder": _training_reminder,
    "weekly_digest": _weekly_digest,
}


def test_every_kind_of_email_has_a_scenario():
    kinds = {path.name.removesuffix("_subject.txt") for path in TEMPLATES.glob("*_subject.txt")}
    assert kinds == set(SCENARIOS)
    assert set(SCENARIOS) >= DATED


@pytest.mark.parametrize(("language", "worker"), [("es", "en"), ("en", "es")])
@pytest.mark.parametrize("kind", sorted(SCENARIOS))
def test_each_email_is_in_the_recipients_language_not_the_workers(kind, language, worker):
    recipient = SCENARIOS[kind](language, worker)
    [email] = [e for e in OutboxEmail.objects.filter(kind=kind) if recipient in e.to]
    assert_in_language(email, language, dated=kind in DATED)


def test_the_ics_of_a_spanish_confirmation_numbers_its_sessions_in_spanish():
    recipient = person("es")
    with translation.override("en"):
        register(training(), recipient)
    email = OutboxEmail.objects.get(kind="registration_confirmed")
    ics = _readable(email)[next(a["filename"] for a in email.attachments)]
    assert "Taller Alfa (sesión 1 de 2)" in ics
    assert "session 1 of 2" not in ics


# --- Recipients without a saved language ---------------------------------------------------------


def test_without_a_saved_language_the_email_is_in_the_language_it_was_caused_in():
    recipient = person("")
    with translation.override("es"):
        register(training(), recipient)
    with translation.override("en"):
        register(training(title="Taller Gamma"), recipient)
    spanish, english = OutboxEmail.objects.filter(kind="registration_confirmed").order_by("pk")
    assert_in_language(spanish, "es", dated=True)
    assert_in_language(english, "en", dated=True)


def test_an_invitation_to_someone_without_an_account_is_in_the_coordinators_language():
    agency_ = agency()
    coordinator_ = coordinator("en", agency_)
    with translation.override("es"):
        member_services.staff_invite(
            agency=agency_, email="nueva@example.org", invited_by=coordinator_.user
        )
    assert_in_language(OutboxEmail.objects.get(kind="invitation"), "es", dated=False)


def test_curators_get_one_email_each_in_their_own_language():
    for email, language in (
        ("a@example.org", "es"),
        ("b@example.org", "en"),
        ("c@example.org", ""),
    ):
        PersonFactory(user=UserFactory(email=email, is_staff=True), language=language)
    with translation.override("es"):  # the cause: a Spanish page
        resource_services.resource_propose(
            person=person(""),
            title="Rincón de calma",
            summary="Resumen.",
            body="Texto.",
            kind=ResourceKind.STORY,
            model=ResourceModel.NME,
            external_url="https://example.org/rincon",
        )
    emails = {tuple(e.to): e for e in OutboxEmail.objects.filter(kind="resource_submitted")}
    assert set(emails) == {("a@example.org", "c@example.org"), ("b@example.org",)}
    assert_in_language(emails["a@example.org", "c@example.org"], "es", dated=False)
    assert_in_language(emails["b@example.org",], "en", dated=False)


def test_a_digest_subscribers_own_saved_language_comes_before_the_subscriptions():
    training()
    reader = person("en", "reader@example.org")
    DigestSubscription.objects.create(
        email=reader.user.email, person=reader, language="es", confirmed_at=timezone.now()
    )
    with translation.override("es"):
        community_services.monthly_digest_queue()
    assert_in_language(OutboxEmail.objects.get(kind="monthly_digest"), "en", dated=True)


# --- allauth's emails --------------------------------------------------------------------------


def test_a_password_reset_asked_from_an_english_page_is_in_the_accounts_spanish(
    django_capture_on_commit_callbacks,
):
    recipient = person("es", "ana@example.org")
    recipient.user.emailaddress_set.create(email="ana@example.org", verified=True, primary=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "ana@example.org"})
    assert response.status_code == 302
    email = OutboxEmail.objects.get(to=["ana@example.org"])
    assert email.headers["Content-Language"] == "es"
    assert "contraseña" in email.subject.lower()
    assert "contraseña" in email.body_text.lower()
    [sent] = mail.outbox
    assert sent.subject == email.subject
