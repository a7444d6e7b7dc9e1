"""The languages an agency serves: the directory's filter, the directory and profile pages, the
coordinator's profile form, the service that saves them (all or nothing) and the admin
(issue #15)."""

import re

import pytest
from django.urls import reverse

from members import selectors, services
from members.models import Agency, AgencyKind, AgencyLanguage, County
from members.services import AgencyError
from portal.models import ServedLanguage
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("members:agency_list")
# The count, the page of agencies, their languages (one prefetch).
DIRECTORY_QUERIES = 3


def _serving(agency: Agency, *languages: str) -> Agency:
    services.agency_languages_set(agency=agency, languages=languages)
    return agency


def _languages(agency: Agency) -> list[str]:
    return sorted(agency.languages.values_list("language", flat=True))


@pytest.fixture
def agencies():
    return {
        "bilingual": _serving(AgencyFactory(name="Bilingual CBO"), "en", "es"),
        "vietnamese": _serving(AgencyFactory(name="Little Saigon Center"), "en", "vi"),
        "english": _serving(AgencyFactory(name="English Only Clinic"), "en"),
        "none": AgencyFactory(name="Says Nothing Yet"),
    }


def _names(query: dict) -> list[str]:
    filterset = selectors.agency_directory(data=query)
    assert filterset.is_valid(), filterset.errors
    return [agency.name for agency in filterset.qs]


# --- The directory ----------------------------------------------------------------------------


def test_directory_filters_by_a_language_served(agencies):
    assert _names({"language": "es"}) == ["Bilingual CBO"]
    assert _names({"language": "vi"}) == ["Little Saigon Center"]
    assert _names({"language": "en"}) == [
        "Bilingual CBO",
        "English Only Clinic",
        "Little Saigon Center",
    ]
    assert _names({"language": "tl"}) == []


def test_directory_language_combines_with_the_other_filters(agencies):
    _serving(AgencyFactory(name="Alameda Familias", county=County.ALAMEDA), "es")
    assert _names({"language": "es", "county": "alameda"}) == ["Alameda Familias"]


def test_directory_answers_400_beside_the_field_on_an_unknown_language(client, agencies):
    response = client.get(DIRECTORY, {"language": "klingon"})
    assert response.status_code == 400
    assert 'id="id_language_error"' in response.content.decode()


def test_directory_cards_list_the_languages_served_in_the_page_language(client, agencies):
    page = client.get(DIRECTORY, headers={"accept-language": "en"}).content.decode()
    assert "Languages served: English, Vietnamese" in page
    spanish = client.get(DIRECTORY, headers={"accept-language": "es"}).content.decode()
    assert "Idiomas atendidos: Inglés, Español" in spanish


def test_directory_lists_english_and_spanish_first_whatever_the_codes_order():
    _serving(AgencyFactory(name="Deaf Services"), "ase", "es", "en")
    (agency,) = selectors.agency_directory(data={}).qs
    assert [row.language for row in agency.languages.all()] == ["en", "es", "ase"]


@pytest.mark.parametrize("count", [1, 200])
def test_directory_queries_do_not_grow_with_the_agencies(client, django_assert_num_queries, count):
    created = Agency.objects.bulk_create(
        Agency(name=f"Agency {n:03d}", slug=f"dq-agency-{n}", kind=AgencyKind.CBO)
        for n in range(count)
    )
    AgencyLanguage.objects.bulk_create(
        AgencyLanguage(agency=agency, language=code) for agency in created for code in ("en", "es")
    )
    with django_assert_num_queries(DIRECTORY_QUERIES):
        response = client.get(DIRECTORY, {"language": "es"})
    assert response.status_code == 200
    assert response.content.decode().count("Languages served: English, Spanish") == min(count, 24)


def test_agency_page_lists_the_languages_served(client, agencies):
    page = client.get(agencies["vietnamese"].get_absolute_url()).content.decode()
    assert "Languages served: English, Vietnamese" in page
    page = client.get(agencies["none"].get_absolute_url()).content.decode()
    assert "Languages served" not in page


# --- The service ------------------------------------------------------------------------------


def test_languages_set_adds_the_new_and_drops_the_unticked(agencies):
    agency = agencies["bilingual"]
    kept = agency.languages.get(language="en")
    assert services.agency_languages_set(agency=agency, languages=["vi", "en", "zh"]) == [
        "en",
        "zh",
        "vi",
    ]
    assert _languages(agency) == ["en", "vi", "zh"]
    assert agency.languages.get(language="en").pk == kept.pk  # kept, not rewritten


