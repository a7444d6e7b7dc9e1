"""Checking uploaded library files by their content, not their name."""

import posixpath

import filetype
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _

MAX_BYTES = 25 * 1024 * 1024

# What the library accepts, by the type detected from the file's first bytes.
ALLOWED = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PPTX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}
# The extension a file of each accepted type is stored and downloaded under.
EXTENSIONS = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "image/png": "png",
    "image/jpeg": "jpg",
}


def detect(upload) -> str:
    """The upload's real MIME type, read from its content. Raises ValidationError if it is too
    large or not one of the accepted types (whatever its name says)."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; the library accepts files up to 25 MB.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}"},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED:
        raise ValidationError(
            _("This file's content is not a PDF, DOCX, PPTX, XLSX, PNG or JPEG file."),
            code="bad_type",
        )
    return kind.mime


def label(mime: str) -> str:
    return ALLOWED.get(mime, "")


def file_name(name: str, mime: str, *, default: str = "file") -> str:
    """``name`` with the extension of its detected type: ``x.html`` holding a PDF is ``x.pdf``.

    The stem is slugified (no spaces, accents or dots a browser or a storage could trip on);
    ``default`` stands in when nothing is left of it. A type we do not know (a file from before
    types were recorded) keeps the name as it is."""
    base = posixpath.basename(name.replace("\\", "/"))
    if mime not in EXTENSIONS:
        return base or default
    stem = slugify(posixpath.splitext(base)[0])[:100] or default
    return f"{stem}.{EXTENSIONS[mime]}"
