"""Library uploads are checked by their content, never their name, and limited to 25 MB."""

import io
import os
import re
import zipfile
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resources import services, uploads
from resources.models import Resource, ResourceKind, ResourceModel, ResourceStatus
from tests.resources.factories import (
    DOCX_MIME,
    PDF_BYTES,
    PPTX_MIME,
    XLSX_MIME,
    image_bytes,
    ooxml_bytes,
    pdf_upload,
    upload,
    xlsx_bytes,
)

BAD_TYPE = "This file's content is not a PDF, DOCX, PPTX, XLSX, PNG or JPEG file."
MB = 1024 * 1024
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not an office document")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test gets its own, empty MEDIA_ROOT, so "nothing was saved" can be checked."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def saved_files(media_root) -> list[str]:
    return [name for _, _, names in os.walk(media_root) for name in names]


# --- uploads.detect -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("guide.pdf", PDF_BYTES, "application/pdf"),
        ("worksheet.docx", ooxml_bytes("word/document.xml"), DOCX_MIME),
        ("slides.pptx", ooxml_bytes("ppt/presentation.xml"), PPTX_MIME),
        ("minimal.xlsx", ooxml_bytes("xl/workbook.xml"), XLSX_MIME),
        ("log.xlsx", xlsx_bytes(), XLSX_MIME),
        ("diagram.png", image_bytes("PNG"), "image/png"),
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("photo.jpeg", image_bytes("JPEG"), "image/jpeg"),
    ],
)
def test_accepted_file_types_are_recognised_by_their_content(name, content, mime):
    assert uploads.detect(upload(name, content)) == mime


def test_a_real_file_with_a_misleading_name_is_taken_for_what_it_is():
    assert uploads.detect(upload("notes.txt", PDF_BYTES, "text/plain")) == "application/pdf"


def test_detect_leaves_the_file_at_its_start_for_saving():
    file = pdf_upload()
    uploads.detect(file)
    assert file.read() == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        pytest.param("guide.pdf", HTML, "application/pdf", id="html-renamed-pdf"),
        pytest.param("guide.docx", HTML, DOCX_MIME, id="html-renamed-docx"),
        pytest.param("setup.exe", EXE, "application/x-msdownload", id="exe"),
        pytest.param("guide.pdf", EXE, "application/pdf", id="exe-renamed-pdf"),
        pytest.param("bundle.zip", zip_bytes(), "application/zip", id="zip"),
        pytest.param("bundle.docx", zip_bytes(), DOCX_MIME, id="zip-renamed-docx"),
        pytest.param(
            "logo.png",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/png",
            id="svg-renamed-png",
        ),
        pytest.param("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif", id="gif"),
        pytest.param("notes.pdf", b"Just some text that says %PDF later", "text/plain", id="text"),
        pytest.param("empty.pdf", b"", "application/pdf", id="empty"),
    ],
)
def test_other_content_is_rejected_whatever_its_name(name, content, content_type):
    with pytest.raises(ValidationError) as error:
        uploads.detect(upload(name, content, content_type))
    assert error.value.code == "bad_type"
    assert error.value.messages == [BAD_TYPE]


def test_a_file_over_25_mb_is_rejected_with_its_size():
    file = pdf_upload()
    file.size = 26 * MB  # what Django reports for the upload; no need to hold 26 MB here

    with pytest.raises(ValidationError) as error:
        uploads.detect(file)

    assert error.value.code == "too_large"
    assert error.value.messages == ["The file is 26.0 MB; the library accepts files up to 25 MB."]


def test_a_file_of_exactly_25_mb_is_accepted():
    file = pdf_upload()
    file.size = 25 * MB
    assert uploads.detect(file) == "application/pdf"


# --- The share form ---------------------------------------------------------------------------


def share_data(**overrides) -> dict:
    return {
        "title": "Our calm-down corner",
        "kind": ResourceKind.STORY,
        "summary": "How one classroom set up a sensory corner.",
        "body": "We started small.",
        "model": ResourceModel.NME,
        **overrides,
    }


