"""Registration pages: the training page's states, self-service, the coordinator's area, the
admin roster, and query counts that do not grow with the rows."""

import csv
import datetime as dt
import html
import io
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from members.models import Credential, CredentialLevel, MembershipState, Role
from portal.models import OutboxEmail
from tests.factories import (
    AgencyFactory,
    CredentialFactory,
    MembershipFactory,
    PersonFactory,
    TrainingFactory,
    pacific,
)
from tests.trainings.factories import RegistrationFactory, member, start_now
from trainings.models import Attendance, Kind, Registration, RegistrationStatus, Status, Training
from trainings.services import registration_cancel, registration_create

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED


def _page(response, status: int = 200) -> str:
    assert response.status_code == status, response.content.decode()[:2000]
    return html.unescape(response.content.decode())


def _signed_in(client, person):
    client.force_login(person.user)
    return client


def _register(training, person=None, **kwargs) -> Registration:
    return registration_create(training=training, person=person or PersonFactory(), **kwargs)


def _register_url(training) -> str:
    return reverse("trainings:register", kwargs={"slug": training.slug})


def _login_url(next_url: str) -> str:
    return f"{reverse('account_login')}?{urlencode({'next': next_url})}"


def _cancel_url(registration) -> str:
    return reverse("trainings:my_registration_cancel", kwargs={"registration_id": registration.pk})


def _manage(name: str, agency, **kwargs) -> str:
    return reverse(f"trainings:{name}", kwargs={"slug": agency.slug, **kwargs})


def _batch_url(agency, training) -> str:
    return _manage("agency_register_staff", agency, training_slug=training.slug)


# --- The training page: what the viewer is offered --------------------------------------------


def test_an_anonymous_visitor_is_invited_to_sign_in_and_come_back(client, training):
    page = _page(client.get(training.get_absolute_url()))
    assert f'href="{reverse("account_login")}?next={training.get_absolute_url()}"' in page
    assert "Sign in to register" in page
    assert _register_url(training) not in page


def test_a_member_is_offered_to_register(client, training):
    page = _page(_signed_in(client, PersonFactory()).get(training.get_absolute_url()))
    assert f'action="{_register_url(training)}"' in page
    assert ">Register</button>" in page
    assert 'name="agency"' not in page  # one agency or none: nothing to choose


def test_a_registered_member_sees_it_with_cancel(client, training):
    registration = _register(training)
    page = _page(_signed_in(client, registration.person).get(training.get_absolute_url()))
    assert "You're registered." in page
    assert f'action="{_cancel_url(registration)}"' in page
    assert "Cancel my registration" in page
    assert _register_url(training) not in page


def test_a_waitlisted_member_sees_their_position(client):
    training = TrainingFactory(capacity=1)
    for _ in range(2):
        _register(training)
    registration = _register(training)
    page = _page(_signed_in(client, registration.person).get(training.get_absolute_url()))
    assert "You're number 2 on the waitlist." in page
    assert "Leave the waitlist" in page


def test_a_full_training_offers_the_waitlist(client):
    training = TrainingFactory(capacity=1)
    _register(training)
    page = _page(_signed_in(client, PersonFactory()).get(training.get_absolute_url()))
    assert "Full." in page
    assert ">Join the waitlist</button>" in page
    assert f'action="{_register_url(training)}"' in page


def test_a_full_phase_1_offers_the_waitlist_only_to_people_with_the_concepts_training(client):
    training = TrainingFactory(kind=Kind.PHASE_1, capacity=1)
    holder, missing = PersonFactory(), PersonFactory()
    for person in (holder, PersonFactory()):
        CredentialFactory(person=person, level=CredentialLevel.CONCEPTS)
    _register(training, Credential.objects.exclude(person=holder).get().person)

    without = _page(_signed_in(client, missing).get(training.get_absolute_url()))
    with_it = _page(_signed_in(client, holder).get(training.get_absolute_url()))

    assert "Not eligible yet." in without
    assert "requires “Trained in NMT concepts” (NMT)" in without
    assert "Join the waitlist" not in without
    assert _register_url(training) not in without
    assert ">Join the waitlist</button>" in with_it


def test_someone_waitlisted_who_lost_the_prerequisite_is_told_seats_pass_them_by(client):
    training = TrainingFactory(kind=Kind.PHASE_1, capacity=0)
    person = PersonFactory()
    CredentialFactory(person=person, level=CredentialLevel.CONCEPTS)
    _register(training, person)
    person.credentials.all().delete()

    page = _page(_signed_in(client, person).get(training.get_absolute_url()))

    assert "You're number 1 on the waitlist." in page
    assert "requires “Trained in NMT concepts” (NMT)" in page
    assert "freed seats go to the next people on the waitlist" in page


