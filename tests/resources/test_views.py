"""The library's pages: detail, download, training materials, the home page, sharing, and the
number of queries each page issues.

Query counts, measured on PostgreSQL for an anonymous visitor (no session):

- ``/resources/`` (20 a page): 5 — the count, the page of resources with their agency, their
  topics (one prefetch), and the topic and audience choices of the filter form. The same with a
  search query (rank and snippets are computed in the page query).
- ``/resources/<slug>/``: 4 — the resource with its agency and contributor, its topics, its
  audiences, its trainings.

A signed-in visitor adds 2 (the session and the user).
"""

import html

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from resources.models import Audience, Resource, ResourceKind, ResourceStatus, Topic, Visibility
from tests.factories import AgencyFactory, TrainingFactory, UserFactory
from tests.resources.factories import PDF_BYTES, ResourceFactory, pdf_upload

pytestmark = pytest.mark.django_db

LIST_QUERIES = 5
DETAIL_QUERIES = 4
SIGNED_IN_QUERIES = 2  # the session and the user


def detail(resource) -> str:
    return reverse("resources:detail", kwargs={"slug": resource.slug})


def download(resource) -> str:
    return reverse("resources:download", kwargs={"slug": resource.slug})


def content_of(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


@pytest.fixture
def member_user(db):
    return UserFactory(email="reader@example.org")


# --- Detail page ------------------------------------------------------------------------------

BODY = "Step one: **name the feeling**.\n\nStep two: breathe."


def test_public_resource_shows_its_body_and_download_to_everyone(client):
    resource = ResourceFactory(with_file=True, body=BODY)

    page = client.get(detail(resource)).content.decode()

    assert "<strong>name the feeling</strong>" in page
    assert f'href="{download(resource)}"' in page
    assert "Sign in to read and download it" not in page


def test_members_only_resource_asks_anonymous_visitors_to_sign_in(client):
    resource = ResourceFactory(
        with_file=True, body=BODY, visibility=Visibility.MEMBERS, summary="A short summary."
    )

    response = client.get(detail(resource))

    page = response.content.decode()
    assert response.status_code == 200
    assert resource.title in page
    assert "A short summary." in page  # the summary is public
    assert "Members only" in page
    assert "name the feeling" not in page
    assert download(resource) not in page
    assert "Sign in to read and download it" in page
    assert f"{reverse('account_login')}?next={detail(resource)}" in page.replace("%2F", "/")


def test_members_only_link_is_hidden_from_anonymous_visitors(client, member_user):
    resource = ResourceFactory(
        visibility=Visibility.MEMBERS, external_url="https://example.org/private-recording"
    )

    assert "private-recording" not in client.get(detail(resource)).content.decode()
    client.force_login(member_user)
    assert "private-recording" in client.get(detail(resource)).content.decode()


def test_members_only_resource_shows_body_and_download_when_signed_in(client, member_user):
    resource = ResourceFactory(with_file=True, body=BODY, visibility=Visibility.MEMBERS)
    client.force_login(member_user)

    page = client.get(detail(resource)).content.decode()

    assert "<strong>name the feeling</strong>" in page
    assert f'href="{download(resource)}"' in page
    assert "Sign in to read and download it" not in page


def test_detail_shows_topics_audiences_agency_and_trainings(client, topic, audience):
    training = TrainingFactory(title="NME Phase I, spring cohort")
    agency = AgencyFactory(name="Bayside Clinic")
    resource = ResourceFactory(
        topics=[topic], audiences=[audience], trainings=[training], contributed_agency=agency
    )

    page = client.get(detail(resource)).content.decode()

    assert f'href="{reverse("resources:list")}?topic={topic.slug}"' in page
    assert "Educators" in page
    assert "Bayside Clinic" in page
    assert "NME Phase I, spring cohort" in page
    assert training.get_absolute_url() in page


def test_body_markdown_is_sanitised_on_the_page(client):
    resource = ResourceFactory(
        body="<script>alert(1)</script>\n\n[x](javascript:alert(2)) <img src=x onerror=alert(3)>"
    )
    page = client.get(detail(resource)).content.decode()
    main = page[page.index("<main") :]
    assert "alert(" not in main


@pytest.mark.parametrize(
    "status", [ResourceStatus.DRAFT, ResourceStatus.SUBMITTED, ResourceStatus.ARCHIVED]
)
def test_unpublished_resources_are_not_found(client, superuser, status):
    resource = ResourceFactory(with_file=True, status=status)
    client.force_login(superuser)  # not even for curators: they preview in the admin

    assert client.get(detail(resource)).status_code == 404
    response = client.get(download(resource))
    response.close()
    assert response.status_code == 404


def test_unknown_slug_is_not_found(client):
    assert client.get("/resources/no-such-thing/").status_code == 404
    assert client.get("/resources/no-such-thing/download/").status_code == 404


# --- Download ---------------------------------------------------------------------------------


def test_members_only_download_sends_anonymous_visitors_to_sign_in(client):
    resource = ResourceFactory(with_file=True, visibility=Visibility.MEMBERS)

    response = client.get(download(resource))
    response.close()

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account_login')}?next=%2Fresources%2F{resource.slug}%2F"
    )


