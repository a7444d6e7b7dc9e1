"""RejectNulMiddleware: a NUL byte anywhere in the path, the query or a form is a 400, before any
view (or the admin) can hand it to PostgreSQL, which refuses NUL in text."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "Bad request: NUL byte in the address or the form."

TOKEN_URLS = [
    "/me/calendar/%00.ics",
    "/followups/%00/",
    "/digest/confirm/%00/",
    "/digest/unsubscribe/%00/",
    "/invitations/%00/",
    "/trainings/%00/",  # no view: refused before the resolver, too
]


def _refused(response) -> bool:
    return response.status_code == 400 and response.content.decode() == NUL_MESSAGE


@pytest.mark.parametrize("path", TOKEN_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_nul_byte_in_the_path_is_a_400(client, path, method):
    assert _refused(getattr(client, method)(path))


def _changelist_params():
    """The search and every field list filter of every registered ModelAdmin."""
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if model_admin.search_fields:
            yield pytest.param(url, "q", id=f"{url}?q")
        for spec in model_admin.list_filter:
            field = spec[0] if isinstance(spec, tuple) else spec
            if isinstance(field, str):
                yield pytest.param(url, f"{field}__exact", id=f"{url}?{field}__exact")


@pytest.mark.parametrize(("url", "param"), list(_changelist_params()))
def test_a_nul_byte_in_an_admin_search_or_filter_is_a_400(client, superuser, url, param):
    client.force_login(superuser)
    assert _refused(client.get(url, {param: "\x00"}))


def test_the_admin_changelist_cases_include_the_trainings_search_and_status():
    ids = {param.id for param in _changelist_params()}
    training = reverse("admin:trainings_training_changelist")
    assert {f"{training}?q", f"{training}?status__exact"} <= ids


# The filters and searches whose forms used to answer a NUL byte themselves, and more.
@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("trainings:list", {"q": "sensory\x00"}),
        ("trainings:list", {"kind": ["concepts", "\x00"]}),
        ("trainings:list", {"\x00": "1"}),
        ("trainings:past", {"q": "sensory\x00"}),
        ("trainings:feed", {"q": "x\x00"}),
        ("trainings:calendar", {"month": "\x00"}),
        ("resources:list", {"q": "calm \x00 room"}),
        ("resources:list", {"topic": "\x00"}),
        ("resources:list", {"model": "\x00"}),
        ("members:agency_list", {"q": "\x00"}),
    ],
    ids=str,
)
def test_a_nul_byte_in_a_query_value_or_name_is_a_400(client, url_name, query):
    assert _refused(client.get(reverse(url_name), query))


@pytest.mark.parametrize("form", [{"email": "a\x00@example.org"}, {"\x00": "x"}], ids=str)
def test_a_nul_byte_in_a_form_field_is_a_400(client, form):
    assert _refused(client.post(reverse("members:digest_subscribe"), form))


def test_a_nul_byte_in_a_multipart_form_field_is_a_400(client, member):
    client.force_login(member)
    response = client.post(
        reverse("resources:share"),
        {"title": "A\x00", "file": SimpleUploadedFile("guide.pdf", b"%PDF-1.4")},
    )
    assert _refused(response)


def test_an_uploaded_file_may_hold_nul_bytes(client, member):
    """Files are content, not text for the database: the form's own checks judge them."""
    client.force_login(member)
    response = client.post(
        reverse("resources:share"),
        {"title": "A guide", "file": SimpleUploadedFile("guide.pdf", b"%PDF-1.4\x00\x01")},
    )
    assert not _refused(response)


def test_requests_without_nul_pass(client):
    assert client.get(reverse("trainings:list"), {"q": "regulation"}).status_code == 200
