"""portal.content_language: which content a language filter finds, how a page names the
content's language, and the ``lang`` attribute for screen readers."""

import pytest
from django.template import Context, Template
from django.utils import translation

from portal import content_language
from portal.models import ContentLanguage


@pytest.mark.parametrize(
    ("page", "content", "attribute"),
    [
        ("en", "en", ""),
        ("en-us", "en", ""),
        ("en", "es", "es"),
        ("es", "en", "en"),
        ("es", "es", ""),
        ("en", "bilingual", ""),
        ("es", "bilingual", ""),
        ("es", "", ""),
    ],
)
def test_lang_attribute_is_the_content_language_where_it_differs_from_the_page(
    page, content, attribute
):
    with translation.override(page):
        assert content_language.lang_attribute(content) == attribute


@pytest.mark.parametrize(
    ("page", "content", "label"),
    [
        ("en", "en", ""),
        ("en", "es", "In Spanish"),
        ("en", "bilingual", "Bilingual: English and Spanish"),
        ("es", "en", "En inglés"),
        ("es", "es", ""),
        ("es", "bilingual", "Bilingüe: inglés y español"),
    ],
)
def test_label_names_the_language_in_the_page_language(page, content, label):
    with translation.override(page):
        assert content_language.label(content) == label


def test_a_reader_of_a_language_follows_that_language_and_bilingual_content():
    assert content_language.serving("es") == [ContentLanguage.ES, ContentLanguage.BILINGUAL]
    assert content_language.serving("en") == [ContentLanguage.EN, ContentLanguage.BILINGUAL]


def test_language_tags_give_both_languages_for_bilingual_content():
    assert content_language.language_tags("bilingual") == ["en", "es"]
    assert content_language.language_tags("es") == ["es"]


class _Content:
    def __init__(self, language: str, title: str = "<b>Título</b>") -> None:
        self.language = language
        self.title = title


def _render(source: str, content) -> str:
    template = Template("{% load content_language %}" + source)
    return template.render(Context({"content": content}))


def test_the_template_filter_and_tag_render_an_attribute_and_an_escaped_tag():
    with translation.override("en"):
        assert _render("<h1{{ content|lang_attr }}>", _Content("es")) == '<h1 lang="es">'
        assert _render("<h1{{ content|lang_attr }}>", _Content("en")) == "<h1>"
        assert _render("{% content_language_tag content %}", _Content("es")) == (
            '<span class="tag tag--language">In Spanish</span>'
        )
        assert _render("{% content_language_tag content %}", _Content("en")) == ""