def test_members_only_download_is_an_attachment_for_signed_in_members(client, member_user):
    resource = ResourceFactory(with_file=True, visibility=Visibility.MEMBERS)
    client.force_login(member_user)

    response = client.get(download(resource))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.pdf"')
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert content_of(response) == PDF_BYTES


def test_public_download_needs_no_sign_in(client):
    resource = ResourceFactory(with_file=True)

    response = client.get(download(resource))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert content_of(response).startswith(b"%PDF")


def test_a_stored_file_of_unknown_type_is_served_as_octet_stream(client):
    resource = ResourceFactory(with_file=True, file_type="")
    response = client.get(download(resource))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    content_of(response)


def test_a_link_resource_has_no_download(client, member_user):
    resource = ResourceFactory(external_url="https://example.org/video")
    client.force_login(member_user)
    response = client.get(download(resource))
    response.close()
    assert response.status_code == 404


# --- Training page and home page --------------------------------------------------------------


def test_training_page_lists_its_published_materials(client):
    training = TrainingFactory()
    ResourceFactory(title="Slides for day one", trainings=[training], kind=ResourceKind.SLIDE_DECK)
    ResourceFactory(
        title="Recording of day one", trainings=[training], visibility=Visibility.MEMBERS
    )
    ResourceFactory(title="Draft handout", trainings=[training], status=ResourceStatus.DRAFT)
    ResourceFactory(title="Archived handout", trainings=[training], status=ResourceStatus.ARCHIVED)
    ResourceFactory(title="For another training", trainings=[TrainingFactory()])

    page = client.get(training.get_absolute_url()).content.decode()

    assert "Training materials" in page
    assert "Slides for day one" in page
    assert "Slide deck" in page
    assert "Recording of day one" in page
    assert "members only" in page
    for absent in ("Draft handout", "Archived handout", "For another training"):
        assert absent not in page


def test_training_page_without_materials_has_no_materials_section(client):
    training = TrainingFactory()
    assert "Training materials" not in client.get(training.get_absolute_url()).content.decode()


def test_home_page_lists_featured_resources_in_their_order(client):
    ResourceFactory(title="Second pick", featured=True, featured_order=2)
    ResourceFactory(title="First pick", featured=True, featured_order=1)
    ResourceFactory(title="Not featured")
    ResourceFactory(title="Featured draft", featured=True, status=ResourceStatus.DRAFT)

    page = client.get(reverse("home")).content.decode()

    assert "From the library" in page
    assert page.index("First pick") < page.index("Second pick")
    assert "Not featured" not in page
    assert "Featured draft" not in page


def test_home_page_without_featured_resources_has_no_library_section(client):
    ResourceFactory(title="Not featured")
    assert "From the library" not in client.get(reverse("home")).content.decode()


# --- Share ------------------------------------------------------------------------------------

SHARE = reverse("resources:share")


def test_share_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(SHARE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={SHARE}"
    assert client.post(SHARE, {"title": "x"}).status_code == 302
    assert Resource.objects.count() == 0


def test_sharing_creates_a_submitted_resource_and_emails_curators(
    client, contributor, topic, audience, django_capture_on_commit_callbacks, mailoutbox
):
    UserFactory(email="curator@example.org", is_staff=True)
    agency = contributor.memberships.get().agency
    client.force_login(contributor.user)
    assert client.get(SHARE).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            SHARE,
            {
                "title": "Morning check-ins",
                "kind": ResourceKind.STORY,
                "summary": "A two-minute check-in that settled our mornings.",
                "body": "We asked one question.",
                "model": "nme",
                "topics": [topic.pk],
                "audiences": [audience.pk],
                "external_url": "example.org/check-ins",
                "agency": str(agency.pk),
            },
            follow=True,
        )

    assert response.redirect_chain == [(reverse("resources:list"), 302)]
    assert "Thank you! Curators will review your proposal and email you." in (
        response.content.decode().replace("&#x27;", "'")
    )
    resource = Resource.objects.get()
    assert resource.status == ResourceStatus.SUBMITTED
    assert resource.contributed_by == contributor
    assert resource.contributed_agency == agency
    assert resource.external_url == "https://example.org/check-ins"
    assert list(resource.topics.all()) == [topic]
    assert [email.to for email in mailoutbox] == [["curator@example.org"]]
    # Not in the library until a curator publishes it.
    assert "Morning check-ins" not in client.get(reverse("resources:list")).content.decode()


