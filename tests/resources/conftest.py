import pytest

from resources.models import Audience, Topic
from tests.factories import AgencyFactory, MembershipFactory, PersonFactory, UserFactory


@pytest.fixture
def contributor(db):
    """A signed-in member of an agency (a Person), who shares resources."""
    membership = MembershipFactory(
        agency=AgencyFactory(name="Bayside Clinic", slug="bayside"),
        person=PersonFactory(
            user=UserFactory(email="casey@example.org"), display_name="Casey Contributor"
        ),
    )
    return membership.person


@pytest.fixture
def topic(db):
    # The curated topics come from a data migration; transactional tests flush them.
    return Topic.objects.get_or_create(
        slug="sensory-regulation", defaults={"name": "Sensory regulation"}
    )[0]


@pytest.fixture
def other_topic(db):
    return Topic.objects.get_or_create(slug="supervision", defaults={"name": "Supervision"})[0]


@pytest.fixture
def audience(db):
    return Audience.objects.get_or_create(slug="educators", defaults={"name": "Educators"})[0]
