"""Library factories and small real files of every accepted type, generated in the tests."""

import io
import zipfile

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from resources.models import Resource, ResourceKind, ResourceStatus

# A complete, one-page PDF (what `%PDF` sniffers and PDF readers both accept).
PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ooxml_bytes(main_part: str) -> bytes:
    """A minimal Office Open XML package whose main part is ``main_part`` (word/document.xml,
    ppt/presentation.xml, xl/workbook.xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        package.writestr("_rels/.rels", "<Relationships/>")
        package.writestr(main_part, "<document/>")
    return buffer.getvalue()


def image_bytes(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (15, 92, 99)).save(buffer, image_format)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Sensory diet log"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_upload(name: str = "guide.pdf"):
    return upload(name, PDF_BYTES, "application/pdf")


class ResourceFactory(factory.django.DjangoModelFactory):
    """A published, public resource with an external link. ``with_file=True`` gives it a PDF
    instead; pass ``topics=[...]`` / ``audiences=[...]`` / ``trainings=[...]`` to link them."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    class Params:
        with_file = factory.Trait(
            external_url="",
            file=factory.django.FileField(data=PDF_BYTES, filename="guide.pdf"),
            file_type="application/pdf",
            file_size=len(PDF_BYTES),
        )

    title = factory.Sequence(lambda n: f"Resource {n}")
    slug = factory.Sequence(lambda n: f"resource-{n}")
    summary = "A resource for the tests."
    body = ""
    kind = ResourceKind.GUIDE
    external_url = "https://example.org/resource"
    status = ResourceStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)

    @factory.post_generation
    def audiences(self, create, extracted, **kwargs):
        if create and extracted:
            self.audiences.set(extracted)

    @factory.post_generation
    def trainings(self, create, extracted, **kwargs):
        if create and extracted:
            self.trainings.set(extracted)
