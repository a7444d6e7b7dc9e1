import datetime as dt

import pytest
from allauth.account.models import EmailAddress

from members import selectors
from members.models import (
    AgencyKind,
    County,
    CredentialLevel,
    MembershipState,
    NmtStatus,
    PracticeModel,
    Role,
)
from tests.factories import (
    AgencyFactory,
    CredentialFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CONCEPTS = CredentialLevel.CONCEPTS
PHASE_1 = CredentialLevel.PHASE_1
PHASE_2 = CredentialLevel.PHASE_2
MENTOR = CredentialLevel.MENTOR
NMT = PracticeModel.NMT
NME = PracticeModel.NME


def _person_in(agency, *credentials, state=MembershipState.ACTIVE, role=Role.STAFF):
    """A member of ``agency`` holding ``credentials``, each (level, model[, verified])."""
    membership = MembershipFactory(agency=agency, state=state, role=role)
    for level, model, *verified in credentials:
        CredentialFactory(
            person=membership.person, level=level, model=model, verified=bool(verified)
        )
    return membership.person


# --- agency_figures ---------------------------------------------------------------------------


def test_agency_figures_count_each_person_at_every_stage_up_to_their_highest():
    agency = AgencyFactory()
    _person_in(agency, (CONCEPTS, NMT))  # concepts
    _person_in(agency, (CONCEPTS, NMT), (PHASE_1, NMT, True))  # concepts, phase 1
    _person_in(agency, (PHASE_2, NMT))  # concepts, phase 1, phase 2 (trainer)
    _person_in(agency, (MENTOR, NME, True))  # every stage, trainer
    _person_in(agency)  # staff with no credential yet

    figures = selectors.agency_figures(agency=agency)

    assert figures == {
        "concepts": 4,
        "phase_1": 3,
        "phase_2": 2,
        "mentor": 1,
        "trainers": 2,
        "verified": 2,
        "staff": 5,
    }


def test_agency_figures_count_a_person_with_two_models_once():
    agency = AgencyFactory()
    _person_in(agency, (PHASE_1, NMT), (PHASE_1, NME), (CONCEPTS, NME))

    figures = selectors.agency_figures(agency=agency)

    assert (figures["concepts"], figures["phase_1"], figures["phase_2"]) == (1, 1, 0)
    assert figures["staff"] == 1


def test_agency_figures_leave_out_requested_invited_and_other_agencies_members():
    agency = AgencyFactory()
    other = AgencyFactory()
    _person_in(agency, (PHASE_2, NMT), state=MembershipState.REQUESTED)
    _person_in(agency, (MENTOR, NMT), state=MembershipState.INVITED)
    _person_in(other, (PHASE_1, NMT))
    counted = _person_in(agency, (CONCEPTS, NMT))
    # A person active in both agencies counts in both, once each.
    MembershipFactory(agency=other, person=counted)

    figures = selectors.agency_figures(agency=agency)

    assert (figures["concepts"], figures["phase_1"], figures["trainers"]) == (1, 0, 0)
    assert figures["staff"] == 1
    assert selectors.agency_figures(agency=other)["concepts"] == 2


def test_agency_figures_of_an_agency_without_members_are_zero():
    figures = selectors.agency_figures(agency=AgencyFactory())
    assert set(figures.values()) == {0}


def test_agency_figures_take_one_query_for_the_credentials_and_one_for_the_staff(
    django_assert_num_queries,
):
    agency = AgencyFactory()
    for _ in range(5):
        _person_in(agency, (PHASE_1, NMT), (CONCEPTS, NME))
    with django_assert_num_queries(2):
        selectors.agency_figures(agency=agency)


# --- Directory --------------------------------------------------------------------------------


@pytest.fixture
def directory():
    return {
        "bhrs": AgencyFactory(
            name="San Mateo County BHRS",
            kind=AgencyKind.COUNTY_BEHAVIORAL_HEALTH,
            county=County.SAN_MATEO,
            city="San Mateo",
            nmt_status=NmtStatus.CERTIFIED_SITE,
            practises_nmt=True,
        ),
        "cbo": AgencyFactory(
            name="A Better Way",
            kind=AgencyKind.CBO,
            county=County.ALAMEDA,
            city="Berkeley",
            nmt_status=NmtStatus.IMPLEMENTING,
            practises_nmt=True,
            practises_nme=True,
        ),
        "school": AgencyFactory(
            name="Oakland Unified",
            kind=AgencyKind.SCHOOL_DISTRICT,
            county=County.ALAMEDA,
            city="Oakland",
            nmt_status=NmtStatus.INTERESTED,
            practises_nme=True,
        ),
    }


def _names(data) -> list[str]:
    filterset = selectors.agency_directory(data=data)
    assert not filterset.errors
    return [agency.name for agency in filterset.qs]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, ["A Better Way", "Oakland Unified", "San Mateo County BHRS"]),
        ({"county": "alameda"}, ["A Better Way", "Oakland Unified"]),
        ({"county": "marin"}, []),
        ({"status": "certified_site"}, ["San Mateo County BHRS"]),
        ({"status": "interested"}, ["Oakland Unified"]),
        ({"kind": "school_district"}, ["Oakland Unified"]),
        ({"kind": "cbo"}, ["A Better Way"]),
        ({"model": "nmt"}, ["A Better Way", "San Mateo County BHRS"]),
        ({"model": "nme"}, ["A Better Way", "Oakland Unified"]),
        ({"q": "better"}, ["A Better Way"]),
        ({"q": "  oakland "}, ["Oakland Unified"]),  # the city matches too
        ({"q": "berkeley"}, ["A Better Way"]),
        ({"county": "alameda", "model": "nmt"}, ["A Better Way"]),
        ({"county": "alameda", "status": "certified_site"}, []),
    ],
)
def test_directory_filters(directory, data, expected):
    assert _names(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"county": "atlantis"},
        {"status": "famous"},
        {"kind": "hospital"},
        {"model": "cbt"},
        {"q": "x" * 201},
    ],
)
def test_directory_bad_filter_values_make_the_form_invalid(directory, data):
    filterset = selectors.agency_directory(data=data)
    assert not filterset.is_valid()
    assert set(filterset.errors) == set(data)


