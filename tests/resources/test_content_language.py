"""A resource's language: the library's filter, its cards and page, and the member's share form
(issue #15)."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.urls import reverse

from portal.models import ContentLanguage
from resources import selectors
from resources.models import Resource, ResourceKind
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db

LIBRARY = reverse("resources:list")
SHARE = reverse("resources:share")


def _results(query: str, user=None) -> set[Resource]:
    filterset, results, _searching = selectors.library_search(
        user=user or AnonymousUser(), data=QueryDict(query)
    )
    assert filterset.is_valid(), filterset.errors
    return set(results)


@pytest.fixture
def in_each_language():
    return {
        language: ResourceFactory(language=language, title=f"Guide {language}")
        for language in ContentLanguage.values
    }


def test_library_in_spanish_lists_spanish_and_bilingual_resources(in_each_language):
    assert _results("language=es") == {
        in_each_language[ContentLanguage.ES],
        in_each_language[ContentLanguage.BILINGUAL],
    }


def test_library_in_english_leaves_out_spanish_only_resources(in_each_language):
    assert _results("language=en") == {
        in_each_language[ContentLanguage.EN],
        in_each_language[ContentLanguage.BILINGUAL],
    }


def test_library_language_combines_with_a_search(in_each_language):
    wanted = ResourceFactory(title="Rincón de calma", language=ContentLanguage.ES)
    assert _results("language=es&q=calma") == {wanted}


def test_library_answers_400_beside_the_field_on_an_unknown_language(client):
    ResourceFactory()
    response = client.get(LIBRARY, {"language": "bilingual"})
    assert response.status_code == 400
    assert 'id="id_language_error"' in response.content.decode()


def test_library_cards_name_the_language_and_mark_the_text(client):
    ResourceFactory(title="Rincón de calma", summary="Una hoja de trabajo.", language="es")
    ResourceFactory(title="Calm corner", language=ContentLanguage.EN)
    page = client.get(LIBRARY, headers={"accept-language": "en"}).content.decode()
    assert page.count('<span class="tag tag--language">In Spanish</span>') == 1
    assert '<h3 class="resource-card__title" lang="es">' in page
    assert '<p class="resource-card__summary" lang="es">Una hoja de trabajo.</p>' in page
    spanish = client.get(LIBRARY, headers={"accept-language": "es"}).content.decode()
    assert spanish.count('<span class="tag tag--language">En inglés</span>') == 1
    assert '<h3 class="resource-card__title" lang="en">' in spanish


def test_resource_page_in_spanish_says_an_english_resource_is_in_english(client):
    resource = ResourceFactory(title="Calm corner set-up", body="Step **one**.")
    page = client.get(
        resource.get_absolute_url(), headers={"accept-language": "es"}
    ).content.decode()
    assert "En inglés" in page
    assert re.search(r'<h1 lang="en">Calm corner set-up</h1>', page)
    assert '<div class="prose" lang="en">' in page


def test_bilingual_resource_page_says_so_without_a_lang_attribute(client):
    resource = ResourceFactory(title="Rhythm and routine / Ritmo y rutina", language="bilingual")
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Bilingual: English and Spanish" in page
    assert "<h1>Rhythm and routine / Ritmo y rutina</h1>" in page


def _share(client, **extra):
    return client.post(
        SHARE,
        {
            "title": "Guía para familias",
            "kind": ResourceKind.GUIDE,
            "summary": "Una guía breve.",
            "model": "both",
            "external_url": "https://example.org/guia",
            **extra,
        },
    )


def test_sharing_saves_the_language_chosen(client, contributor):
    client.force_login(contributor.user)
    assert 'name="language"' in client.get(SHARE).content.decode()
    assert _share(client, language=ContentLanguage.ES).status_code == 302
    assert Resource.objects.get().language == ContentLanguage.ES


def test_sharing_without_a_language_saves_english(client, contributor):
    client.force_login(contributor.user)
    assert _share(client).status_code == 302
    assert Resource.objects.get().language == ContentLanguage.EN


def test_sharing_with_an_unknown_language_is_refused_beside_the_field(client, contributor):
    client.force_login(contributor.user)
    response = _share(client, language="fr")
    assert response.status_code == 400
    assert 'id="id_language_error"' in response.content.decode()
    assert not Resource.objects.exists()
