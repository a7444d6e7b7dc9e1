"""The personal calendar feed: /me/calendar/<token>.ics, behind a secret, regenerable token."""

import icalendar
import pytest
from django.urls import reverse

from members import services
from members.models import Person
from tests.factories import TrainingFactory, UserFactory, pacific
from trainings.models import Status
from trainings.services import registration_cancel, registration_create, training_cancel

pytestmark = pytest.mark.django_db


def _person(email: str, name: str = "Ada Lovelace") -> Person:
    return Person.objects.create(user=UserFactory(email=email), display_name=name)


def _register(training, person):
    return registration_create(training=training, person=person, registered_by=person.user)


def _feed_url(person) -> str:
    return reverse("trainings:my_calendar", kwargs={"token": person.calendar_token})


def _events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_the_feed_carries_only_the_persons_confirmed_trainings(client):
    ada = _person("ada@example.org")
    confirmed = TrainingFactory(title="Confirmed seat")
    full = TrainingFactory(title="Waitlisted", capacity=1)
    _register(full, _person("first@example.org", "First In"))
    cancelled = TrainingFactory(title="Cancelled registration")
    past = TrainingFactory(title="Attended last month", days_ahead=-30)
    _register(confirmed, ada)
    _register(full, ada)
    registration_cancel(registration=_register(cancelled, ada), cancelled_by=ada.user)
    past_registration = _register(TrainingFactory(title="Placeholder"), ada)
    # A past training can't be registered for any more: move a confirmed seat there.
    type(past_registration).objects.filter(pk=past_registration.pk).update(training=past)
    _register(TrainingFactory(title="Someone else's"), _person("bob@example.org", "Bob"))

    events = _events(client.get(_feed_url(ada)))  # no sign-in: calendar apps can't
    assert sorted(str(event["SUMMARY"]) for event in events) == [
        "Attended last month",
        "Confirmed seat",
    ]
    assert {str(event["STATUS"]) for event in events} == {"CONFIRMED"}


def test_a_cancelled_training_stays_in_the_feed_marked_cancelled(client):
    ada = _person("ada@example.org")
    training = TrainingFactory(title="Called Off")
    _register(training, ada)
    training_cancel(training=training)
    training.refresh_from_db()
    assert training.status == Status.CANCELLED

    (event,) = _events(client.get(_feed_url(ada)))
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "CANCELLED: Called Off"


def test_every_session_of_a_series_is_an_event_in_pacific_time(client):
    ada = _person("ada@example.org")
    training = TrainingFactory(
        title="Phase I cohort",
        sessions=[
            (pacific(2027, 3, 10, 9), pacific(2027, 3, 10, 16)),
            (pacific(2027, 3, 17, 9), pacific(2027, 3, 17, 16)),
        ],
    )
    _register(training, ada)
    events = _events(client.get(_feed_url(ada)))
    assert [event.decoded("DTSTART") for event in events] == [
        pacific(2027, 3, 10, 9),
        pacific(2027, 3, 17, 9),
    ]
    assert {event["DTSTART"].params["TZID"] for event in events} == {"America/Los_Angeles"}


def test_an_unknown_or_guessed_token_answers_404(client):
    ada = _person("ada@example.org")
    bob = _person("bob@example.org", "Bob")
    _register(TrainingFactory(), ada)
    token = ada.calendar_token

    assert len(token) >= 40
    assert bob.calendar_token != token
    for guess in (token[:-1], token.upper(), token + "x", "1", "ada", str(ada.pk)):
        url = reverse("trainings:my_calendar", kwargs={"token": guess})
        assert client.get(url).status_code == 404, guess


def test_showing_my_page_writes_nothing_and_regenerating_retires_the_old_address(client):
    ada = _person("ada@example.org")
    token = ada.calendar_token
    client.force_login(ada.user)

    response = client.get(reverse("members:me"))

    assert response.context["calendar_feed_url"].endswith(f"/me/calendar/{token}.ics")
    ada.refresh_from_db()
    assert ada.calendar_token == token
    new = services.calendar_token_regenerate(person=ada)
    assert new != token
    assert client.get(_feed_url(ada)).status_code == 200
    assert client.get(f"/me/calendar/{token}.ics").status_code == 404


def test_my_page_shows_the_private_feed_address(client):
    ada = _person("ada@example.org")
    client.force_login(ada.user)
    page = client.get(reverse("members:me")).content.decode()
    ada.refresh_from_db()
    url = "http://127.0.0.1:8000" + reverse(
        "trainings:my_calendar", kwargs={"token": ada.calendar_token}
    )
    assert f">{url}</textarea>" in page
    assert "Keep it private" in page
    # Loading the page again keeps the same address.
    client.get(reverse("members:me"))
    ada.refresh_from_db()
    assert url.endswith(f"/{ada.calendar_token}.ics")


def test_regenerating_the_address_makes_the_old_one_404(client):
    ada = _person("ada@example.org")
    _register(TrainingFactory(), ada)
    old_url = _feed_url(ada)
    assert client.get(old_url).status_code == 200

    client.force_login(ada.user)
    response = client.post(reverse("members:me_calendar_regenerate"), follow=True)
    assert "Your calendar feed has a new address" in response.content.decode()
    ada.refresh_from_db()
    new_url = reverse("trainings:my_calendar", kwargs={"token": ada.calendar_token})
    assert new_url != old_url
    assert new_url in response.content.decode()
    assert client.get(old_url).status_code == 404
    assert len(_events(client.get(new_url))) == 1


def test_regenerating_takes_a_signed_in_post(client):
    url = reverse("members:me_calendar_regenerate")
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_feed_is_kept_private_by_caches_and_crawlers(client):
    ada = _person("ada@example.org")
    response = client.get(_feed_url(ada))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    assert icalendar.Calendar.from_ical(response.content)["X-WR-CALNAME"] == "My NMT trainings"
