"""The API's behaviour: tokens (scope, expiry, revocation, the rate limit), lists (filters,
cursor paging, ETag), registering and cancelling through the same services as the pages, and
the coordinator's agency endpoints, with the same 404 across agencies."""

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from api import paging, services
from api.models import ApiToken, TokenScope, token_digest
from members.services import person_for_user
from tests.factories import AgencyFactory, CredentialFactory, TrainingFactory, days_from_today
from tests.trainings.factories import RegistrationFactory
from trainings.models import Registration, RegistrationStatus, Status

from .conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db


# --- Tokens -------------------------------------------------------------------------------------


def test_a_token_is_stored_hashed_and_shown_once(member):
    token, raw = services.token_create(
        person=person_for_user(user=member), name="HR sync", scope=TokenScope.READ, days=30
    )
    assert raw.startswith("nmt_")
    assert len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == token_digest(raw)
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert stored.expires_at > timezone.now() + dt.timedelta(days=29)


@pytest.mark.parametrize(
    ("name", "scope", "days"),
    [("", "read", 30), ("x", "admin", 30), ("x", "read", 3650)],
)
def test_a_token_needs_a_name_a_scope_and_a_lifetime_of_the_choices(member, name, scope, days):
    with pytest.raises(services.TokenError):
        services.token_create(
            person=person_for_user(user=member), name=name, scope=scope, days=days
        )
    assert not ApiToken.objects.exists()


def test_a_revoked_token_fails_at_once(member):
    raw = token_for(member)
    api = ApiClient(raw)
    assert api.get("/api/v1/me/registrations/").status_code == 200
    services.token_revoke(token=ApiToken.objects.get())
    response = api.get("/api/v1/me/registrations/")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_expired_token_fails(member, time_machine):
    api = ApiClient(token_for(member, days=7))
    time_machine.move_to(timezone.now() + dt.timedelta(days=8))
    assert api.get("/api/v1/me/registrations/").status_code == 401


def test_a_made_up_or_missing_token_fails(member):
    assert ApiClient("nmt_" + "x" * 43).get("/api/v1/me/registrations/").status_code == 401
    assert ApiClient().get("/api/v1/me/registrations/").status_code == 401
    # A session does not sign API requests (no CSRF on the API because no cookie counts).
    client = Client()
    client.force_login(member)
    assert client.get("/api/v1/me/registrations/").status_code == 401


def test_a_read_token_cannot_write(member):
    training = TrainingFactory()
    api = ApiClient(token_for(member, TokenScope.READ))
    response = api.post("/api/v1/me/registrations/", {"training": training.slug})
    assert response.status_code == 403
    assert response.json()["code"] == "token_scope"
    assert not Registration.objects.exists()
    assert api.get("/api/v1/me/registrations/").status_code == 200


