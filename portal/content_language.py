"""The language of curated content (a training, a library resource): which readers a language
filter finds, how a page names the language, and the ``lang`` attribute for screen readers.

Curated content is never machine-translated, so a Spanish page shows an English training in
English and says so ("En inglés"); the text carries ``lang="en"`` so a screen reader reads it
with English pronunciation.
"""

import django_filters
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import ContentLanguage

# How a page names content that is not in the page's own language.
_LABELS = {
    ContentLanguage.EN: _("In English"),
    ContentLanguage.ES: _("In Spanish"),
    ContentLanguage.BILINGUAL: _("Bilingual: English and Spanish"),
}


def serving(language: str) -> list[str]:
    """The content languages a reader of ``language`` can follow: that language and bilingual
    content (a bilingual training is listed under English and under Spanish)."""
    return [language, ContentLanguage.BILINGUAL]


def language_tags(content_language: str) -> list[str]:
    """The BCP 47 tags of the content's language(s): ["es"], or ["en", "es"] when bilingual
    (schema.org's ``inLanguage``)."""
    if content_language == ContentLanguage.BILINGUAL:
        return [ContentLanguage.EN.value, ContentLanguage.ES.value]
    return [content_language]


def page_language() -> str:
    """The active language without its region ("en-us" → "en")."""
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()


def lang_attribute(content_language: str) -> str:
    """The ``lang`` value for content in ``content_language`` shown on the current page: the
    content's language where it differs from the page's, else "" (bilingual content has none:
    it holds both)."""
    if content_language in (ContentLanguage.EN, ContentLanguage.ES):
        return "" if content_language == page_language() else content_language
    return ""


def label(content_language: str) -> str:
    """How a page names the content's language ("In Spanish", "Bilingual: English and
    Spanish"), or "" for content in the page's own language (an English training on an
    English page needs no note)."""
    if content_language == page_language() or content_language not in _LABELS:
        return ""
    return str(_LABELS[content_language])


class LanguageFilter(django_filters.ChoiceFilter):
    """``language=en|es`` for a list of content with a ``language`` field: the content in that
    language and the bilingual content. Another value makes the filter form invalid."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Language"))
        kwargs.setdefault(
            "choices", [(ContentLanguage.EN, _("English")), (ContentLanguage.ES, _("Spanish"))]
        )
        kwargs.setdefault("empty_label", _("Any language"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.field_name}__in": serving(value)})