@pytest.mark.parametrize("signed_in", [True, False], ids=["member", "anonymous"])
def test_a_closed_training_says_why(client, signed_in):
    training = TrainingFactory(registration_closes_at=timezone.now() - HOUR)
    if signed_in:
        _signed_in(client, PersonFactory())
    page = _page(client.get(training.get_absolute_url()))
    assert "Closed." in page
    assert "Registration has closed." in page
    assert _register_url(training) not in page
    assert "Sign in to register" not in page


def test_a_member_without_the_credential_sees_why(client):
    training = TrainingFactory(kind=Kind.PHASE_2)
    page = _page(_signed_in(client, PersonFactory()).get(training.get_absolute_url()))
    assert "Not eligible yet." in page
    assert "This training requires “Phase I certified” (NMT) on your record." in page
    assert _register_url(training) not in page


def test_a_coordinator_is_offered_to_register_their_staff(client, training, coordinator):
    page = _page(_signed_in(client, coordinator).get(training.get_absolute_url()))
    assert f'href="{_batch_url(coordinator.memberships.get().agency, training)}"' in page
    assert "Register staff of Bayside Clinic" in page


# --- Self-registration ------------------------------------------------------------------------


def test_an_anonymous_post_is_sent_to_sign_in_and_back(client, training):
    response = client.post(_register_url(training))
    assert response.status_code == 302
    assert response["Location"] == _login_url(training.get_absolute_url())
    assert not Registration.objects.exists()


def test_registering_confirms_and_says_so(client, home_agency):
    training = TrainingFactory(title="Calm Bodies")
    person = member(home_agency)
    response = _signed_in(client, person).post(_register_url(training), follow=True)
    page = _page(response)
    assert response.redirect_chain == [(training.get_absolute_url(), 302)]
    assert "You're registered for Calm Bodies. A confirmation email is on its way." in page
    registration = Registration.objects.get()
    assert (registration.person, registration.status) == (person, CONFIRMED)
    assert registration.agency == home_agency  # their only agency
    assert registration.registered_by == person.user


def test_a_double_submit_makes_one_registration(client, training):
    client = _signed_in(client, PersonFactory())
    for _ in range(2):
        assert client.post(_register_url(training)).status_code == 302
    assert Registration.objects.count() == 1


def test_registering_again_says_you_are_already_registered_and_sends_no_second_email(
    client, training
):
    client = _signed_in(client, PersonFactory())
    client.post(_register_url(training), follow=True)
    emails = OutboxEmail.objects.count()
    assert emails == 1  # the confirmation

    page = _page(client.post(_register_url(training), follow=True))

    assert f"You are already registered for {training.title} (confirmed)." in page
    assert "A confirmation email is on its way" not in page
    assert OutboxEmail.objects.count() == emails
    assert Registration.objects.count() == 1


def test_registering_again_from_the_waitlist_says_where_you_stand(client):
    training = TrainingFactory(capacity=1, title="Calm Bodies")
    _register(training)
    _register(training)  # number 1 on the waitlist
    client = _signed_in(client, PersonFactory())
    client.post(_register_url(training), follow=True)
    emails = OutboxEmail.objects.count()

    page = _page(client.post(_register_url(training), follow=True))

    assert "You are already registered for Calm Bodies (on the waitlist, position 2)." in page
    assert "you're number 2 on the waitlist" not in page
    assert OutboxEmail.objects.count() == emails


@pytest.mark.parametrize("signed_in", [True, False], ids=["member", "visitor"])
def test_registering_for_a_cancelled_training_goes_to_its_page_which_says_so(client, signed_in):
    training = TrainingFactory(status=Status.CANCELLED)
    if signed_in:
        _signed_in(client, PersonFactory())
    response = client.post(_register_url(training), follow=True)
    page = _page(response)
    assert response.redirect_chain == [(training.get_absolute_url(), 302)]
    assert 'message--error">This training has been cancelled.</p>' in page
    assert "banner--cancelled" in page
    assert not Registration.objects.exists()


def test_the_staff_batch_page_of_a_cancelled_training_goes_to_its_page(client, home_agency):
    training = TrainingFactory(status=Status.CANCELLED)
    coordinator = member(home_agency, role=Role.COORDINATOR)
    response = _signed_in(client, coordinator).get(_batch_url(home_agency, training), follow=True)
    assert response.redirect_chain == [(training.get_absolute_url(), 302)]
    assert "This training has been cancelled." in _page(response)


def test_a_stale_form_on_a_training_that_filled_waitlists_and_says_so(client):
    training = TrainingFactory(capacity=1)
    client = _signed_in(client, PersonFactory())
    client.get(training.get_absolute_url())  # the page offered "Register"
    _register(training)  # someone else took the last seat meanwhile
    page = _page(client.post(_register_url(training), follow=True))
    assert "The training is full: you're number 1 on the waitlist." in page
    assert Registration.objects.filter(status=WAITLISTED).count() == 1