# --- Roster -----------------------------------------------------------------------------------


def test_roster_lists_active_members_only_and_searches_name_email_and_job_title():
    agency = AgencyFactory()
    ana = MembershipFactory(
        agency=agency,
        person=PersonFactory(
            display_name="Ana Ruiz",
            job_title="Clinician",
            user=UserFactory(email="ana@example.org"),
        ),
    )
    ben = MembershipFactory(
        agency=agency,
        person=PersonFactory(
            display_name="Ben Cho", job_title="Teacher", user=UserFactory(email="bc@school.org")
        ),
    )
    MembershipFactory(agency=agency, state=MembershipState.REQUESTED)
    MembershipFactory(agency=agency, state=MembershipState.INVITED)
    MembershipFactory()  # another agency

    assert list(selectors.roster(agency=agency).qs) == [ana, ben]
    assert list(selectors.roster(agency=agency, data={"q": "ruiz"}).qs) == [ana]
    assert list(selectors.roster(agency=agency, data={"q": "school.org"}).qs) == [ben]
    assert list(selectors.roster(agency=agency, data={"q": "teach"}).qs) == [ben]


# --- person_data_export -----------------------------------------------------------------------


def test_person_data_export_holds_the_account_profile_memberships_and_credentials():
    user = UserFactory(email="ana@example.org", first_name="Ana", last_name="Ruiz")
    EmailAddress.objects.create(user=user, email="ana@example.org", verified=True, primary=True)
    person = PersonFactory(
        user=user, display_name="Ana R.", job_title="Clinician", discipline="Therapist"
    )
    MembershipFactory(person=person, agency=AgencyFactory(name="Agency One"), role=Role.COORDINATOR)
    MembershipFactory(
        person=person, agency=AgencyFactory(name="Agency Two"), state=MembershipState.REQUESTED
    )
    CredentialFactory(
        person=person, level=PHASE_1, model=NME, earned_on=dt.date(2024, 5, 6), verified=True
    )
    CredentialFactory(level=MENTOR)  # someone else's

    data = selectors.person_data_export(user=user)

    assert data["account"]["email"] == "ana@example.org"
    assert (data["account"]["first_name"], data["account"]["last_name"]) == ("Ana", "Ruiz")
    assert data["account"]["email_addresses"] == [
        {"email": "ana@example.org", "verified": True, "primary": True}
    ]
    assert data["profile"] == {
        "display_name": "Ana R.",
        "job_title": "Clinician",
        "discipline": "Therapist",
    }
    assert [(m["agency"], m["role"], m["state"]) for m in data["memberships"]] == [
        ("Agency One", "coordinator", "active"),
        ("Agency Two", "staff", "requested"),
    ]
    assert data["credentials"] == [
        {
            "level": "phase_1",
            "model": "nme",
            "earned_on": "2024-05-06",
            "source": "coordinator",
            "verified": True,
        }
    ]


def test_person_data_export_of_an_account_without_a_profile():
    data = selectors.person_data_export(user=UserFactory(email="new@example.org"))
    assert data["account"]["email"] == "new@example.org"
    assert data["profile"] is None
    assert data["memberships"] == data["credentials"] == []
