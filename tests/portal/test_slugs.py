import pytest

from portal.slugs import unique_slug
from tests.factories import TrainingFactory
from trainings.models import RESERVED_SLUGS, Training

pytestmark = pytest.mark.django_db


def test_a_taken_slug_gets_the_next_free_number():
    TrainingFactory(slug="regulate-relate")
    TrainingFactory(slug="regulate-relate-2")
    assert unique_slug(Training, "Regulate, Relate!", fallback="training") == "regulate-relate-3"


def test_a_text_without_letters_falls_back_and_a_reserved_path_is_never_a_slug():
    assert unique_slug(Training, "¿¡…!?", fallback="training") == "training"
    slug = unique_slug(Training, "Calendar", fallback="training", reserved=RESERVED_SLUGS)
    assert slug == "calendar-training"


def test_a_long_title_is_cut_to_leave_room_for_the_number():
    assert len(unique_slug(Training, "word " * 200, fallback="training")) <= 180
