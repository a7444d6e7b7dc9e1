import pytest

from members.models import Role
from tests.factories import AgencyFactory
from tests.trainings.factories import member


@pytest.fixture
def home_agency(db):
    return AgencyFactory(name="Bayside Clinic", slug="bayside")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="Hilltop Schools", slug="hilltop")


@pytest.fixture
def coordinator(home_agency):
    """The coordinator (a Person) of ``home_agency``."""
    return member(
        home_agency, role=Role.COORDINATOR, name="Cora Coordinator", email="cora@example.org"
    )


@pytest.fixture
def rival_coordinator(other_agency):
    """The coordinator (a Person) of ``other_agency``."""
    return member(other_agency, role=Role.COORDINATOR, name="Rex Rival", email="rex@example.org")
