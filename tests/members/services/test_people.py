"""members.services.people: a person's profile."""

import pytest

from members import services
from members.models import (
    Person,
)
from portal.exceptions import ApplicationError
from tests.factories import (
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- People -----------------------------------------------------------------------------------


def test_person_for_user_is_created_once_with_a_name_from_the_account():
    user = UserFactory(email="ana.ruiz@example.org", first_name="Ana", last_name="Ruiz")
    person = services.person_for_user(user=user)
    assert person.display_name == "Ana Ruiz"
    assert services.person_for_user(user=user) == person
    assert Person.objects.filter(user=user).count() == 1


def test_person_for_user_falls_back_to_the_local_part_of_the_email():
    person = services.person_for_user(user=UserFactory(email="jo@example.org"))
    assert person.display_name == "jo"


def test_person_update_refuses_an_empty_display_name():
    person = PersonFactory(display_name="Kept")
    with pytest.raises(ApplicationError):
        services.person_update(person=person, display_name="   ")
    person.refresh_from_db()
    assert person.display_name == "Kept"