def test_registering_for_a_closed_training_says_why_and_writes_nothing(client):
    training = TrainingFactory(registration_closes_at=timezone.now() - HOUR)
    page = _page(_signed_in(client, PersonFactory()).post(_register_url(training), follow=True))
    assert "Registration has closed." in page
    assert not Registration.objects.exists()


def test_a_draft_training_cannot_be_registered_for(client):
    training = TrainingFactory(status=Status.DRAFT)
    response = _signed_in(client, PersonFactory()).post(_register_url(training))
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_a_member_of_two_agencies_chooses_which_one_the_seat_is_for(
    client, training, home_agency, other_agency
):
    person = member(home_agency)
    MembershipFactory(person=person, agency=other_agency)
    client = _signed_in(client, person)
    page = _page(client.get(training.get_absolute_url()))
    assert 'name="agency"' in page
    assert f'<option value="{home_agency.pk}">Bayside Clinic</option>' in page
    assert f'<option value="{other_agency.pk}">Hilltop Schools</option>' in page

    client.post(_register_url(training), {"agency": other_agency.pk})
    assert Registration.objects.get().agency == other_agency


@pytest.mark.parametrize(
    "which", ["not_theirs", "pending", "garbage", "superscript", "negative", "huge"]
)
def test_a_tampered_agency_answers_404_and_writes_nothing(
    client, training, home_agency, other_agency, which
):
    person = member(home_agency)
    if which == "pending":
        MembershipFactory(person=person, agency=other_agency, state=MembershipState.REQUESTED)
    value = {
        "not_theirs": other_agency.pk,
        "pending": other_agency.pk,
        "garbage": "1 OR 1",
        "superscript": "²",  # str.isdigit() says yes, int() says no
        "negative": "-1",
        "huge": "9" * 30,
    }[which]
    response = _signed_in(client, person).post(_register_url(training), {"agency": value})
    assert response.status_code == 404
    assert not Registration.objects.exists()


# --- My trainings -----------------------------------------------------------------------------


def test_my_trainings_lists_upcoming_and_past_with_status_and_cancel(client):
    person = PersonFactory()
    full = TrainingFactory(title="Soon Full", capacity=1)
    _register(full)
    confirmed = _register(TrainingFactory(title="Soon Seated", days_ahead=5), person)
    waitlisted = _register(full, person)
    cancelled = _register(TrainingFactory(title="Soon Dropped"), person)
    registration_cancel(registration=cancelled, cancelled_by=person.user)
    past = RegistrationFactory(
        training=TrainingFactory(title="Long Ago", days_ahead=-40),
        person=person,
        attendance=Attendance.ATTENDED,
    )
    RegistrationFactory(training=TrainingFactory(title="Not Mine"))

    page = _page(_signed_in(client, person).get(reverse("trainings:my_trainings")))

    upcoming, past_section = page.split('id="past-heading"')
    assert upcoming.index("Soon Seated") < upcoming.index("Soon Full")  # soonest first
    for title in ("Soon Seated", "Soon Full", "Soon Dropped"):
        assert title in upcoming
    assert "Long Ago" in past_section
    assert "Attended" in past_section
    assert "Not Mine" not in page
    assert f'action="{_cancel_url(confirmed)}"' in upcoming
    assert f'action="{_cancel_url(waitlisted)}"' in upcoming
    assert _cancel_url(cancelled) not in page
    assert _cancel_url(past) not in page
    for label in ("Confirmed", "Waitlisted", "Cancelled"):
        assert f">{label}</p>" in upcoming


def test_my_trainings_says_when_a_training_was_cancelled(client):
    registration = _register(TrainingFactory(title="Called Off"))
    Training.objects.filter(pk=registration.training_id).update(status=Status.CANCELLED)
    page = _page(_signed_in(client, registration.person).get(reverse("trainings:my_trainings")))
    assert "Training cancelled" in page
    assert _cancel_url(registration) not in page


