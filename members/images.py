"""Validation of uploaded agency logos: real type from the content, size and dimensions."""

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 2000
ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP"}
# What a stored logo may be served as.
LOGO_TYPES = {f"image/{name.lower()}" for name in ALLOWED_FORMATS}


def stored_logo_type(file) -> str | None:
    """The MIME type of a stored logo, read from its first bytes (never its name), or None when
    it is not one of the accepted images. Leaves the file at its start."""
    kind = filetype.guess(file.read(261))
    file.seek(0)
    return kind.mime if kind and kind.mime in LOGO_TYPES else None


def validate_logo(file) -> None:
    if file.size > MAX_LOGO_BYTES:
        raise ValidationError(_("The logo must be at most 2 MB."), code="too_large")
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise ValidationError(
            _("The logo must be a PNG, JPEG or WebP image."), code="invalid_image"
        ) from exc
    finally:
        file.seek(position)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(_("The logo must be a PNG, JPEG or WebP image."), code="bad_type")
    if width > MAX_LOGO_PIXELS or height > MAX_LOGO_PIXELS:
        raise ValidationError(
            _("The logo must be at most 2000 × 2000 pixels (it is %(w)d × %(h)d).")
            % {"w": width, "h": height},
            code="too_big",
        )
