"""The page cache of the public catalogue (portal/pagecache.py): anonymous visitors share one
render per address and language, browsers revalidate with ETag / Last-Modified, and any change
to a training or a session retires the cached pages as soon as it commits."""

import time

import pytest
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.http import http_date

from portal import pagecache
from tests.factories import PersonFactory, TrainingFactory, UserFactory
from trainings.models import Session, Training
from trainings.services import registration_create, training_cancel

pytestmark = pytest.mark.django_db

LIST = "/trainings/"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60
    caches[pagecache.CACHE_ALIAS].clear()


@pytest.fixture
def training(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return TrainingFactory(title="Sensory regulation in the classroom", capacity=3)


def _committed(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks of what the block does, as a real commit would."""
    return django_capture_on_commit_callbacks(execute=True)


def test_a_second_anonymous_visit_is_served_from_the_cache(
    client, training, django_assert_num_queries
):
    first = client.get(LIST)
    assert first.status_code == 200
    assert training.title in first.content.decode()
    # One query: the catalogue version and the page, read together.
    with django_assert_num_queries(1):
        second = client.get(LIST)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]
    assert second["Cache-Control"] == pagecache.CACHE_CONTROL
    assert "Cookie" in second["Vary"]
    assert "Accept-Language" in second["Vary"]
    # The middleware still adds its headers to a cached page.
    assert "script-src 'self'" in second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"


def test_each_address_has_its_own_entry(client, training):
    everything = client.get(LIST).content.decode()
    filtered = client.get(LIST, {"kind": "community_of_practice"}).content.decode()
    assert training.title in everything
    assert training.title not in filtered


def test_a_revalidation_with_the_etag_gets_304_without_a_render(
    client, training, django_assert_num_queries
):
    etag = client.get(LIST)["ETag"]
    with django_assert_num_queries(1):
        response = client.get(LIST, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    # A proxy that compresses the page weakens the tag: still the same page.
    assert client.get(LIST, headers={"if-none-match": f"W/{etag}"}).status_code == 304
    assert client.get(LIST, headers={"if-none-match": '"other"'}).status_code == 200


def test_a_revalidation_by_date_gets_304_until_the_page_changes(
    client, training, django_capture_on_commit_callbacks
):
    last_modified = client.get(LIST)["Last-Modified"]
    assert client.get(LIST, headers={"if-modified-since": last_modified}).status_code == 304
    earlier = http_date(time.time() - 3600)
    assert client.get(LIST, headers={"if-modified-since": earlier}).status_code == 200
    with _committed(django_capture_on_commit_callbacks):
        training.title = "Renamed"
        training.save()
    response = client.get(LIST, headers={"if-modified-since": last_modified})
    assert response.status_code == 200
    assert "Renamed" in response.content.decode()


def test_saving_a_training_retires_the_cached_pages(
    client, training, django_capture_on_commit_callbacks
):
    assert training.title in client.get(LIST).content.decode()
    calendar = client.get(reverse("trainings:calendar")).content
    with _committed(django_capture_on_commit_callbacks):
        training.title = "Attachment and the developing brain"
        training.save()
    assert "Attachment and the developing brain" in client.get(LIST).content.decode()
    assert client.get(reverse("trainings:calendar")).content != calendar


def test_a_service_a_bulk_update_and_a_deletion_each_retire_them(
    client, training, django_capture_on_commit_callbacks
):
    client.get(LIST)
    with _committed(django_capture_on_commit_callbacks):
        training_cancel(training=training)
    assert "Cancelled" in client.get(LIST).content.decode()

    with _committed(django_capture_on_commit_callbacks):
        Training.objects.filter(pk=training.pk).update(title="Updated in bulk")
    assert "Updated in bulk" in client.get(LIST).content.decode()

    with _committed(django_capture_on_commit_callbacks):
        Session.objects.filter(training=training).delete()
        Training.objects.filter(pk=training.pk).delete()
    assert "Updated in bulk" not in client.get(LIST).content.decode()


def test_a_registration_shows_on_cached_pages_within_the_seats_grace(
    client, training, django_capture_on_commit_callbacks, settings, monkeypatch
):
    """A seat change does not retire every page (that would empty the cache under load), but a
    page rendered before it is served only while younger than PAGE_CACHE_SEATS_SECONDS."""
    settings.PAGE_CACHE_SEATS_SECONDS = 5
    clock = [time.time()]
    monkeypatch.setattr(pagecache.time, "time", lambda: clock[0])
    version = caches[pagecache.CACHE_ALIAS].get(pagecache.VERSION_KEY)
    assert "3 seats left" in client.get(LIST).content.decode()
    clock[0] += 1
    with _committed(django_capture_on_commit_callbacks):
        registration_create(training=training, person=PersonFactory())
    assert caches[pagecache.CACHE_ALIAS].get(pagecache.VERSION_KEY) == version
    clock[0] += 2  # the page is 3 s old: still served, at most 5 s late
    assert "3 seats left" in client.get(LIST).content.decode()
    clock[0] += 2.5  # 5.5 s old, and older than the seat change: rendered again
    assert "2 seats left" in client.get(LIST).content.decode()
    clock[0] += 30  # rendered after the seat change: served until its lifetime ends
    assert "2 seats left" in client.get(LIST).content.decode()


def test_with_no_seats_grace_a_registration_shows_at_once(
    client, training, django_capture_on_commit_callbacks, settings
):
    settings.PAGE_CACHE_SEATS_SECONDS = 0
    assert "3 seats left" in client.get(LIST).content.decode()
    with _committed(django_capture_on_commit_callbacks):
        registration_create(training=training, person=PersonFactory())
    assert "2 seats left" in client.get(LIST).content.decode()


def test_a_registration_is_a_seat_change_and_any_other_save_retires_the_pages(
    training, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        registration_create(training=training, person=PersonFactory())
    assert pagecache._seats_changed_now in callbacks
    assert pagecache._new_version not in callbacks
    with django_capture_on_commit_callbacks() as callbacks:
        training.save(update_fields=["seats_taken"])
    assert callbacks == [pagecache._new_version]


def test_nothing_is_retired_before_the_commit_nor_by_a_rollback(
    client, training, django_capture_on_commit_callbacks
):
    """The new version is set after the commit, so a visitor rendering meanwhile cannot cache
    the old page under it; rolled back, the change retires nothing."""
    client.get(LIST)
    version = caches[pagecache.CACHE_ALIAS].get(pagecache.VERSION_KEY)
    assert version
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            training.title = "Rolled back"
            training.save()
            assert caches[pagecache.CACHE_ALIAS].get(pagecache.VERSION_KEY) == version
            transaction.set_rollback(True)
    assert callbacks == []
    assert caches[pagecache.CACHE_ALIAS].get(pagecache.VERSION_KEY) == version


def test_signed_in_visitors_always_get_their_own_page(client, training):
    client.get(LIST)  # cached for anonymous visitors
    user = UserFactory()
    client.force_login(user)
    page = client.get(LIST)
    assert "Sign out" in page.content.decode()
    assert "ETag" not in page
    assert client.get(LIST).content.decode().count("Sign out") == 1


def test_a_page_with_a_pending_message_is_not_shared(client, training):
    anonymous = Client()
    anonymous.get(LIST)
    client.cookies["messages"] = "pending"
    response = client.get(LIST)
    assert "ETag" not in response


def test_each_language_has_its_own_entry(client, training):
    english = client.get(LIST, headers={"accept-language": "en"}).content.decode()
    spanish = client.get(LIST, headers={"accept-language": "es"}).content.decode()
    assert 'lang="en' in english
    assert 'lang="es' in spanish


def test_invalid_filters_are_not_cached(client, training):
    assert client.get(LIST, {"kind": "nonsense"}).status_code == 400
    response = client.get(LIST, {"kind": "nonsense"})
    assert response.status_code == 400
    assert "ETag" not in response


def test_an_entry_lives_no_longer_than_its_lifetime(client, training, settings):
    settings.PAGE_CACHE_SECONDS = 1
    first = client.get(LIST)
    assert client.get(LIST)["Last-Modified"] == first["Last-Modified"]
    time.sleep(1.1)
    assert client.get(LIST)["Last-Modified"] != first["Last-Modified"]


def test_a_lost_version_key_starts_a_fresh_version(client, training):
    client.get(LIST)
    caches[pagecache.CACHE_ALIAS].delete(pagecache.VERSION_KEY)
    before = caches[pagecache.CACHE_ALIAS].get(pagecache.VERSION_KEY)
    assert before is None
    response = client.get(LIST)
    assert response.status_code == 200
    assert caches[pagecache.CACHE_ALIAS].get(pagecache.VERSION_KEY)


def test_with_the_page_cache_off_every_visit_renders(client, training, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(LIST)
    assert "ETag" not in client.get(LIST)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_real_commits_from_another_connection_retire_the_pages(client, settings):
    """No captured callbacks here: each change really commits, from another thread's
    connection, as in production where the registration and the visit are separate requests."""
    import threading

    from django.db import connection

    settings.PAGE_CACHE_SEATS_SECONDS = 0
    training = TrainingFactory(title="Phase I cohort", capacity=3)
    assert "3 seats left" in client.get(LIST).content.decode()
    assert client.get(LIST)["ETag"]

    def register():
        try:
            registration_create(training=Training.objects.get(pk=training.pk), person=person)
        finally:
            connection.close()

    person = PersonFactory()
    worker = threading.Thread(target=register)
    worker.start()
    worker.join()
    assert "2 seats left" in client.get(LIST).content.decode()


def test_home_and_a_training_page_are_cached_too_and_retired_by_a_library_change(
    client, training, django_capture_on_commit_callbacks
):
    from resources.models import Resource

    detail = training.get_absolute_url()
    for url in ("/", detail):
        first = client.get(url)
        assert first["ETag"]
        assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    version = caches[pagecache.CACHE_ALIAS].get(pagecache.VERSION_KEY)
    with _committed(django_capture_on_commit_callbacks):
        Resource.objects.filter(pk__in=[]).update(title="x")  # a bulk write, even of no rows
    assert caches[pagecache.CACHE_ALIAS].get(pagecache.VERSION_KEY) != version
    # Rendered again after the change, the same page still answers 304 to its ETag.
    etag = client.get("/")["ETag"]
    with _committed(django_capture_on_commit_callbacks):
        Resource.objects.filter(pk__in=[]).update(title="x")
    assert client.get("/", headers={"if-none-match": etag}).status_code == 304


def test_an_entry_of_an_earlier_shape_is_rendered_again_not_read(client, training):
    """During a rolling deploy the table may hold entries an earlier release wrote."""
    cache = caches[pagecache.CACHE_ALIAS]
    first = client.get(LIST)
    page_key = pagecache.page_key("en", LIST)
    entry = cache.get(page_key)
    assert entry["format"] == pagecache.ENTRY_FORMAT
    cache.set(page_key, {**entry, "format": 1, "body": b"not compressed"}, 60)
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.content == first.content