def test_my_trainings_needs_sign_in(client):
    response = client.get(reverse("trainings:my_trainings"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/me/trainings/"


def test_cancelling_from_my_trainings_frees_the_seat_for_the_waitlist(client):
    training = TrainingFactory(capacity=1, title="One Seat")
    registration = _register(training)
    waiting = _register(training)
    response = _signed_in(client, registration.person).post(_cancel_url(registration), follow=True)
    page = _page(response)
    assert response.redirect_chain == [(reverse("trainings:my_trainings"), 302)]
    assert "Your registration for One Seat is cancelled." in page
    registration.refresh_from_db()
    assert (registration.status, registration.cancelled_by) == (CANCELLED, registration.person.user)
    waiting.refresh_from_db()
    assert waiting.status == CONFIRMED


def test_cancelling_from_the_training_page_returns_there(client, training):
    registration = _register(training)
    response = _signed_in(client, registration.person).post(
        _cancel_url(registration), {"next": "detail"}
    )
    assert response["Location"] == training.get_absolute_url()


def test_cancelling_after_the_start_is_refused_with_a_message(client, training):
    registration = _register(training)
    Training.objects.filter(pk=training.pk).update(starts_at=timezone.now() - HOUR)
    page = _page(
        _signed_in(client, registration.person).post(_cancel_url(registration), follow=True)
    )
    assert "The training has started; it can no longer be cancelled." in page
    registration.refresh_from_db()
    assert registration.status == CONFIRMED


def test_someone_elses_registration_cannot_be_cancelled(client, training):
    theirs = _register(training)
    response = _signed_in(client, PersonFactory()).post(_cancel_url(theirs))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == CONFIRMED


def test_cancel_answers_only_to_post(client, training):
    registration = _register(training)
    response = _signed_in(client, registration.person).get(_cancel_url(registration))
    assert response.status_code == 405


# --- Coordinator: batch registration ----------------------------------------------------------


@pytest.fixture
def roster(home_agency):
    """Staff of ``home_agency``: two who can be picked, and one of each reason not to."""
    people = {
        name: member(home_agency, name=name)
        for name in ("Ana Able", "Ben Booked", "Cat Cleared", "Dee Waiting", "Eve Early")
    }
    for name in ("Ana Able", "Ben Booked", "Cat Cleared", "Dee Waiting"):
        CredentialFactory(person=people[name], level=CredentialLevel.PHASE_1)
    return people


def test_the_batch_page_lists_staff_with_the_reasons_some_cannot_be_picked(
    client, coordinator, home_agency, roster
):
    training = TrainingFactory(kind=Kind.PHASE_2, capacity=1)
    CredentialFactory(person=coordinator, level=CredentialLevel.PHASE_1)
    _register(training, roster["Ben Booked"])
    _register(training, roster["Dee Waiting"])

    page = _page(_signed_in(client, coordinator).get(_batch_url(home_agency, training)))

    for name in ("Ana Able", "Cat Cleared", "Cora Coordinator"):
        person = next(p for p in [*roster.values(), coordinator] if p.display_name == name)
        assert f'name="people" value="{person.pk}"' in page
    for name, reason in [
        ("Ben Booked", "Already registered."),
        ("Dee Waiting", "Already on the waitlist."),
        ("Eve Early", "This training requires “Phase I certified” (NMT) on your record."),
    ]:
        person = roster[name]
        assert f'value="{person.pk}"' not in page
        assert f'<small id="reason-{person.pk}" class="candidate__reason">{reason}</small>' in page


def test_a_batch_registers_the_people_chosen_and_shows_the_results(
    client, coordinator, home_agency, roster
):
    training = TrainingFactory(capacity=1, title="Batch Day")
    ana, cat = roster["Ana Able"], roster["Cat Cleared"]
    response = _signed_in(client, coordinator).post(
        _batch_url(home_agency, training), {"people": [cat.pk, ana.pk]}
    )
    page = _page(response)
    assert "Registered for Batch Day" in page
    # People get seats in roster order (by name), then the waitlist.
    assert page.index("Ana Able") < page.index("Confirmed") < page.index("Cat Cleared")
    assert page.index("Cat Cleared") < page.index("Waitlisted")
    statuses = dict(training.registrations.values_list("person__display_name", "status"))
    assert statuses == {"Ana Able": CONFIRMED, "Cat Cleared": WAITLISTED}
    assert set(training.registrations.values_list("agency", "registered_by")) == {
        (home_agency.pk, coordinator.user.pk)
    }


def test_a_stale_batch_form_waitlists_and_says_so(client, coordinator, home_agency, roster):
    training = TrainingFactory(capacity=1)
    client = _signed_in(client, coordinator)
    client.get(_batch_url(home_agency, training))
    _register(training)  # the last seat went meanwhile
    page = _page(
        client.post(_batch_url(home_agency, training), {"people": [roster["Ana Able"].pk]})
    )
    assert "Waitlisted" in page
    assert training.registrations.get(person=roster["Ana Able"]).status == WAITLISTED


def test_a_batch_shows_who_was_skipped_and_why(client, coordinator, home_agency, roster):
    training = TrainingFactory(kind=Kind.PHASE_2)
    _register(training, roster["Ben Booked"])
    page = _page(
        _signed_in(client, coordinator).post(
            _batch_url(home_agency, training),
            {"people": [roster["Ben Booked"].pk, roster["Eve Early"].pk]},
        )
    )
    assert "Not registered: Already registered." in page
    assert "Not registered: This training requires “Phase I certified” (NMT)" in page
    assert training.registrations.count() == 1


@pytest.mark.parametrize("whose", ["other_agency", "pending", "garbage"])
def test_a_batch_naming_someone_off_the_roster_answers_404_and_writes_nothing(
    client, coordinator, home_agency, other_agency, roster, whose
):
    training = TrainingFactory()
    if whose == "other_agency":
        outsider = member(other_agency).pk
    elif whose == "pending":
        outsider = MembershipFactory(agency=home_agency, state=MembershipState.REQUESTED).person.pk
    else:
        outsider = 10**9
    response = _signed_in(client, coordinator).post(
        _batch_url(home_agency, training), {"people": [roster["Ana Able"].pk, outsider]}
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


@pytest.mark.parametrize("value", ["²", "-1", "9" * 30, "1.5", "x"])
def test_a_batch_naming_something_that_is_no_id_answers_404_and_writes_nothing(
    client, coordinator, home_agency, roster, value
):
    response = _signed_in(client, coordinator).post(
        _batch_url(home_agency, TrainingFactory()), {"people": [roster["Ana Able"].pk, value]}
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_a_batch_with_nobody_chosen_asks_for_someone(client, coordinator, home_agency, training):
    page = _page(_signed_in(client, coordinator).post(_batch_url(home_agency, training), {}))
    assert "Choose at least one person." in page
    assert not Registration.objects.exists()


def test_the_batch_page_of_a_closed_training_says_why(client, coordinator, home_agency, roster):
    training = TrainingFactory(registration_closes_at=timezone.now() - HOUR)
    client = _signed_in(client, coordinator)
    page = _page(client.get(_batch_url(home_agency, training)))
    assert "Registration has closed." in page
    assert 'name="people"' not in page
    page = _page(
        client.post(_batch_url(home_agency, training), {"people": [roster["Ana Able"].pk]})
    )
    assert "Registration has closed." in page
    assert not Registration.objects.exists()


def test_the_batch_page_is_for_the_agencys_coordinators_only(
    client, home_agency, training, roster, rival_coordinator
):
    url = _batch_url(home_agency, training)
    assert _signed_in(client, roster["Ana Able"]).get(url).status_code == 403
    assert _signed_in(client, rival_coordinator).get(url).status_code == 404
    response = _signed_in(client, rival_coordinator).post(url, {"people": [roster["Ana Able"].pk]})
    assert response.status_code == 404
    assert not Registration.objects.exists()


# --- Coordinator: the agency's registrations --------------------------------------------------


@pytest.fixture
def agency_registrations(home_agency, other_agency):
    """Registrations of ``home_agency``'s staff (and one of another agency, never shown)."""
    soon = TrainingFactory(title="Soon Training", capacity=1, days_ahead=5)
    later = TrainingFactory(title="Later Training", days_ahead=20)
    past = TrainingFactory(title="Past Training", days_ahead=-20)
    ana, ben, cat = (member(home_agency, name=n) for n in ("Ana Able", "Ben Booked", "Cat Cleared"))
    return {
        "soon_ana": _register(soon, ana, agency=home_agency),
        "soon_ben": _register(soon, ben, agency=home_agency),
        "later_cat": _register(later, cat, agency=home_agency),
        "past_ana": RegistrationFactory(
            training=past, person=ana, agency=home_agency, attendance=Attendance.ATTENDED
        ),
        "theirs": _register(later, member(other_agency, name="Zed Other"), agency=other_agency),
    }


def _list(client, agency, **params) -> str:
    return _page(client.get(_manage("agency_registrations", agency), params))


def test_the_registrations_list_shows_upcoming_ones_by_default(
    client, coordinator, home_agency, agency_registrations
):
    page = _list(_signed_in(client, coordinator), home_agency).split("<tbody>")[1]
    assert page.index("Soon Training") < page.index("Later Training")
    for name in ("Ana Able", "Ben Booked", "Cat Cleared"):
        assert name in page
    assert "Past Training" not in page
    assert "Zed Other" not in page
    soon_ben = agency_registrations["soon_ben"]
    assert _manage("agency_registration_cancel", home_agency, registration_id=soon_ben.pk) in page
    assert _manage("agency_registration_substitute", home_agency, registration_id=soon_ben.pk) in (
        page
    )


def test_the_registrations_list_filters_by_when_status_and_training(
    client, coordinator, home_agency, agency_registrations
):
    client = _signed_in(client, coordinator)

    def table(**params) -> str:
        return _list(client, home_agency, **params).split("<tbody>")[1]

    past = table(when="past")
    assert "Past Training" in past
    assert "Soon Training" not in past
    assert "Attended" in past
    everything = table(when="all")
    assert all(t in everything for t in ("Past Training", "Soon Training", "Later Training"))
    waitlisted = table(status="waitlisted")
    assert "Ben Booked" in waitlisted
    assert "Ana Able" not in waitlisted
    later = table(training=agency_registrations["later_cat"].training_id)
    assert "Cat Cleared" in later
    assert "Soon Training" not in later


def test_an_invalid_filter_answers_400(client, coordinator, home_agency, agency_registrations):
    response = _signed_in(client, coordinator).get(
        _manage("agency_registrations", home_agency), {"status": "lost"}
    )
    assert response.status_code == 400
    other_training = TrainingFactory()
    response = client.get(
        _manage("agency_registrations", home_agency), {"training": other_training.pk}
    )
    assert response.status_code == 400


def test_the_csv_export_holds_the_filtered_registrations(
    client, coordinator, home_agency, agency_registrations
):
    response = _signed_in(client, coordinator).get(
        _manage("agency_registrations_csv", home_agency), {"when": "all"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="bayside-registrations.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 for Excel on Windows
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "Training",
        "First session (Pacific time)",
        "Person",
        "Email",
        "Status",
        "Registered at (Pacific time)",
        "Cancelled at (Pacific time)",
        "Attendance",
    ]
    assert [(r["Training"], r["Person"], r["Status"]) for r in rows] == [
        ("Past Training", "Ana Able", "Confirmed"),
        ("Soon Training", "Ana Able", "Confirmed"),
        ("Soon Training", "Ben Booked", "Waitlisted"),
        ("Later Training", "Cat Cleared", "Confirmed"),
    ]
    soon_ana = agency_registrations["soon_ana"]
    first = rows[1]
    assert first["Email"] == soon_ana.person.user.email
    local = "%Y-%m-%d %H:%M"
    assert first["Registered at (Pacific time)"] == (
        timezone.localtime(soon_ana.arrived_at).strftime(local)
    )
    assert first["First session (Pacific time)"] == (
        timezone.localtime(soon_ana.training.starts_at).strftime(local)
    )
    assert (first["Cancelled at (Pacific time)"], first["Attendance"]) == ("", "")
    assert rows[0]["Attendance"] == "Attended"

    response = client.get(
        _manage("agency_registrations_csv", home_agency), {"status": "waitlisted"}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Person"] for r in rows] == ["Ben Booked"]


def test_the_csv_export_gives_pacific_times_not_utc_ones(client, coordinator, home_agency):
    """18:30 Pacific on Jan 15 is 02:30 UTC on Jan 16: the sheet says the 15th, at 18:30."""
    with time_machine.travel(pacific(2027, 1, 15, 18, 30), tick=False):
        training = TrainingFactory(
            title='=HYPERLINK("https://evil.example/")',
            sessions=[(pacific(2027, 1, 20, 9), pacific(2027, 1, 20, 16))],
        )
        _register(training, member(home_agency, name="Ana Able"), agency=home_agency)
    with time_machine.travel(pacific(2027, 1, 16, 8), tick=False):
        response = _signed_in(client, coordinator).get(
            _manage("agency_registrations_csv", home_agency), {"when": "all"}
        )

    [row] = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert row[0] == '\'=HYPERLINK("https://evil.example/")'  # text, not a formula
    assert (row[1], row[5]) == ("2027-01-20 09:00", "2027-01-15 18:30")


def test_a_coordinator_cancels_a_registration_and_the_waitlist_moves_up(
    client, coordinator, home_agency, agency_registrations
):
    soon_ana, soon_ben = agency_registrations["soon_ana"], agency_registrations["soon_ben"]
    response = _signed_in(client, coordinator).post(
        _manage("agency_registration_cancel", home_agency, registration_id=soon_ana.pk),
        follow=True,
    )
    page = _page(response)
    assert response.redirect_chain == [(_manage("agency_registrations", home_agency), 302)]
    assert "Cancelled Ana Able for Soon Training." in page
    soon_ana.refresh_from_db()
    assert (soon_ana.status, soon_ana.cancelled_by) == (CANCELLED, coordinator.user)
    soon_ben.refresh_from_db()
    assert soon_ben.status == CONFIRMED


def test_a_coordinator_substitutes_someone_keeping_the_seat(
    client, coordinator, home_agency, agency_registrations
):
    soon_ana = agency_registrations["soon_ana"]
    dee = member(home_agency, name="Dee Deputy")
    url = _manage("agency_registration_substitute", home_agency, registration_id=soon_ana.pk)
    client = _signed_in(client, coordinator)
    page = _page(client.get(url))
    assert f'<option value="{dee.pk}">Dee Deputy</option>' in page
    assert f'<option value="{soon_ana.person_id}">' not in page

    page = _page(client.post(url, {"person": dee.pk}, follow=True))
    assert "Dee Deputy takes the place of Ana Able." in page
    substitute = soon_ana.training.registrations.active().get(person=dee)
    assert (substitute.status, substitute.arrived_at) == (CONFIRMED, soon_ana.arrived_at)
    soon_ana.refresh_from_db()
    assert soon_ana.status == CANCELLED


def test_a_substitute_already_registered_is_refused_with_a_message(
    client, coordinator, home_agency, agency_registrations
):
    soon_ana = agency_registrations["soon_ana"]
    ben = agency_registrations["soon_ben"].person
    url = _manage("agency_registration_substitute", home_agency, registration_id=soon_ana.pk)
    page = _page(_signed_in(client, coordinator).post(url, {"person": ben.pk}))
    assert "Ben Booked is already registered." in page
    soon_ana.refresh_from_db()
    assert soon_ana.status == CONFIRMED


@pytest.mark.parametrize("action", ["agency_registration_cancel", "agency_registration_substitute"])
def test_another_agencys_registration_answers_404(
    client, coordinator, home_agency, agency_registrations, action
):
    theirs = agency_registrations["theirs"]
    url = _manage(action, home_agency, registration_id=theirs.pk)
    client = _signed_in(client, coordinator)
    assert client.post(url, {"person": coordinator.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == CONFIRMED
    assert theirs.training.registrations.filter(person=coordinator).count() == 0


@pytest.mark.parametrize("value", ["²", "-1", "9" * 30, "x"])
def test_a_substitute_that_is_no_id_answers_404(
    client, coordinator, home_agency, agency_registrations, value
):
    soon_ana = agency_registrations["soon_ana"]
    url = _manage("agency_registration_substitute", home_agency, registration_id=soon_ana.pk)
    assert _signed_in(client, coordinator).post(url, {"person": value}).status_code == 404
    soon_ana.refresh_from_db()
    assert soon_ana.status == CONFIRMED


def test_a_substitute_from_another_agency_answers_404(
    client, coordinator, home_agency, other_agency, agency_registrations
):
    soon_ana = agency_registrations["soon_ana"]
    url = _manage("agency_registration_substitute", home_agency, registration_id=soon_ana.pk)
    outsider = member(other_agency)
    assert _signed_in(client, coordinator).post(url, {"person": outsider.pk}).status_code == 404
    soon_ana.refresh_from_db()
    assert soon_ana.status == CONFIRMED


# --- Admin: roster and registrations ----------------------------------------------------------


def test_the_admin_roster_marks_attendance_and_records_the_concepts_credential(client, curator):
    training = TrainingFactory(kind=Kind.CONCEPTS, capacity=2)
    present, absent = _register(training), _register(training)
    waiting = _register(training)
    start_now(training)
    client.force_login(curator)
    url = reverse("admin:trainings_training_roster", args=[training.pk])

    session = training.sessions.get()
    page = _page(client.get(url))
    assert f'name="attendance-{present.pk}-{session.pk}"' in page
    assert f'name="attendance-{waiting.pk}-{session.pk}"' not in page
    assert "2 of 2 seats confirmed" in page

    response = client.post(
        url,
        {
            f"attendance-{present.pk}-{session.pk}": "attended",
            f"attendance-{absent.pk}-{session.pk}": "absent",
        },
        follow=True,
    )
    assert "Attendance saved for 2 people." in _page(response)
    present.refresh_from_db()
    absent.refresh_from_db()
    assert (present.attendance, absent.attendance) == (Attendance.ATTENDED, Attendance.ABSENT)
    assert Credential.objects.get().person == present.person


def test_the_admin_sign_in_sheet_has_one_row_per_confirmed_person(client, curator, home_agency):
    start = timezone.now().replace(microsecond=0) + 10 * DAY
    training = TrainingFactory(
        capacity=2, sessions=[(start, start + HOUR), (start + DAY, start + DAY + HOUR)]
    )
    first = _register(training, member(home_agency, name="Ana Able"), agency=home_agency)
    second = _register(training, PersonFactory(display_name="Ben Booked"))
    _register(training, PersonFactory(display_name="Wes Waiting"))
    leaving = _register(training, PersonFactory(display_name="Lou Leaving"))
    registration_cancel(registration=leaving, cancelled_by=leaving.person.user)
    client.force_login(curator)

    response = client.get(reverse("admin:trainings_training_sign_in_sheet", args=[training.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    days = [
        f"Signature, {date_format(timezone.localtime(d), 'D, M j')}" for d in (start, start + DAY)
    ]
    assert header == ["Name", "Email", "Agency", *days]
    assert rows == [
        ["Ana Able", first.person.user.email, "Bayside Clinic", "", ""],
        ["Ben Booked", second.person.user.email, "", "", ""],
    ]


def test_the_roster_and_sign_in_sheet_are_for_the_admin_only(client, training, coordinator):
    client.force_login(coordinator.user)
    for name in ("admin:trainings_training_roster", "admin:trainings_training_sign_in_sheet"):
        response = client.get(reverse(name, args=[training.pk]))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_registrations_cannot_be_added_in_the_admin(client, curator):
    client.force_login(curator)
    assert client.get(reverse("admin:trainings_registration_add")).status_code == 403


def test_the_admin_cancel_action_goes_through_the_service(client, curator):
    training = TrainingFactory(capacity=1)
    seated = _register(training)
    waiting = _register(training)
    client.force_login(curator)
    response = client.post(
        reverse("admin:trainings_registration_changelist"),
        {"action": "cancel_registrations", "_selected_action": [seated.pk]},
        follow=True,
    )
    assert "Cancelled 1 registration." in _page(response)
    seated.refresh_from_db()
    assert (seated.status, seated.cancelled_by) == (CANCELLED, curator)
    waiting.refresh_from_db()
    assert waiting.status == CONFIRMED  # promoted: the service ran, not a bare update
    training.refresh_from_db()
    assert training.seats_taken == 1


def test_the_admin_cancel_action_names_a_refused_registration_and_cancels_the_others(
    client, curator
):
    under_way = TrainingFactory(title="Under way")
    sat_in = _register(under_way, PersonFactory(display_name="Sat In"))
    start_now(under_way)
    running = _register(TrainingFactory(), PersonFactory(display_name="Ran Late"))
    client.force_login(curator)

    response = client.post(
        reverse("admin:trainings_registration_changelist"),
        {"action": "cancel_registrations", "_selected_action": [sat_in.pk, running.pk]},
        follow=True,
    )

    page = html.unescape(_page(response))
    assert f"{sat_in}: The training has started; it can no longer be cancelled." in page
    assert "Cancelled 1 registration." in page
    sat_in.refresh_from_db()
    running.refresh_from_db()
    assert (sat_in.status, running.status) == (CONFIRMED, CANCELLED)


# --- Query counts -----------------------------------------------------------------------------

# The same number of queries for 1 row and for 50 (measured on PostgreSQL, signed in):
# /me/trainings/: session, user, the registrations with training and agency, their sessions.
MY_TRAININGS_MAX = 4
# The agency's registrations: session, user, the agency, the filter's trainings, the count,
# the page of registrations (training, person, account), the upcoming trainings to pick from.
REGISTRATIONS_MAX = 7
# The batch page: session, user, the agency, the training, the roster (people and accounts),
# their credentials, their active registrations, the training's sessions.
BATCH_MAX = 8


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _assert_flat(client, url: str, add_rows, budget: int, django_assert_max_num_queries) -> None:
    client.get(url)  # the session's first request may differ
    one = _count_queries(client, url)
    add_rows(49)
    with django_assert_max_num_queries(budget):
        fifty = _count_queries(client, url)
    assert fifty == one


def test_my_trainings_queries_do_not_grow_with_the_rows(client, django_assert_max_num_queries):
    person = PersonFactory()
    agency = AgencyFactory()
    client = _signed_in(client, person)

    def add_rows(count: int) -> None:
        for n in range(count):
            start = timezone.now().replace(microsecond=0) + (n + 2) * DAY
            training = TrainingFactory(
                sessions=[(start, start + HOUR), (start + DAY, start + DAY + HOUR)]
            )
            if n % 2:
                RegistrationFactory(training=training, person=person, agency=agency)
            else:
                _register(training, person, agency=agency)
        RegistrationFactory(training=TrainingFactory(days_ahead=-n - 10), person=person)

    add_rows(1)
    _assert_flat(
        client, reverse("trainings:my_trainings"), add_rows, MY_TRAININGS_MAX,
        django_assert_max_num_queries,
    )  # fmt: skip


def test_the_registrations_list_queries_do_not_grow_with_the_rows(
    client, coordinator, home_agency, django_assert_max_num_queries
):
    client = _signed_in(client, coordinator)
    trainings = [TrainingFactory(capacity=10) for _ in range(3)]

    def add_rows(count: int) -> None:
        for n in range(count):
            _register(trainings[n % 3], member(home_agency), agency=home_agency)

    add_rows(1)
    _assert_flat(
        client, _manage("agency_registrations", home_agency), add_rows, REGISTRATIONS_MAX,
        django_assert_max_num_queries,
    )  # fmt: skip


def test_the_batch_page_queries_do_not_grow_with_the_roster(
    client, coordinator, home_agency, django_assert_max_num_queries
):
    training = TrainingFactory(kind=Kind.PHASE_2, capacity=5)
    CredentialFactory(person=coordinator, level=CredentialLevel.PHASE_1)
    client = _signed_in(client, coordinator)

    def add_rows(count: int) -> None:
        for n in range(count):
            person = member(home_agency, role=Role.STAFF)
            if n % 3:
                CredentialFactory(person=person, level=CredentialLevel.PHASE_1)
            if n % 3 == 1:
                _register(training, person, agency=home_agency)

    _assert_flat(
        client, _batch_url(home_agency, training), add_rows, BATCH_MAX,
        django_assert_max_num_queries,
    )  # fmt: skip
