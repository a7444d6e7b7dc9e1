from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import ContentLanguage

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


# The largest id of a BigAutoField (the project's DEFAULT_AUTO_FIELD).
MAX_ID = 2**63 - 1
_ID_FIELD = forms.IntegerField(min_value=1, max_value=MAX_ID)


def parse_id(value) -> int | None:
    """The positive integer a form or query string sent (a row id, a page number), or None.

    Read as ``forms.IntegerField`` reads it, never with ``str.isdigit()``, which says yes to
    "²" and other characters ``int()`` refuses. Blank, negative, fractional and out-of-range
    values are None too, so no lookup ever sees them.
    """
    try:
        return _ID_FIELD.clean(value)
    except ValidationError:
        return None


def id_or_404(value) -> int:
    """``parse_id``, answering 404 for what is not an id: like an id that matches no row."""
    parsed = parse_id(value)
    if parsed is None:
        raise Http404(_("No such item."))
    return parsed


class ContentLanguageField(forms.TypedChoiceField):
    """The language a training or resource is in. Not sent (an older form, a script): English,
    the models' default; an unknown value is refused beside the field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Language"))
        super().__init__(
            choices=ContentLanguage.choices,
            initial=ContentLanguage.EN,
            required=False,
            empty_value=ContentLanguage.EN,
            **kwargs,
        )