def test_sharing_on_behalf_of_an_agency_one_does_not_belong_to_is_refused(client, contributor):
    stranger_agency = AgencyFactory(name="Not mine")
    client.force_login(contributor.user)

    response = client.post(
        SHARE,
        {
            "title": "x",
            "kind": "guide",
            "summary": "x",
            "model": "nmt",
            "external_url": "https://example.org",
            "agency": str(stranger_agency.pk),
        },
    )

    assert response.status_code == 400
    assert Resource.objects.count() == 0


def test_share_form_without_agencies_has_no_agency_field(client, member):
    client.force_login(member)
    response = client.get(SHARE)
    assert "agency" not in response.context["form"].fields


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "Attach a file or give a link."),
        (
            {"external_url": "https://example.org/x", "file": "pdf"},
            "Give either a file or a link, not both.",
        ),
        ({"external_url": "https://exa mple.org"}, "Enter a web address, e.g."),
    ],
    ids=["neither", "both", "bad-link"],
)
def test_share_form_explains_what_is_missing(client, contributor, extra, message):
    if extra.get("file"):
        extra = {**extra, "file": pdf_upload()}
    client.force_login(contributor.user)

    response = client.post(
        SHARE, {"title": "x", "kind": "guide", "summary": "x", "model": "nmt", **extra}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Resource.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,hi",
        "ftp://x.org",
    ],
)
def test_share_form_says_the_link_must_be_http_beside_the_link_field(client, contributor, link):
    client.force_login(contributor.user)

    response = client.post(
        SHARE,
        {"title": "x", "kind": "guide", "summary": "x", "model": "nmt", "external_url": link},
    )

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert (
        '<small class="field-error" id="id_external_url_error">The link must be a web address '
        "starting with http:// or https://.</small>"
    ) in page
    assert "Attach a file or give a link." not in page  # a link was given
    assert Resource.objects.count() == 0


# --- Query counts -----------------------------------------------------------------------------


def make_resources(count: int) -> None:
    """``count`` published resources, each with its own agency, two topics and an audience."""
    topics = list(Topic.objects.all()[:2]) or [
        Topic.objects.create(name=f"Topic {n}", slug=f"topic-{n}") for n in range(2)
    ]
    audience = Audience.objects.first() or Audience.objects.create(name="A", slug="a")
    agencies = [AgencyFactory() for _ in range(min(count, 5))]
    now = timezone.now()
    resources = Resource.objects.bulk_create(
        Resource(
            title=f"Regulation guide {n}",
            slug=f"qc-guide-{n}",
            summary="How regulation comes before reasoning.",
            body="Regulate, relate, reason. " * 20,
            kind=ResourceKind.GUIDE,
            external_url="https://example.org/guide",
            status=ResourceStatus.PUBLISHED,
            visibility=Visibility.MEMBERS if n % 3 == 0 else Visibility.PUBLIC,
            contributed_agency=agencies[n % len(agencies)],
            published_at=now - timezone.timedelta(hours=n),
        )
        for n in range(count)
    )
    Resource.topics.through.objects.bulk_create(
        Resource.topics.through(resource_id=resource.pk, topic_id=topic.pk)
        for resource in resources
        for topic in topics
    )
    Resource.audiences.through.objects.bulk_create(
        Resource.audiences.through(resource_id=resource.pk, audience_id=audience.pk)
        for resource in resources
    )


@pytest.mark.parametrize("count", [1, 200])
@pytest.mark.parametrize(
    "params",
    [{}, {"q": "regulation"}, {"q": "regulation", "sort": "newest", "language": "en"}],
)
def test_list_page_queries_do_not_grow_with_the_resources(
    client, django_assert_num_queries, count, params
):
    make_resources(count)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("resources:list"), params)
    assert len(response.context["results"]) == min(count, 20)


@pytest.mark.parametrize("count", [1, 200])
def test_list_page_queries_for_a_signed_in_member(
    client, member_user, django_assert_num_queries, count
):
    make_resources(count)
    client.force_login(member_user)
    with django_assert_num_queries(LIST_QUERIES + SIGNED_IN_QUERIES):
        client.get(reverse("resources:list"), {"q": "regulation"})


@pytest.mark.parametrize("count", [1, 200])
def test_detail_page_queries_do_not_grow_with_the_resources(
    client, django_assert_num_queries, count
):
    make_resources(count)
    resource = Resource.objects.get(slug="qc-guide-0")
    resource.trainings.set([TrainingFactory(), TrainingFactory()])
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(detail(resource))
    assert response.status_code == 200