def test_each_token_has_a_rate_limit_with_retry_after(member, settings):
    settings.API_RATE_LIMIT = 3
    api = ApiClient(token_for(member))
    other = ApiClient(token_for(member))
    answers = [api.get("/api/v1/me/credentials/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = api.get("/api/v1/me/credentials/")
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert other.get("/api/v1/me/credentials/").status_code == 200  # each token apart


def test_the_token_page_shows_a_new_token_once_and_revokes(client, member):
    client.force_login(member)
    response = client.post("/me/tokens/", {"name": "HR sync", "scope": "read", "days": "90"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["created"]["raw"]
    assert raw in response.content.decode()
    listed = client.get("/me/tokens/").content.decode()
    assert "HR sync" in listed
    assert raw not in listed
    token = ApiToken.objects.get()
    assert client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 302
    assert ApiClient(raw).get("/api/v1/me/credentials/").status_code == 401


def test_the_token_page_says_what_is_wrong(client, member):
    client.force_login(member)
    response = client.post("/me/tokens/", {"name": "", "scope": "root", "days": "9999"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scope", "days"}
    assert not ApiToken.objects.exists()


def test_someone_else_s_token_cannot_be_revoked(client, member, staff_a):
    token_for(staff_a)
    client.force_login(member)
    token = ApiToken.objects.get()
    assert client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --- Public lists -------------------------------------------------------------------------------


def test_trainings_use_the_catalogue_s_filters_and_page_by_cursor(django_assert_max_num_queries):
    online = [TrainingFactory(format="online", days_ahead=d) for d in range(3, 10)]
    TrainingFactory(format="in_person")
    TrainingFactory(format="online", status=Status.DRAFT)
    api = ApiClient()
    seen = []
    cursor = None
    for _ in range(4):
        data = {"format": "online", "limit": 3, **({"cursor": cursor} if cursor else {})}
        with django_assert_max_num_queries(3):
            body = api.get("/api/v1/trainings/", data).json()
        seen += [item["slug"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [training.slug for training in online]


def test_a_bad_filter_or_cursor_answers_400_with_a_reason():
    api = ApiClient()
    response = api.get("/api/v1/trainings/", {"kind": "surgery"})
    assert response.status_code == 400
    assert response.json()["code"] == "filter_error"
    assert "kind" in response.json()["fields"]
    assert api.get("/api/v1/trainings/", {"cursor": "forged"}).json()["code"] == "paging_error"
    assert api.get("/api/v1/trainings/", {"limit": "1000"}).status_code == 400
    assert api.get("/api/v1/agencies/", {"county": "atlantis"}).status_code == 400


def test_the_query_count_does_not_grow_with_the_page(django_assert_max_num_queries):
    for days in range(3, 43):
        TrainingFactory(days_ahead=days)
    api = ApiClient()
    with django_assert_max_num_queries(3):
        assert len(api.get("/api/v1/trainings/", {"limit": 5}).json()["items"]) == 5
    with django_assert_max_num_queries(3):
        assert len(api.get("/api/v1/trainings/", {"limit": 40}).json()["items"]) == 40


def test_a_get_carries_an_etag_and_answers_304_to_it():
    TrainingFactory()
    api = ApiClient()
    etag = api.get("/api/v1/trainings/")["ETag"]
    not_modified = api.client.get("/api/v1/trainings/", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    TrainingFactory()
    changed = api.client.get("/api/v1/trainings/", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_draft_training_is_not_found():
    draft = TrainingFactory(status=Status.DRAFT)
    response = ApiClient().get(f"/api/v1/trainings/{draft.slug}/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": None}


# --- My registrations ---------------------------------------------------------------------------


def test_a_member_registers_and_cancels_through_the_services(member, mailoutbox):
    training = TrainingFactory(capacity=1)
    api = ApiClient(token_for(member))
    created = api.post("/api/v1/me/registrations/", {"training": training.slug})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == RegistrationStatus.CONFIRMED
    again = api.post("/api/v1/me/registrations/", {"training": training.slug})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert Registration.objects.count() == 1
    cancelled = api.post(f"/api/v1/me/registrations/{body['id']}/cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == RegistrationStatus.CANCELLED
    training.refresh_from_db()
    assert training.seats_taken == 0


def test_a_full_training_waitlists_and_a_closed_one_refuses_with_the_page_s_reason(member):
    full = TrainingFactory(capacity=1)
    RegistrationFactory(training=full)
    api = ApiClient(token_for(member))
    waitlisted = api.post("/api/v1/me/registrations/", {"training": full.slug})
    assert waitlisted.json()["status"] == RegistrationStatus.WAITLISTED
    closed = TrainingFactory(registration_closes_at=days_from_today(-1))
    refused = api.post("/api/v1/me/registrations/", {"training": closed.slug})
    assert refused.status_code == 400
    assert refused.json()["code"] == "registration_error"
    assert refused.json()["message"]
    assert api.post("/api/v1/me/registrations/", {"training": "no-such"}).status_code == 404
    assert api.post("/api/v1/me/registrations/", {"nothing": 1}).json()["code"] == "invalid"


def test_someone_else_s_registration_answers_404(member, staff_a):
    registration = RegistrationFactory(person=staff_a.person)
    api = ApiClient(token_for(member))
    assert api.post(f"/api/v1/me/registrations/{registration.pk}/cancel/").status_code == 404
    registration.refresh_from_db()
    assert registration.status != RegistrationStatus.CANCELLED


# --- A coordinator's agency ---------------------------------------------------------------------


def test_a_coordinator_reads_the_roster_and_the_figures(coordinator_a, staff_a, agency_a):
    CredentialFactory(person=staff_a.person, level="phase_1")
    api = ApiClient(token_for(coordinator_a))
    roster = api.get(f"/api/v1/agencies/{agency_a.slug}/roster/").json()["items"]
    assert {member["email"] for member in roster} == {
        "staff-a@example.org",
        "coordinator-a@example.org",
    }
    figures = api.get(f"/api/v1/agencies/{agency_a.slug}/figures/").json()
    assert figures["staff"] == 2
    assert figures["phase_1"] == 1
    credentials = api.get(f"/api/v1/agencies/{agency_a.slug}/credentials/").json()["items"]
    assert [c["person"] for c in credentials] == [staff_a.person.pk]


def test_another_agency_answers_404_like_its_pages(coordinator_b, agency_a):
    api = ApiClient(token_for(coordinator_b))
    for part in ("roster", "registrations", "credentials", "certificates", "figures"):
        response = api.get(f"/api/v1/agencies/{agency_a.slug}/{part}/")
        assert response.status_code == 404, part
    assert api.get("/api/v1/agencies/no-such-agency/roster/").status_code == 404


def test_the_directory_lists_agencies_by_name():
    AgencyFactory(name="Beta")
    AgencyFactory(name="Alpha")
    names = [a["name"] for a in ApiClient().get("/api/v1/agencies/").json()["items"]]
    assert names == sorted(names)


def test_a_cursor_keeps_text_that_looks_like_a_time_as_text():
    """The directory pages on names: a key that reads like a datetime ("2026-01-05T10:00")
    comes back from the cursor as the same text, and a datetime key as a datetime."""
    moment = timezone.now()
    cursor = signing.dumps([paging._encode("2026-01-05T10:00"), paging._encode(moment)],
                           salt=paging.SALT)  # fmt: skip
    text, when = (paging._decode(v) for v in signing.loads(cursor, salt=paging.SALT))
    assert text == "2026-01-05T10:00"
    assert when == moment
