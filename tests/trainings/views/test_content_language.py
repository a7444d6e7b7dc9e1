"""A training's language on its page, in the catalogue, its structured data and its calendar
file, and the catalogue's language filter through the pages (issue #15)."""

import json
import re

import icalendar
import pytest
from django.urls import reverse

from portal.models import ContentLanguage
from tests.factories import TrainingFactory

pytestmark = pytest.mark.django_db


def _page(client, url: str, page_language: str, status: int = 200, **params) -> str:
    response = client.get(url, params, headers={"accept-language": page_language})
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def _title_tag(page: str, title: str) -> str:
    """The opening tag of the element whose text is ``title`` (the page's <h1>)."""
    match = re.search(r"<h1([^>]*)>" + re.escape(title) + "</h1>", page)
    assert match, f"no <h1> holding {title!r}"
    return match.group(1)


def test_a_spanish_page_says_an_english_training_is_in_english_and_marks_its_text(client):
    training = TrainingFactory(
        title="Regulate, Relate, Reason",
        summary="The order of engagement after trauma.",
        description="How teams put it into **daily routines**.",
        language=ContentLanguage.EN,
    )
    page = _page(client, training.get_absolute_url(), "es")
    assert '<html lang="es"' in page
    assert "En inglés" in page
    assert _title_tag(page, "Regulate, Relate, Reason") == ' lang="en"'
    assert '<p class="lead" lang="en">The order of engagement after trauma.</p>' in page
    assert '<div class="prose" lang="en">' in page


def test_an_english_page_says_nothing_about_an_english_training(client):
    training = TrainingFactory(title="Regulate, Relate, Reason", language=ContentLanguage.EN)
    page = _page(client, training.get_absolute_url(), "en")
    assert _title_tag(page, "Regulate, Relate, Reason") == ""
    assert "tag--language" not in page
    # <html lang="en"> and the header's language switch (each language named in itself) alone.
    assert page.count(' lang="en"') == 2
    assert page.count('<option value="en" lang="en"') == 1


def test_an_english_page_says_a_spanish_training_is_in_spanish_and_marks_its_text(client):
    training = TrainingFactory(title="Regulación sensorial", language=ContentLanguage.ES)
    page = _page(client, training.get_absolute_url(), "en")
    assert '<span class="tag tag--language">In Spanish</span>' in page
    assert _title_tag(page, "Regulación sensorial") == ' lang="es"'


def test_a_spanish_training_on_a_spanish_page_needs_neither_note_nor_attribute(client):
    training = TrainingFactory(title="Regulación sensorial", language=ContentLanguage.ES)
    page = _page(client, training.get_absolute_url(), "es")
    assert "tag--language" not in page
    assert _title_tag(page, "Regulación sensorial") == ""


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "Bilingual: English and Spanish"), ("es", "Bilingüe: inglés y español")],
)
def test_a_bilingual_training_says_so_on_both_pages_without_a_lang_attribute(
    client, language, label
):
    training = TrainingFactory(title="Caregiver Workshop / Taller", language="bilingual")
    page = _page(client, training.get_absolute_url(), language)
    assert f'<span class="tag tag--language">{label}</span>' in page
    assert _title_tag(page, "Caregiver Workshop / Taller") == ""


def test_catalogue_rows_name_the_language_and_mark_the_title(client):
    TrainingFactory(title="Círculo de práctica", language=ContentLanguage.ES)
    TrainingFactory(title="Regulate first", language=ContentLanguage.EN)
    page = _page(client, reverse("trainings:list"), "en")
    assert '<h3 class="training-row__title" lang="es">' in page
    assert page.count('<span class="tag tag--language">In Spanish</span>') == 1
    spanish_page = _page(client, reverse("trainings:list"), "es")
    assert '<h3 class="training-row__title" lang="en">' in spanish_page
    assert spanish_page.count('<span class="tag tag--language">En inglés</span>') == 1


def test_catalogue_filter_by_spanish_lists_spanish_and_bilingual_rows(client):
    TrainingFactory(title="Solo en español", language=ContentLanguage.ES)
    TrainingFactory(title="Both languages", language=ContentLanguage.BILINGUAL)
    TrainingFactory(title="English only", language=ContentLanguage.EN)
    page = _page(client, reverse("trainings:list"), "en", language="es")
    assert "Solo en español" in page
    assert "Both languages" in page
    assert "English only" not in page
    assert "Bilingual trainings are listed under English and under Spanish." in page


def test_catalogue_answers_400_with_the_message_beside_an_unknown_language(client):
    TrainingFactory()
    page = _page(client, reverse("trainings:list"), "en", status=400, language="klingon")
    assert 'id="id_language_error"' in page
    assert "Select a valid choice." in page


def test_feed_honours_the_language_filter_and_says_the_language(client):
    TrainingFactory(title="Solo en español", language=ContentLanguage.ES)
    TrainingFactory(title="English only", language=ContentLanguage.EN)
    response = client.get(reverse("trainings:feed"), {"language": "es"})
    assert response.status_code == 200
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(event["SUMMARY"]) for event in events] == ["Solo en español"]
    assert "In Spanish" in str(events[0]["DESCRIPTION"])


def test_feed_answers_400_on_an_unknown_language(client):
    response = client.get(reverse("trainings:feed"), {"language": "fr"})
    assert response.status_code == 400
    assert "language" in response.content.decode()


def _jsonld(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD in the page"
    return json.loads(match.group(1))


@pytest.mark.parametrize(
    ("language", "in_language"),
    [("en", "en"), ("es", "es"), ("bilingual", ["en", "es"])],
)
def test_structured_data_carries_the_language(client, language, in_language):
    training = TrainingFactory(language=language)
    data = _jsonld(_page(client, training.get_absolute_url(), "en"))
    assert data["inLanguage"] == in_language
