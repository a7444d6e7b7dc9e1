"""Proposals and curation: services, and the admin that goes through them."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from resources import services
from resources.models import Resource, ResourceKind, ResourceModel, ResourceStatus
from tests.factories import UserFactory
from tests.resources.factories import ResourceFactory, pdf_upload

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:resources_resource_changelist"


@pytest.fixture
def curators(db):
    """Two active staff users (the curators); an inactive one and a non-staff user are not."""
    UserFactory(email="former@example.org", is_staff=True, is_active=False)
    UserFactory(email="not-staff@example.org")
    return [
        UserFactory(email="cur1@example.org", is_staff=True),
        UserFactory(email="cur2@example.org", is_staff=True, is_superuser=True),
    ]


def propose(person, **overrides) -> Resource:
    fields = {
        "person": person,
        "title": "  Our calm-down corner ",
        "summary": "How one classroom set up a sensory corner. ",
        "body": "We started **small**.",
        "kind": ResourceKind.STORY,
        "model": ResourceModel.NME,
        "external_url": "https://example.org/corner",
        **overrides,
    }
    return services.resource_propose(**fields)


def submitted(contributor, **kwargs) -> Resource:
    return ResourceFactory(
        status=ResourceStatus.SUBMITTED, published_at=None, contributed_by=contributor, **kwargs
    )


# --- Proposals --------------------------------------------------------------------------------


def test_proposal_is_saved_as_submitted_and_curators_are_emailed(
    contributor, curators, topic, audience, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        resource = propose(contributor, topics=[topic], audiences=[audience])

    resource.refresh_from_db()
    assert resource.status == ResourceStatus.SUBMITTED
    assert resource.title == "Our calm-down corner"
    assert resource.summary == "How one classroom set up a sensory corner."
    assert resource.slug == "our-calm-down-corner"
    assert resource.contributed_by == contributor
    assert resource.published_at is None
    assert list(resource.topics.all()) == [topic]
    assert list(resource.audiences.all()) == [audience]
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert sorted(email.to) == ["cur1@example.org", "cur2@example.org"]
    assert email.subject == "To review: “Our calm-down corner”"
    assert "Casey Contributor proposed" in email.body
    assert "How one classroom set up a sensory corner." in email.body
    assert reverse("admin:resources_resource_change", args=[resource.pk]) in email.body


def test_proposal_with_no_curators_sends_nothing(
    contributor, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        propose(contributor)
    assert mailoutbox == []


def test_proposals_with_the_same_title_get_distinct_slugs(contributor):
    first, second = propose(contributor), propose(contributor)
    assert (first.slug, second.slug) == ("our-calm-down-corner", "our-calm-down-corner-2")


@pytest.mark.parametrize("both", [True, False], ids=["file-and-link", "neither"])
def test_proposal_needs_exactly_one_of_a_file_and_a_link(contributor, both):
    with pytest.raises(services.ResourceError):
        propose(
            contributor,
            upload=pdf_upload() if both else None,
            external_url="https://example.org/x" if both else "",
        )
    assert Resource.objects.count() == 0


def test_proposal_with_a_file_records_its_type_and_size(contributor):
    resource = propose(contributor, upload=pdf_upload(), external_url="")
    assert resource.file_type == "application/pdf"
    assert resource.file_size > 0
    assert resource.file.name.endswith(".pdf")


# --- Publish and decline ----------------------------------------------------------------------


def test_publishing_a_submission_sets_the_date_and_emails_the_contributor(
    contributor, superuser, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.SITE_URL = "https://portal.example"
    resource = submitted(contributor, title="Our corner", slug="our-corner")

    with django_capture_on_commit_callbacks(execute=True):
        services.resource_publish(resource=resource, reviewed_by=superuser)

    resource.refresh_from_db()
    assert resource.status == ResourceStatus.PUBLISHED
    assert resource.published_at is not None
    assert resource.reviewed_by == superuser
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["casey@example.org"]
    assert mailoutbox[0].subject == "Published: “Our corner”"
    assert "https://portal.example/resources/our-corner/" in mailoutbox[0].body


def test_publishing_twice_changes_nothing_and_emails_once(
    contributor, superuser, django_capture_on_commit_callbacks, mailoutbox
):
    resource = submitted(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_publish(resource=resource, reviewed_by=superuser)
    first_date = Resource.objects.get(pk=resource.pk).published_at

    with django_capture_on_commit_callbacks(execute=True):
        services.resource_publish(resource=resource, reviewed_by=superuser)

    assert Resource.objects.get(pk=resource.pk).published_at == first_date
    assert len(mailoutbox) == 1


def test_publishing_a_curators_own_draft_emails_no_one(
    superuser, django_capture_on_commit_callbacks, mailoutbox
):
    draft = ResourceFactory(status=ResourceStatus.DRAFT, published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_publish(resource=draft, reviewed_by=superuser)
    assert Resource.objects.get(pk=draft.pk).status == ResourceStatus.PUBLISHED
    assert mailoutbox == []


@pytest.mark.parametrize("note", ["", "   \n "])
def test_declining_needs_a_note(contributor, superuser, note, mailoutbox):
    resource = submitted(contributor)

    with pytest.raises(services.ResourceError, match=r"Write a note for the contributor\."):
        services.resource_decline(resource=resource, reviewed_by=superuser, note=note)

    assert Resource.objects.get(pk=resource.pk).status == ResourceStatus.SUBMITTED
    assert mailoutbox == []


def test_declining_with_a_note_returns_it_to_draft_and_emails_the_note(
    contributor, superuser, django_capture_on_commit_callbacks, mailoutbox
):
    resource = submitted(contributor, title="Our corner")
    note = "Please remove the student name from page 2."

    with django_capture_on_commit_callbacks(execute=True):
        services.resource_decline(resource=resource, reviewed_by=superuser, note=f" {note} ")

    resource.refresh_from_db()
    assert resource.status == ResourceStatus.DRAFT
    assert resource.review_note == note
    assert resource.reviewed_by == superuser
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["casey@example.org"]
    assert mailoutbox[0].subject == "About your proposal “Our corner”"
    assert note in mailoutbox[0].body
    assert note in mailoutbox[0].alternatives[0][0]


def test_plain_text_emails_quote_the_note_and_title_as_written(
    contributor, superuser, django_capture_on_commit_callbacks, mailoutbox
):
    resource = submitted(contributor, title="A caregiver's guide")

    with django_capture_on_commit_callbacks(execute=True):
        services.resource_decline(
            resource=resource, reviewed_by=superuser, note="Add the family's consent, please."
        )

    assert mailoutbox[0].subject == "About your proposal “A caregiver's guide”"
    assert "Add the family's consent, please." in mailoutbox[0].body


def test_only_submissions_can_be_declined(contributor, superuser):
    resource = ResourceFactory(contributed_by=contributor)
    with pytest.raises(services.ResourceError, match="Only submitted resources"):
        services.resource_decline(resource=resource, reviewed_by=superuser, note="No.")
    assert Resource.objects.get(pk=resource.pk).status == ResourceStatus.PUBLISHED


# --- Feature and archive ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [ResourceStatus.DRAFT, ResourceStatus.SUBMITTED, ResourceStatus.ARCHIVED]
)
def test_only_published_resources_can_be_featured(status):
    resource = ResourceFactory(status=status)
    with pytest.raises(services.ResourceError, match=r"Only published resources can be featured\."):
        services.resource_feature(resource=resource, featured=True)
    assert Resource.objects.get(pk=resource.pk).featured is False


def test_featuring_and_unfeaturing_a_published_resource():
    resource = ResourceFactory()
    services.resource_feature(resource=resource, featured=True)
    assert Resource.objects.get(pk=resource.pk).featured is True
    services.resource_feature(resource=resource, featured=False)
    assert Resource.objects.get(pk=resource.pk).featured is False


def test_archiving_unfeatures():
    resource = ResourceFactory(featured=True)
    services.resource_archive(resource=resource)
    resource.refresh_from_db()
    assert (resource.status, resource.featured) == (ResourceStatus.ARCHIVED, False)
    assert resource not in Resource.objects.featured()


# --- Admin actions go through the services ----------------------------------------------------


def run_action(client, action: str, resources) -> str:
    response = client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [r.pk for r in resources], "index": "0"},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_publish_action_publishes_and_emails_contributors(
    client, curator, contributor, django_capture_on_commit_callbacks, mailoutbox
):
    waiting = [submitted(contributor), submitted(contributor)]
    client.force_login(curator)

    with django_capture_on_commit_callbacks(execute=True):
        page = run_action(client, "publish", waiting)

    assert "Published 2 resources." in page
    for resource in waiting:
        resource.refresh_from_db()
        assert resource.status == ResourceStatus.PUBLISHED
        assert resource.reviewed_by == curator
        assert resource.published_at is not None
    assert [email.to for email in mailoutbox] == [["casey@example.org"]] * 2


def test_feature_action_features_published_ones_and_names_the_others(client, curator):
    published = ResourceFactory(title="Ready guide")
    draft = ResourceFactory(title="Unfinished guide", status=ResourceStatus.DRAFT)
    client.force_login(curator)

    page = run_action(client, "feature", [published, draft])

    assert "Featured 1 resource." in page
    assert "Unfinished guide: Only published resources can be featured." in page
    assert Resource.objects.get(pk=published.pk).featured is True
    assert Resource.objects.get(pk=draft.pk).featured is False


def test_unfeature_action(client, curator):
    resources = [ResourceFactory(featured=True), ResourceFactory(featured=True)]
    client.force_login(curator)

    page = run_action(client, "unfeature", resources)

    assert "Unfeatured 2 resources." in page
    assert not Resource.objects.filter(featured=True).exists()


def test_archive_action_archives_and_unfeatures(client, curator):
    resource = ResourceFactory(featured=True)
    client.force_login(curator)

    page = run_action(client, "archive", [resource])

    assert "Archived 1 resource." in page
    resource.refresh_from_db()
    assert (resource.status, resource.featured) == (ResourceStatus.ARCHIVED, False)


def test_publishing_through_the_change_form_emails_the_contributor(
    client, curator, contributor, django_capture_on_commit_callbacks, mailoutbox
):
    resource = submitted(contributor, title="Our corner", slug="our-corner")
    client.force_login(curator)
    form = {
        "title": resource.title,
        "slug": resource.slug,
        "kind": resource.kind,
        "model": resource.model,
        "language": resource.language,
        "summary": resource.summary,
        "body": "",
        "external_url": resource.external_url,
        "status": ResourceStatus.PUBLISHED,
        "visibility": resource.visibility,
        "featured_order": "0",
        "contributed_by": str(contributor.pk),
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:resources_resource_change", args=[resource.pk]), form)

    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.PUBLISHED
    assert resource.published_at is not None
    assert [email.subject for email in mailoutbox] == ["Published: “Our corner”"]


# --- Moderation queue, preview, decline view --------------------------------------------------


def test_moderation_filter_counts_the_waiting_submissions(client, curator, contributor):
    older, newer = submitted(contributor, title="Older"), submitted(contributor, title="Newer")
    ResourceFactory(title="Already out")
    ResourceFactory(title="A draft", status=ResourceStatus.DRAFT)
    client.force_login(curator)

    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "Waiting for review (2)" in page
    assert "2 submissions wait for review" in page

    queue = client.get(reverse(CHANGELIST), {"queue": "waiting"})
    titles = [resource.title for resource in queue.context["cl"].result_list]
    assert titles == [older.title, newer.title]  # oldest first
    assert "submissions wait for review" not in queue.content.decode()


WAITING = re.compile(r"\d+ submissions? waits? for review|Waiting for review \(\d+\)")


def test_after_publishing_a_submission_every_waiting_count_says_the_new_number(
    client, curator, contributor
):
    resources = [submitted(contributor, title=f"Proposal {n}") for n in range(3)]
    client.force_login(curator)
    assert WAITING.findall(client.get(reverse(CHANGELIST)).content.decode()) == [
        "3 submissions wait for review",
        "Waiting for review (3)",
    ]

    page = run_action(client, "publish", resources[:1])  # the changelist again, after it

    assert "Published 1 resource." in page
    assert WAITING.findall(page) == ["2 submissions wait for review", "Waiting for review (2)"]
    # Nothing stale left over for the next page either: the admin's index.
    assert WAITING.findall(client.get(reverse("admin:index")).content.decode()) == []
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert WAITING.findall(page) == ["2 submissions wait for review", "Waiting for review (2)"]


def test_preview_renders_the_sanitised_body(client, curator, contributor):
    resource = submitted(
        contributor,
        body=(
            "**Bold** move.\n\n<script>alert('x')</script>\n\n"
            "[bad](javascript:alert(1)) <img src=x onerror=alert(1)>"
        ),
    )
    client.force_login(curator)

    response = client.get(reverse("admin:resources_resource_preview", args=[resource.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Bold</strong> move." in page
    assert "alert(" not in page
    assert "onerror" not in page
    assert "javascript:" not in page
    assert reverse("admin:resources_resource_decline", args=[resource.pk]) in page


def test_preview_needs_view_permission(client, contributor):
    resource = submitted(contributor)
    staff = UserFactory(email="other-staff@example.org", is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("admin:resources_resource_preview", args=[resource.pk]))
    assert response.status_code == 403


def test_decline_view_asks_for_a_note_then_declines_and_emails(
    client, curator, contributor, django_capture_on_commit_callbacks, mailoutbox
):
    resource = submitted(contributor)
    url = reverse("admin:resources_resource_decline", args=[resource.pk])
    client.force_login(curator)

    assert client.get(url).status_code == 200
    blank = client.post(url, {"note": ""})
    assert blank.status_code == 200
    assert "This field is required." in blank.content.decode()
    assert Resource.objects.get(pk=resource.pk).status == ResourceStatus.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"note": "Too close to the NMT Metrics material."})

    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGELIST)
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.DRAFT
    assert resource.review_note == "Too close to the NMT Metrics material."
    assert len(mailoutbox) == 1
    assert "Too close to the NMT Metrics material." in mailoutbox[0].body


def test_decline_view_shows_the_services_refusal_for_a_published_resource(
    client, curator, mailoutbox
):
    resource = ResourceFactory()
    client.force_login(curator)

    response = client.post(
        reverse("admin:resources_resource_decline", args=[resource.pk]),
        {"note": "No."},
        follow=True,
    )

    assert "Only submitted resources can be declined." in response.content.decode()
    assert Resource.objects.get(pk=resource.pk).status == ResourceStatus.PUBLISHED
    assert mailoutbox == []


def test_decline_view_needs_change_permission(client, contributor):
    resource = submitted(contributor)
    viewer = UserFactory(email="viewer@example.org", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_resource"))
    client.force_login(viewer)

    assert (
        client.get(reverse("admin:resources_resource_preview", args=[resource.pk])).status_code
        == 200
    )
    response = client.post(
        reverse("admin:resources_resource_decline", args=[resource.pk]), {"note": "No."}
    )
    assert response.status_code == 403
    assert Resource.objects.get(pk=resource.pk).status == ResourceStatus.SUBMITTED


def test_changelist_shows_a_preview_link_per_row(client, curator):
    resource = ResourceFactory()
    client.force_login(curator)
    page = client.get(reverse(CHANGELIST)).content.decode()
    preview = reverse("admin:resources_resource_preview", args=[resource.pk])
    assert re.search(rf'<a href="{re.escape(preview)}">Preview</a>', page)