def test_languages_set_refuses_an_unknown_code_and_changes_nothing(agencies):
    agency = agencies["bilingual"]
    with pytest.raises(AgencyError) as error:
        services.agency_languages_set(agency=agency, languages=["en", "fr"])
    assert error.value.field == "languages"
    assert "fr" in error.value.message
    assert _languages(agency) == ["en", "es"]


def test_profile_update_saves_fields_and_languages_together(agencies):
    agency = agencies["english"]
    services.agency_update(agency=agency, fields={"city": "Oakland"}, languages=["en", "es"])
    agency.refresh_from_db()
    assert agency.city == "Oakland"
    assert _languages(agency) == ["en", "es"]


def test_profile_update_is_all_or_nothing_when_a_language_is_refused(agencies):
    agency = agencies["english"]
    with pytest.raises(AgencyError):
        services.agency_update(agency=agency, fields={"city": "Oakland"}, languages=["xx"])
    agency.refresh_from_db()
    assert agency.city != "Oakland"
    assert _languages(agency) == ["en"]


def test_profile_update_is_all_or_nothing_when_a_field_is_refused(agencies):
    agency = agencies["english"]
    with pytest.raises(Exception, match="website"):
        services.agency_update(
            agency=agency, fields={"website": "not a web address"}, languages=["en", "es"]
        )
    assert _languages(agency) == ["en"]


def test_profile_update_without_languages_leaves_them(agencies):
    agency = agencies["vietnamese"]
    services.agency_update(agency=agency, fields={"city": "San José"})
    assert _languages(agency) == ["en", "vi"]


# --- The coordinator's profile form -----------------------------------------------------------


def _profile_data(agency, **overrides) -> dict:
    return {
        "name": agency.name,
        "kind": AgencyKind.CBO,
        "county": County.SOLANO,
        "city": "Vallejo",
        "website": "",
        "description": "",
        "practises_nmt": "on",
        "sensory_spaces_note": "",
        "contact_email": "",
        **overrides,
    }


@pytest.fixture
def coordinator_client(client, coordinator_a):
    client.force_login(coordinator_a)
    return client


def _profile_url(agency) -> str:
    return reverse("members:manage_profile", kwargs={"slug": agency.slug})


def test_profile_form_shows_the_languages_as_ticked_checkboxes(coordinator_client, agency_a):
    _serving(agency_a, "en", "tl")
    page = coordinator_client.get(_profile_url(agency_a)).content.decode()
    assert "<legend><strong>Languages served</strong></legend>" in page
    boxes = re.findall(
        r'<input type="checkbox" name="languages" value="(\w+)"[^>]*?( checked)?>', page
    )
    assert [code for code, _checked in boxes] == ServedLanguage.values
    assert [code for code, checked in boxes if checked] == ["en", "tl"]


def test_profile_form_saves_the_languages_ticked(coordinator_client, agency_a):
    _serving(agency_a, "en")
    response = coordinator_client.post(
        _profile_url(agency_a), _profile_data(agency_a, languages=["es", "vi"])
    )
    assert response.status_code == 302
    assert _languages(agency_a) == ["es", "vi"]


def test_profile_form_refuses_an_unknown_language_beside_the_field_and_saves_nothing(
    coordinator_client, agency_a
):
    _serving(agency_a, "en")
    response = coordinator_client.post(
        _profile_url(agency_a), _profile_data(agency_a, city="Vallejo", languages=["es", "fr"])
    )
    assert response.status_code == 400
    assert 'id="id_languages_error"' in response.content.decode()
    agency_a.refresh_from_db()
    assert agency_a.city != "Vallejo"
    assert _languages(agency_a) == ["en"]


def test_profile_form_of_another_agency_answers_404(coordinator_client, agency_b):
    response = coordinator_client.post(_profile_url(agency_b), _profile_data(agency_b))
    assert response.status_code == 404
    assert _languages(agency_b) == []


# --- The admin --------------------------------------------------------------------------------


def test_admin_changelist_shows_and_filters_by_the_languages_served(client, curator, agencies):
    client.force_login(curator)
    changelist = reverse("admin:members_agency_changelist")
    page = client.get(changelist, {"language": "vi"}).content.decode()
    assert "Little Saigon Center" in page
    assert "Bilingual CBO" not in page
    assert "English, Vietnamese" in page


def test_admin_change_form_saves_the_languages(client, superuser, agencies):
    agency = agencies["english"]
    client.force_login(superuser)
    url = reverse("admin:members_agency_change", args=[agency.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in (
            (name, form[name].value()) for name in form.fields if name != "languages"
        )
        if value is not None and value is not False
    }
    data.update(
        {
            "languages": ["en", "es", "zh"],
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        }
    )
    data.pop("logo", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _languages(agency) == ["en", "es", "zh"]
