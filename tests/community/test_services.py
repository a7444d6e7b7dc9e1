"""The digests: the coordinators' weekly email and the double opt-in monthly community digest."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import services, tasks
from members import services as member_services
from members.models import (
    Credential,
    DigestSubscription,
    Invitation,
    Membership,
    MembershipState,
    Person,
    Role,
    User,
)
from members.services import MembershipError
from portal.models import OutboxEmail, OutboxState
from resources.models import Visibility
from tests.factories import (
    AgencyFactory,
    CredentialFactory,
    InvitationFactory,
    MembershipFactory,
    TrainingFactory,
    UserFactory,
    days_from_today,
    pacific,
)
from tests.members.services.support import coordinator, coordinator_count
from tests.resources.factories import ResourceFactory
from trainings.models import Status
from trainings.services import registration_cancel, registration_create

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
CHECK_EMAIL = "Check your inbox at"
ZONE = re.compile(r"\b(PST|PDT)\b")


def _person(email: str, name: str) -> Person:
    return Person.objects.create(user=UserFactory(email=email), display_name=name)


def _member(agency, email: str, name: str, *, role=Role.STAFF, weekly_digest=False) -> Person:
    person = _person(email, name)
    Membership.objects.create(
        person=person,
        agency=agency,
        role=role,
        state=MembershipState.ACTIVE,
        weekly_digest=weekly_digest,
    )
    return person


def _register(training, person, agency):
    return registration_create(
        training=training, person=person, agency=agency, registered_by=person.user
    )


def _link(message, name: str) -> str:
    """The path of the /digest/<name>/<token>/ link in an email's text body."""
    match = re.search(rf"https?://[^/\s]+(/digest/{name}/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _subscribed(email: str, *, confirmed: bool = True) -> DigestSubscription:
    now = timezone.now()
    return DigestSubscription.objects.create(
        email=email, confirmed_at=now if confirmed else None, confirmation_sent_at=now
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Monthly community digest: the whole journey ----------------------------------------------


def test_subscribe_confirm_receive_and_unsubscribe_in_one_click(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    training = TrainingFactory(title="Regulate, Relate, Reason", days_ahead=12)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members:digest_subscribe"), {"email": "ada@example.org"})
    assert response.status_code == 302
    (confirmation,) = mailoutbox
    assert confirmation.to == ["ada@example.org"]
    assert confirmation.subject == "Confirm your subscription to the community digest"
    confirm_path = _link(confirmation, "confirm")
    assert confirm_path in confirmation.alternatives[0][0]

    # A mail scanner fetching the link confirms nothing.
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "Confirm my subscription" in page.content.decode()
    assert DigestSubscription.objects.get().confirmed_at is None

    response = client.post(confirm_path, follow=True)
    assert "Your address is confirmed" in " ".join(_messages(response))
    assert "You're subscribed" in response.content.decode()
    subscription = DigestSubscription.objects.get()
    assert subscription.confirmed_at is not None

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.queue_monthly_digest.delay()
    (digest,) = mailoutbox
    assert digest.to == ["ada@example.org"]
    assert digest.subject.startswith("NMT/NME community digest — ")
    unsubscribe_url = "http://127.0.0.1:8000" + reverse(
        "members:digest_unsubscribe", kwargs={"token": subscription.token}
    )
    assert digest.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent = digest.message()
    assert sent["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert training.title in digest.body
    assert unsubscribe_url in digest.body
    html = digest.alternatives[0][0]
    assert f'href="{unsubscribe_url}"' in html
    assert "Regulate, Relate, Reason" in html

    # The mail app's one-click unsubscribe: a POST with no CSRF token, from no page of ours.
    mail_app = Client(enforce_csrf_checks=True)
    response = mail_app.post(
        unsubscribe_url.removeprefix("http://127.0.0.1:8000"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None

    # Next month has news, but nobody left to tell.
    TrainingFactory(title="Next month's training", days_ahead=45)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.monthly_digest_queue(now=timezone.now() + 32 * DAY) == 0
    assert mailoutbox == []


def test_an_unconfirmed_address_never_gets_the_digest(
    django_capture_on_commit_callbacks, mailoutbox
):
    TrainingFactory(days_ahead=5)
    _subscribed("pending@example.org", confirmed=False)
    receiving = _subscribed("confirmed@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.monthly_digest_queue() == 1
    assert [message.to for message in mailoutbox] == [[receiving.email]]


def test_running_the_monthly_digest_twice_sends_it_once(
    django_capture_on_commit_callbacks, mailoutbox
):
    TrainingFactory(days_ahead=5)
    subscription = _subscribed("twice@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        tasks.queue_monthly_digest.delay()
        tasks.queue_monthly_digest.delay()
    assert len(mailoutbox) == 1
    month = timezone.localtime().strftime("%Y-%m")
    assert OutboxEmail.objects.get().dedupe_key == f"monthly-digest:{subscription.pk}:{month}"


def test_next_months_digest_goes_out_again(django_capture_on_commit_callbacks, mailoutbox):
    TrainingFactory(days_ahead=40)
    _subscribed("monthly@example.org")
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.monthly_digest_queue(now=now) == 1
        assert services.monthly_digest_queue(now=now + 32 * DAY) == 1
    assert len(mailoutbox) == 2


def test_the_digest_lists_published_trainings_of_the_next_six_weeks_only(mailoutbox):
    soon = TrainingFactory(title="Soon", days_ahead=3)
    later = TrainingFactory(title="In five weeks", days_ahead=35)
    TrainingFactory(title="Too far ahead", days_ahead=50)
    TrainingFactory(title="A draft", days_ahead=4, status=Status.DRAFT)
    TrainingFactory(title="Called off", days_ahead=4, status=Status.CANCELLED)
    TrainingFactory(title="Already over", days_ahead=-3)
    _subscribed("reader@example.org")

    services.monthly_digest_queue()
    email = OutboxEmail.objects.get()
    body = email.body_text
    for title in ("Too far ahead", "A draft", "Called off", "Already over"):
        assert title not in body
    assert body.index(soon.title) < body.index(later.title)
    assert ZONE.search(body)
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_digest_lists_new_public_resources_and_never_a_members_only_one(mailoutbox):
    """The monthly digest reaches people without an account: a members-only resource is not
    in it, not even its title."""
    ResourceFactory(title="Open calm-corner guide", summary="For every classroom.")
    ResourceFactory(
        title="Debrief template",
        summary="How our team runs a debrief.",
        body="Harbor House was understaffed.",
        visibility=Visibility.MEMBERS,
    )
    _subscribed("reader@example.org")

    services.monthly_digest_queue()

    email = OutboxEmail.objects.get()
    assert "Open calm-corner guide" in email.body_text
    for text in ("Debrief template", "debrief", "Harbor House", "understaffed"):
        assert text not in email.body_text
        assert text not in email.body_html


def test_a_month_with_nothing_to_report_sends_nothing(mailoutbox):
    _subscribed("quiet@example.org")
    assert services.monthly_digest_queue() == 0
    assert not OutboxEmail.objects.exists()


def test_unsubscribing_cancels_a_digest_still_waiting_in_the_outbox():
    TrainingFactory(days_ahead=5)
    subscription = _subscribed("changed-mind@example.org")
    services.monthly_digest_queue()
    waiting = OutboxEmail.objects.get()
    assert waiting.state == OutboxState.PENDING

    member_services.digest_unsubscribe(subscription=subscription)
    waiting.refresh_from_db()
    assert waiting.state == OutboxState.CANCELLED


# --- Subscribing ------------------------------------------------------------------------------


def test_subscribing_again_is_harmless_and_the_page_says_the_same(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    _subscribed("known@example.org")
    url = reverse("members:digest_subscribe")

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": "Known@example.org"}, follow=True)
        unknown = client.post(url, {"email": "new@example.org"}, follow=True)

    assert known.status_code == unknown.status_code == 200
    (known_message,) = _messages(known)
    (unknown_message,) = _messages(unknown)
    assert CHECK_EMAIL in known_message
    assert known_message.replace("Known@example.org", "X") == unknown_message.replace(
        "new@example.org", "X"
    )
    # The confirmed address gets nothing and stays confirmed; only the new one is asked.
    assert [message.to for message in mailoutbox] == [["new@example.org"]]
    assert DigestSubscription.objects.get(email__iexact="known@example.org").is_receiving
    assert DigestSubscription.objects.count() == 2


def test_an_address_is_one_subscription_whatever_its_case(mailoutbox):
    member_services.digest_subscribe(email="Ada@Example.org")
    member_services.digest_subscribe(email="ada@example.org")
    assert DigestSubscription.objects.count() == 1


def test_the_confirmation_is_sent_again_only_after_a_pause():
    now = timezone.now()
    member_services.digest_subscribe(email="eager@example.org", now=now)
    member_services.digest_subscribe(
        email="eager@example.org", now=now + 5 * dt.timedelta(minutes=1)
    )
    assert OutboxEmail.objects.filter(kind="digest_confirm").count() == 1

    member_services.digest_subscribe(
        email="eager@example.org", now=now + 20 * dt.timedelta(minutes=1)
    )
    assert OutboxEmail.objects.filter(kind="digest_confirm").count() == 2


def test_an_address_that_unsubscribed_starts_over_with_a_new_link(client):
    subscription = _subscribed("returning@example.org")
    old_token = subscription.token
    member_services.digest_unsubscribe(subscription=subscription)

    member_services.digest_subscribe(email="returning@example.org")
    subscription.refresh_from_db()
    assert subscription.token != old_token
    assert subscription.confirmed_at is None
    assert subscription.unsubscribed_at is None
    assert not subscription.is_receiving
    assert client.get(f"/digest/confirm/{old_token}/").status_code == 404


def test_a_signed_in_person_subscribing_their_own_address_is_linked(client):
    person = _person("member@example.org", "Mo Member")
    client.force_login(person.user)

    page = client.get(reverse("members:digest_subscribe"))
    assert 'value="member@example.org"' in page.content.decode()
    client.post(reverse("members:digest_subscribe"), {"email": "member@example.org"})
    client.post(reverse("members:digest_subscribe"), {"email": "someone-else@example.org"})

    assert DigestSubscription.objects.get(email="member@example.org").person == person
    assert DigestSubscription.objects.get(email="someone-else@example.org").person is None


@pytest.mark.parametrize("email", ["not-an-address", "ada@", "", "a" * 300 + "@example.org"])
def test_a_malformed_address_gets_a_message_beside_the_field(client, email):
    response = client.post(reverse("members:digest_subscribe"), {"email": email})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not DigestSubscription.objects.exists()


@pytest.mark.parametrize("email", ["", "   ", "no-at-sign", "two@@example.org"])
def test_the_service_refuses_a_malformed_address_too(email):
    with pytest.raises(member_services.DigestError):
        member_services.digest_subscribe(email=email)
    assert not DigestSubscription.objects.exists()


def test_every_page_offers_the_digest_in_its_footer(client):
    page = client.get(reverse("home")).content.decode()
    assert f'<form method="post" action="{reverse("members:digest_subscribe")}"' in page
    assert 'id="footer-digest-email"' in page
    # No CSRF token in an anonymous page: it can be cached whole and served to anyone.
    assert "csrfmiddlewaretoken" not in page


def test_the_footer_subscribes_in_one_post_from_a_cached_page(
    settings, django_capture_on_commit_callbacks, mailoutbox, caplog
):
    settings.PAGE_CACHE_SECONDS = 60
    # A browser that enforces CSRF, on a page served from the shared cache (no token in it).
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("trainings:list"))
    assert "csrfmiddlewaretoken" not in browser.get(reverse("trainings:list")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("members:digest_subscribe"),
            {"email": "ada@example.org"},
            headers={"Origin": "http://testserver"},
            follow=True,
        )

    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("members:digest_subscribe") + "?sent=1", 302)]
    (message,) = _messages(response)
    assert f"{CHECK_EMAIL} ada@example.org" in message
    assert [m.to for m in mailoutbox] == [["ada@example.org"]]  # the link to confirm
    assert not DigestSubscription.objects.get().is_receiving  # until it is confirmed
    assert "ada@example.org" not in " ".join(record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("email", ["ada@", "not an address", "a" * 300 + "@example.org"])
def test_a_malformed_footer_address_gets_a_message_beside_the_field_and_stays_out_of_urls(
    client, caplog, email
):
    response = client.post(reverse("members:digest_subscribe"), {"email": email})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert not DigestSubscription.objects.exists()
    assert email not in response.wsgi_request.get_full_path()
    assert email[:20] not in " ".join(record.getMessage() for record in caplog.records)


def test_a_subscription_posted_from_another_site_is_refused():
    response = Client().post(
        reverse("members:digest_subscribe"),
        {"email": "victim@example.org"},
        headers={"Origin": "https://evil.example.com"},
    )
    assert response.status_code == 403
    assert not DigestSubscription.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_an_address_in_the_url_is_not_used(client):
    # The old footer's GET put the address in the URL; nothing reads it any more.
    page = client.get(reverse("members:digest_subscribe"), {"email": "ada@example.org"})
    assert page.status_code == 200
    assert "ada@example.org" not in page.content.decode()
    assert not DigestSubscription.objects.exists()


def test_a_signed_in_members_footer_is_filled_in_with_their_address(client):
    person = _person("member@example.org", "Mo Member")
    client.force_login(person.user)
    page = client.get(reverse("home")).content.decode()
    assert 'id="footer-digest-email"' in page
    assert 'value="member@example.org"' in page


# --- Confirming and unsubscribing -------------------------------------------------------------


@pytest.mark.parametrize("name", ["members:digest_confirm", "members:digest_unsubscribe"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_token_answers_404(client, name, method):
    _subscribed("someone@example.org")
    response = getattr(client, method)(reverse(name, kwargs={"token": "not-a-real-token"}))
    assert response.status_code == 404


def test_the_unsubscribe_page_asks_before_unsubscribing(client):
    subscription = _subscribed("careful@example.org")
    url = reverse("members:digest_unsubscribe", kwargs={"token": subscription.token})

    page = client.get(url)
    assert page.status_code == 200
    assert "Stop sending the monthly community digest" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.is_receiving

    response = client.post(url, follow=True)
    assert "You're unsubscribed" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    # Twice is harmless.
    assert client.post(url).status_code == 302


def test_a_cancelled_subscription_cannot_be_confirmed_from_an_old_link(client):
    subscription = _subscribed("gone@example.org", confirmed=False)
    member_services.digest_unsubscribe(subscription=subscription)
    url = reverse("members:digest_confirm", kwargs={"token": subscription.token})

    response = client.post(url, follow=True)
    assert "This subscription was cancelled" in " ".join(_messages(response))
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


# --- The coordinators' weekly digest ----------------------------------------------------------


@pytest.fixture
def week():
    """Agency A with an opted-in coordinator and staff registered around the coming week."""
    agency = AgencyFactory(name="Bayside Clinic", slug="bayside")
    other = AgencyFactory(name="Hilltop Schools", slug="hilltop")
    coordinator = _member(
        agency, "cora@example.org", "Cora Coordinator", role=Role.COORDINATOR, weekly_digest=True
    )
    ada = _member(agency, "ada@example.org", "Ada Attends")
    wes = _member(agency, "wes@example.org", "Wes Waitlisted")
    fay = _member(agency, "fay@example.org", "Fay Far-Ahead")
    carl = _member(agency, "carl@example.org", "Carl Cancelled")
    rex = _member(other, "rex@example.org", "Rex Rival")

    this_week = TrainingFactory(title="Regulate and Relate", capacity=1, days_ahead=3)
    in_two_days, in_nine_days = days_from_today(2), days_from_today(9)
    cohort = TrainingFactory(
        title="Phase I cohort",
        sessions=[(in_two_days, in_two_days + 6 * HOUR), (in_nine_days, in_nine_days + HOUR)],
    )
    next_month = TrainingFactory(title="Far Ahead Training", days_ahead=20)
    _register(this_week, ada, agency)
    _register(this_week, wes, agency)  # capacity 1: the waitlist
    _register(cohort, ada, agency)
    _register(next_month, fay, agency)
    registration_cancel(registration=_register(cohort, carl, agency), cancelled_by=coordinator.user)
    _register(this_week, rex, other)
    return agency, coordinator


def _weekly(mailoutbox):
    return [message for message in mailoutbox if message.subject.startswith("This week at")]


def test_the_weekly_digest_lists_who_from_the_agency_attends_in_the_coming_week(
    week, django_capture_on_commit_callbacks, mailoutbox
):
    agency, _coordinator = week
    with django_capture_on_commit_callbacks(execute=True):
        assert services.weekly_digests_queue() == 1

    (message,) = _weekly(mailoutbox)
    assert message.to == ["cora@example.org"]
    assert message.subject == "This week at Bayside Clinic: 3 registrations"
    body = message.body
    assert "Ada Attends" in body
    assert "Wes Waitlisted (waitlisted)" in body
    assert "Far Ahead Training" not in body
    assert "Fay Far-Ahead" not in body
    assert "Carl Cancelled" not in body
    assert "Rex Rival" not in body
    # Grouped by training, soonest first, each with its sessions of the week in Pacific time.
    assert body.index("Phase I cohort") < body.index("Regulate and Relate")
    cohort_part = body[body.index("Phase I cohort") : body.index("Regulate and Relate")]
    assert len(ZONE.findall(cohort_part)) == 1  # only the session of this week
    assert "Ada Attends" in cohort_part
    assert reverse("trainings:agency_registrations", kwargs={"slug": agency.slug}) in body
    html = message.alternatives[0][0]
    assert "Wes Waitlisted" in html
    assert ZONE.search(html)


def test_only_opted_in_coordinators_get_the_weekly_digest(
    week, django_capture_on_commit_callbacks, mailoutbox
):
    agency, _coordinator = week
    _member(agency, "quiet@example.org", "Quinn Quiet", role=Role.COORDINATOR)
    _member(agency, "staff@example.org", "Stan Staff", weekly_digest=True)  # not a coordinator
    invited = _member(
        agency, "invited@example.org", "Ivy Invited", role=Role.COORDINATOR, weekly_digest=True
    )
    Membership.objects.filter(person=invited).update(state=MembershipState.INVITED)

    with django_capture_on_commit_callbacks(execute=True):
        services.weekly_digests_queue()
    assert [message.to for message in _weekly(mailoutbox)] == [["cora@example.org"]]


def test_a_coordinator_with_nothing_to_report_gets_no_weekly_digest(
    week, django_capture_on_commit_callbacks, mailoutbox
):
    quiet = AgencyFactory(name="Quiet Agency", slug="quiet")
    _member(
        quiet, "calm@example.org", "Calm Coordinator", role=Role.COORDINATOR, weekly_digest=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.weekly_digests_queue()
    assert [message.to for message in _weekly(mailoutbox)] == [["cora@example.org"]]


def test_running_the_weekly_digest_twice_in_a_week_sends_it_once(
    week, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.queue_weekly_digests.delay()
        tasks.queue_weekly_digests.delay()
    assert len(_weekly(mailoutbox)) == 1
    membership = Membership.objects.get(person__user__email="cora@example.org")
    week_key = services.iso_week(timezone.now())
    assert OutboxEmail.objects.filter(
        dedupe_key=f"weekly-digest:{membership.pk}:{week_key}"
    ).exists()


def test_a_coordinator_turns_the_weekly_digest_on_and_off_from_the_overview(client):
    agency = AgencyFactory(slug="bayside")
    coordinator = _member(agency, "cora@example.org", "Cora", role=Role.COORDINATOR)
    client.force_login(coordinator.user)
    home = reverse("members:manage_home", kwargs={"slug": agency.slug})
    toggle = reverse("members:manage_weekly_digest", kwargs={"slug": agency.slug})
    membership = Membership.objects.get(person=coordinator)

    assert 'name="enabled" value="1"' in client.get(home).content.decode()
    response = client.post(toggle, {"enabled": "1"}, follow=True)
    assert response.redirect_chain == [(home, 302)]
    assert "every Monday" in " ".join(_messages(response))
    membership.refresh_from_db()
    assert membership.weekly_digest
    assert 'name="enabled" value="0"' in response.content.decode()

    client.post(toggle, {"enabled": "0"})
    membership.refresh_from_db()
    assert not membership.weekly_digest


@pytest.mark.parametrize("value", [None, "", "maybe"])
def test_a_malformed_toggle_changes_nothing_and_says_so(client, value):
    agency = AgencyFactory(slug="bayside")
    coordinator = _member(agency, "cora@example.org", "Cora", role=Role.COORDINATOR)
    client.force_login(coordinator.user)
    data = {} if value is None else {"enabled": value}
    response = client.post(
        reverse("members:manage_weekly_digest", kwargs={"slug": agency.slug}), data, follow=True
    )
    assert response.status_code == 200
    assert "Choose whether to get the weekly digest." in _messages(response)
    assert not Membership.objects.get(person=coordinator).weekly_digest


def test_only_coordinators_can_have_the_weekly_digest():
    agency = AgencyFactory()
    staff = _member(agency, "staff@example.org", "Stan Staff")
    with pytest.raises(member_services.DigestError):
        member_services.weekly_digest_set(membership=staff.memberships.get(), enabled=True)


def test_the_weekly_digest_covers_today_to_sunday_night_in_pacific_time(
    django_capture_on_commit_callbacks, mailoutbox
):
    agency = AgencyFactory(name="Bayside Clinic", slug="bayside")
    _member(agency, "cora@example.org", "Cora", role=Role.COORDINATOR, weekly_digest=True)
    late_sunday = TrainingFactory(
        title="Late on Sunday", sessions=[(pacific(2027, 3, 14, 22), pacific(2027, 3, 14, 23))]
    )
    next_monday = TrainingFactory(
        title="Early next Monday", sessions=[(pacific(2027, 3, 15, 0, 30), pacific(2027, 3, 15, 2))]
    )
    for training in (late_sunday, next_monday):
        _register(training, _member(agency, f"{training.slug}@example.org", "Ada"), agency)

    # Beat's Monday run, in the week the clocks change (March 14, 2027).
    with django_capture_on_commit_callbacks(execute=True):
        services.weekly_digests_queue(now=pacific(2027, 3, 8, 7))
    (message,) = _weekly(mailoutbox)
    assert "between Mon, Mar 8 and Sun, Mar 14" in message.body
    assert "Late on Sunday" in message.body
    assert "Sun, Mar 14, 2027 · 10:00 PM – 11:00 PM PDT" in message.body
    assert "Early next Monday" not in message.body


# --- Deleting an account (account_delete) -----------------------------------------------------


def test_account_delete_removes_the_account_and_personal_data():
    agency = AgencyFactory()
    coordinator(agency)
    membership = MembershipFactory(agency=agency)
    user = membership.person.user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    CredentialFactory(person=membership.person)
    InvitationFactory(agency=AgencyFactory(), email=user.email)

    services.account_delete(user=user)

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Person.objects.filter(pk=membership.person.pk).exists()
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not Credential.objects.exists()
    assert not EmailAddress.objects.filter(email=user.email).exists()
    assert not Invitation.objects.filter(email=user.email).exists()
    assert coordinator_count(agency) == 1


def test_account_delete_is_refused_for_the_last_coordinator_of_an_agency():
    agency = AgencyFactory(name="Solo Agency")
    only = coordinator(agency)
    with pytest.raises(MembershipError, match="Solo Agency"):
        services.account_delete(user=only.person.user)
    assert User.objects.filter(pk=only.person.user.pk).exists()
    assert Membership.objects.filter(pk=only.pk).exists()


def test_account_delete_of_a_coordinator_who_is_not_the_last_is_allowed():
    agency = AgencyFactory()
    leaving = coordinator(agency)
    coordinator(agency)
    services.account_delete(user=leaving.person.user)
    assert coordinator_count(agency) == 1
