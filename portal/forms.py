from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Addresses typed without a scheme are read as https (Django 6's default; saying so now also
# keeps Django 5.2's deprecation warning away). Admin classes use URL_FIELD_OVERRIDES.
URL_FIELD_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


def https_urls(db_field, **kwargs):
    """A ModelForm ``formfield_callback`` applying URL_FIELD_OVERRIDES."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class WebLinkField(forms.URLField):
    """A link people will open in a browser: http(s) only, and a message that says so (rather
    than "Enter a valid URL." for ``javascript:`` or ``ftp://``). Addresses typed without a
    scheme are read as https."""

    SCHEMES = ("http", "https")
    default_validators = [URLValidator(schemes=SCHEMES)]
    default_error_messages = {
        "invalid": _("Enter a web address, e.g. https://example.org/guide."),
        "scheme": _("The link must be a web address starting with http:// or https://."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value and urlsplit(value).scheme.lower() not in self.SCHEMES:
            raise ValidationError(self.error_messages["scheme"], code="scheme")
        return value
