from django.db import models

# Addresses typed without a scheme are read as https (Django 6's default; saying so now also
# keeps Django 5.2's deprecation warning away). Admin classes use URL_FIELD_OVERRIDES.
URL_FIELD_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


def https_urls(db_field, **kwargs):
    """A ModelForm ``formfield_callback`` applying URL_FIELD_OVERRIDES."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)