def field_error(response, field: str) -> str:
    """The text of the error shown under ``field`` (the page's ``id_<field>_error``)."""
    match = re.search(
        rf'<small class="field-error" id="id_{field}_error">(.*?)</small>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no error beside {field}"
    return unescape(match.group(1))


@pytest.mark.django_db
def test_sharing_html_renamed_pdf_shows_the_message_beside_the_field_and_saves_nothing(
    client, contributor, media_root, mailoutbox
):
    client.force_login(contributor.user)

    response = client.post(
        reverse("resources:share"),
        share_data(file=SimpleUploadedFile("guide.pdf", HTML, content_type="application/pdf")),
    )

    assert response.status_code == 400
    assert field_error(response, "file") == BAD_TYPE
    assert 'aria-invalid="true"' in response.content.decode()
    assert Resource.objects.count() == 0
    assert saved_files(media_root) == []
    assert mailoutbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"), [("setup.exe", EXE), ("bundle.zip", zip_bytes())], ids=["exe", "zip"]
)
def test_sharing_an_executable_or_archive_is_refused(
    client, contributor, media_root, name, content
):
    client.force_login(contributor.user)

    response = client.post(reverse("resources:share"), share_data(file=upload(name, content)))

    assert response.status_code == 400
    assert field_error(response, "file") == BAD_TYPE
    assert Resource.objects.count() == 0
    assert saved_files(media_root) == []


@pytest.mark.django_db
def test_sharing_a_26_mb_file_shows_the_size_message_and_saves_nothing(
    client, contributor, media_root, tmp_path
):
    # A sparse file: 26 MB long, a real PDF header, next to nothing on disk.
    big = tmp_path / "big.pdf"
    with big.open("wb") as file:
        file.write(PDF_BYTES)
        file.truncate(26 * MB)
    client.force_login(contributor.user)

    with big.open("rb") as file:
        response = client.post(reverse("resources:share"), share_data(file=file))

    assert response.status_code == 400
    assert field_error(response, "file") == (
        "The file is 26.0 MB; the library accepts files up to 25 MB."
    )
    assert Resource.objects.count() == 0
    assert saved_files(media_root) == []


@pytest.mark.django_db
def test_sharing_a_real_docx_saves_it_with_its_detected_type_and_size(
    client, contributor, media_root
):
    content = ooxml_bytes("word/document.xml")
    client.force_login(contributor.user)

    response = client.post(
        reverse("resources:share"), share_data(file=upload("practice.docx", content))
    )

    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.status == ResourceStatus.SUBMITTED
    assert resource.file_type == DOCX_MIME
    assert resource.file_size == len(content)
    assert saved_files(media_root) == [os.path.basename(resource.file.name)]


@pytest.mark.django_db
def test_propose_service_refuses_bad_content_even_without_the_form(contributor, media_root):
    with pytest.raises(ValidationError):
        services.resource_propose(
            person=contributor,
            title="Sneaky",
            summary="x",
            body="",
            kind=ResourceKind.GUIDE,
            model=ResourceModel.NMT,
            upload=upload("sneaky.pdf", HTML),
        )
    assert Resource.objects.count() == 0
    assert saved_files(media_root) == []


# --- The admin form ---------------------------------------------------------------------------


def admin_data(**overrides) -> dict:
    return {
        "title": "Regulation first",
        "slug": "regulation-first",
        "kind": ResourceKind.GUIDE,
        "model": ResourceModel.BOTH,
        "language": "en",
        "summary": "A one-page guide.",
        "body": "",
        "external_url": "",
        "status": ResourceStatus.PUBLISHED,
        "visibility": "public",
        "featured_order": "0",
        **overrides,
    }


