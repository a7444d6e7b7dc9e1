"""Publish and Decline on a submitted resource's own admin page: POST-only views that go through
``resource_publish`` and ``resource_decline``, for staff with the change permission."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from resources.models import Resource, ResourceStatus
from tests.factories import UserFactory
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def change_url(resource) -> str:
    return reverse("admin:resources_resource_change", args=[resource.pk])


def publish_url(resource) -> str:
    return reverse("admin:resources_resource_publish", args=[resource.pk])


def decline_url(resource) -> str:
    return reverse("admin:resources_resource_decline", args=[resource.pk])


@pytest.fixture
def submission(contributor):
    return ResourceFactory(
        title="Our calm-down corner",
        status=ResourceStatus.SUBMITTED,
        published_at=None,
        contributed_by=contributor,
    )


@pytest.fixture
def viewer(db):
    """Staff who may look at resources but not change them."""
    user = UserFactory(email="viewer@example.org", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_resource"))
    return user


def test_a_submitted_resource_page_has_publish_and_decline_forms(client, curator, submission):
    client.force_login(curator)

    page = client.get(change_url(submission)).content.decode()

    assert f'action="{publish_url(submission)}"' in page
    assert f'action="{decline_url(submission)}"' in page
    assert 'name="note"' in page


def test_a_published_resource_page_has_neither(client, curator):
    resource = ResourceFactory()
    client.force_login(curator)

    page = client.get(change_url(resource)).content.decode()

    assert publish_url(resource) not in page
    assert decline_url(resource) not in page


def test_staff_who_may_only_view_get_no_buttons_and_cannot_publish(client, viewer, submission):
    client.force_login(viewer)

    page = client.get(change_url(submission)).content.decode()
    response = client.post(publish_url(submission))

    assert publish_url(submission) not in page
    assert response.status_code == 403
    assert Resource.objects.get(pk=submission.pk).status == ResourceStatus.SUBMITTED


def test_a_member_without_staff_access_is_sent_to_sign_in(client, contributor, submission):
    client.force_login(contributor.user)

    response = client.post(publish_url(submission))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Resource.objects.get(pk=submission.pk).status == ResourceStatus.SUBMITTED


def test_publish_publishes_emails_the_contributor_and_comes_back_with_a_message(
    client, curator, submission, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(curator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(publish_url(submission), follow=True)

    assert response.redirect_chain == [(change_url(submission), 302)]
    assert "Published; the contributor has been emailed." in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == ResourceStatus.PUBLISHED
    assert submission.reviewed_by == curator
    assert [message.to for message in mailoutbox] == [["casey@example.org"]]


def test_publish_takes_no_get(client, curator, submission):
    client.force_login(curator)

    response = client.get(publish_url(submission))

    assert response.status_code == 405
    assert Resource.objects.get(pk=submission.pk).status == ResourceStatus.SUBMITTED


def test_publish_checks_the_csrf_token(curator, submission):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)

    response = client.post(publish_url(submission))

    assert response.status_code == 403
    assert Resource.objects.get(pk=submission.pk).status == ResourceStatus.SUBMITTED


def test_decline_from_the_page_needs_a_note_then_declines(
    client, curator, submission, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(curator)

    blank = client.post(decline_url(submission), {"note": " "})
    with django_capture_on_commit_callbacks(execute=True):
        declined = client.post(decline_url(submission), {"note": "Please add the source."})

    assert "This field is required." in blank.content.decode()
    assert declined.status_code == 302
    submission.refresh_from_db()
    assert submission.status == ResourceStatus.DRAFT
    assert submission.review_note == "Please add the source."
    assert len(mailoutbox) == 1


def test_an_unknown_resource_answers_404(client, curator):
    client.force_login(curator)

    response = client.post(reverse("admin:resources_resource_publish", args=[999_999]))

    assert response.status_code == 404
