import pytest

from tests.factories import AgencyFactory, TrainingFactory, UserFactory


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def training(db):
    return TrainingFactory()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def curator(db):
    return UserFactory(email="curator@example.org", is_staff=True, is_superuser=True)