@pytest.mark.django_db
def test_admin_refuses_html_renamed_pdf_with_the_message(client, superuser, media_root):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:resources_resource_add"),
        admin_data(file=SimpleUploadedFile("guide.pdf", HTML, content_type="application/pdf")),
    )

    assert response.status_code == 200  # the admin shows its form again
    assert BAD_TYPE in response.content.decode().replace("&#x27;", "'")
    assert Resource.objects.count() == 0
    assert saved_files(media_root) == []


@pytest.mark.django_db
def test_admin_accepts_a_pdf_and_records_its_type_and_size(client, superuser, media_root):
    client.force_login(superuser)

    response = client.post(reverse("admin:resources_resource_add"), admin_data(file=pdf_upload()))

    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.file_type == "application/pdf"
    assert resource.file_size == len(PDF_BYTES)
    assert resource.published_at is not None


@pytest.mark.django_db
def test_admin_asks_for_a_file_or_a_link_not_both(client, superuser, media_root):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:resources_resource_add"),
        admin_data(file=pdf_upload(), external_url="https://example.org/guide"),
    )

    assert response.status_code == 200
    assert "Give either a file or a link, not both." in response.content.decode()
    assert Resource.objects.count() == 0


# --- The stored name follows the detected type ------------------------------------------------


def download_name(client, resource) -> str:
    response = client.get(reverse("resources:download", kwargs={"slug": resource.slug}))
    response.close()
    assert response.status_code == 200
    match = re.fullmatch(r'attachment; filename="(.*)"', response["Content-Disposition"])
    assert match, response["Content-Disposition"]
    return match.group(1)


@pytest.mark.django_db
def test_a_pdf_shared_as_x_html_is_stored_and_downloaded_as_a_pdf(client, contributor, media_root):
    client.force_login(contributor.user)

    response = client.post(
        reverse("resources:share"), share_data(file=upload("x.html", PDF_BYTES, "text/html"))
    )

    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.file_type == "application/pdf"
    assert os.path.basename(resource.file.name) == "x.pdf"
    assert saved_files(media_root) == ["x.pdf"]
    resource.status = ResourceStatus.PUBLISHED
    resource.save()
    assert download_name(client, resource) == "x.pdf"


@pytest.mark.django_db
def test_the_admin_stores_an_upload_under_its_detected_type(client, superuser, media_root):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:resources_resource_add"),
        admin_data(file=upload("Sensory Room Plan.html", image_bytes("PNG"), "text/html")),
    )

    assert response.status_code == 302
    resource = Resource.objects.get()
    assert os.path.basename(resource.file.name) == "sensory-room-plan.png"
    assert download_name(client, resource) == "sensory-room-plan.png"


@pytest.mark.django_db
def test_a_file_stored_under_a_wrong_extension_downloads_under_the_right_one(
    client, contributor, media_root
):
    resource = services.resource_propose(
        person=contributor,
        title="Old upload",
        summary="From before names followed the type.",
        body="",
        kind=ResourceKind.GUIDE,
        model=ResourceModel.NMT,
        upload=pdf_upload(),
    )
    resource.file.name = "resources/2025/01/x.html"  # as stored before
    resource.status = ResourceStatus.PUBLISHED
    resource.save()
    os.makedirs(media_root / "resources/2025/01")
    (media_root / "resources/2025/01/x.html").write_bytes(PDF_BYTES)

    assert download_name(client, resource) == "x.pdf"


@pytest.mark.parametrize(
    ("name", "mime", "stored"),
    [
        ("x.html", "application/pdf", "x.pdf"),
        ("Notes.final.PDF", "application/pdf", "notesfinal.pdf"),
        ("photo.jpeg", "image/jpeg", "photo.jpg"),
        ("C:\\Users\\ana\\Guía rápida.docx", DOCX_MIME, "guia-rapida.docx"),
        ("¿?.pptx", PPTX_MIME, "file.pptx"),
        ("resources/2025/01/kept.bin", "", "kept.bin"),
    ],
)
def test_file_names_take_the_extension_of_the_detected_type(name, mime, stored):
    assert uploads.file_name(name, mime) == stored
