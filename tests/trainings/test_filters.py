"""The catalogue filters of the URL contract (PRODUCT.md), through the selector the pages use."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

from members.models import County
from portal.models import ContentLanguage
from tests.factories import TrainingFactory, pacific
from trainings.models import Format, Kind, Model, SeatsState, Status, Training
from trainings.selectors import training_archive, training_catalogue

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _results(query: str, **kwargs) -> set[Training]:
    filterset = training_catalogue(data=QueryDict(query), **kwargs)
    if query:  # no parameters at all leave the filters unbound: the whole catalogue
        assert filterset.is_valid(), filterset.errors
    return set(filterset.qs)


def _errors(query: str) -> dict:
    filterset = training_catalogue(data=QueryDict(query))
    assert not filterset.is_valid()
    return filterset.errors


# --- q ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Sensory Regulation Strategies"),
        ("summary", "Patterned, rhythmic SENSORY activities for teams."),
        ("description", "We practise **sensory** regulation together."),
        ("venue_name", "Sensory Lab, Room 4"),
        ("venue_address", "1 Sensory Way, Napa, CA"),
    ],
)
def test_q_matches_title_summary_description_and_venue_case_insensitively(field, value):
    wanted = TrainingFactory(**{field: value})
    TrainingFactory(title="Relational Health", summary="Connectedness buffers stress.")
    assert _results("q=sensory") == {wanted}


def test_q_ignores_surrounding_spaces():
    wanted = TrainingFactory(title="Caregiver Coaching")
    TrainingFactory(title="Something else")
    assert _results("q=++coaching++") == {wanted}


def test_blank_q_keeps_everything():
    trainings = {TrainingFactory(), TrainingFactory()}
    assert _results("q=+++") == trainings


@pytest.mark.parametrize("q", ["a" * 5000, "sensory\x00"])
def test_q_too_long_or_with_a_nul_byte_is_refused(q):
    filterset = training_catalogue(data={"q": q})
    assert not filterset.is_valid()
    assert "q" in filterset.errors


# --- choice filters ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", Kind.values)
def test_kind_keeps_only_that_kind(kind):
    wanted = TrainingFactory(kind=kind)
    for other in Kind.values:
        if other != kind:
            TrainingFactory(kind=other)
    assert _results(f"kind={kind}") == {wanted}


@pytest.mark.parametrize("model", Model.values)
def test_model_keeps_only_that_model(model):
    wanted = TrainingFactory(model=model)
    TrainingFactory(model=Model.NME if model == Model.NMT else Model.NMT)
    assert _results(f"model={model}") == {wanted}


@pytest.mark.parametrize("fmt", Format.values)
def test_format_keeps_only_that_format(fmt):
    wanted = TrainingFactory(format=fmt)
    for other in Format.values:
        if other != fmt:
            TrainingFactory(format=other)
    assert _results(f"format={fmt}") == {wanted}


@pytest.mark.parametrize("county", County.values)
def test_county_keeps_only_that_county(county):
    wanted = TrainingFactory(county=county)
    TrainingFactory(county=County.SONOMA if county != County.SONOMA else County.NAPA)
    TrainingFactory(county="")
    assert _results(f"county={county}") == {wanted}


def test_contract_filter_values_are_the_documented_ones():
    # PRODUCT.md: other tools build these URLs; a renamed value would silently break them.
    assert set(Kind.values) == {"concepts", "phase_1", "phase_2", "community_of_practice", "other"}
    assert set(Model.values) == {"nmt", "nme"}
    assert set(Format.values) == {"in_person", "online", "hybrid"}
    assert set(County.values) == {
        "alameda", "contra_costa", "marin", "napa", "san_francisco",
        "san_mateo", "santa_clara", "santa_cruz", "solano", "sonoma",
    }  # fmt: skip


def test_filters_combine():
    wanted = TrainingFactory(kind=Kind.PHASE_1, county=County.MARIN, format=Format.HYBRID)
    TrainingFactory(kind=Kind.PHASE_1, county=County.MARIN, format=Format.ONLINE)
    TrainingFactory(kind=Kind.PHASE_1, county=County.NAPA, format=Format.HYBRID)
    TrainingFactory(kind=Kind.CONCEPTS, county=County.MARIN, format=Format.HYBRID)
    assert _results("kind=phase_1&county=marin&format=hybrid") == {wanted}


@pytest.mark.parametrize(
    "query",
    [
        "kind=phase_3", "model=nmx", "format=carrier_pigeon", "county=los_angeles",
        "kind=PHASE_1", "language=fr", "language=bilingual", "language=ES",
    ],
)  # fmt: skip
def test_unknown_choice_value_makes_the_filters_invalid(query):
    name = query.split("=")[0]
    assert name in _errors(query)


def test_empty_values_are_ignored():
    trainings = {TrainingFactory(), TrainingFactory(kind=Kind.PHASE_2)}
    assert (
        _results("q=&kind=&model=&format=&county=&language=&start_after=&start_before=")
        == trainings
    )


# --- language ---------------------------------------------------------------------------------


@pytest.fixture
def in_each_language():
    return {
        language: TrainingFactory(language=language, title=f"In {language}")
        for language in ContentLanguage.values
    }


def test_spanish_lists_spanish_and_bilingual_trainings(in_each_language):
    assert _results("language=es") == {
        in_each_language[ContentLanguage.ES],
        in_each_language[ContentLanguage.BILINGUAL],
    }


def test_english_lists_english_and_bilingual_trainings_but_not_spanish_only_ones(
    in_each_language,
):
    assert _results("language=en") == {
        in_each_language[ContentLanguage.EN],
        in_each_language[ContentLanguage.BILINGUAL],
    }


def test_language_combines_with_the_other_filters(in_each_language):
    online = TrainingFactory(language=ContentLanguage.ES, format=Format.ONLINE)
    assert _results("language=es&format=online") == {online}


def test_archive_filters_by_language_too():
    past_spanish = TrainingFactory(days_ahead=-20, language=ContentLanguage.ES)
    TrainingFactory(days_ahead=-20, language=ContentLanguage.EN)
    archive = training_archive(data=QueryDict("language=es"))
    assert archive.is_valid()
    assert list(archive.qs) == [past_spanish]


# --- dates ------------------------------------------------------------------------------------

# 23:30 Pacific on 10 June is already 11 June in UTC: the filters work on the local day.
LATE_EVENING = pacific(2030, 6, 10, 23, 30)
EARLY_MORNING = pacific(2030, 6, 11, 0, 0)
BEFORE = pacific(2030, 1, 1)


@pytest.fixture
def evening_and_morning():
    evening = TrainingFactory(sessions=[(LATE_EVENING, LATE_EVENING + HOUR)])
    morning = TrainingFactory(sessions=[(EARLY_MORNING, EARLY_MORNING + HOUR)])
    return evening, morning


def test_start_after_includes_trainings_starting_on_that_local_day(evening_and_morning):
    evening, morning = evening_and_morning
    assert _results("start_after=2030-06-10", now=BEFORE) == {evening, morning}
    assert _results("start_after=2030-06-11", now=BEFORE) == {morning}
    assert _results("start_after=2030-06-12", now=BEFORE) == set()


def test_start_before_includes_trainings_starting_on_that_local_day(evening_and_morning):
    evening, morning = evening_and_morning
    assert _results("start_before=2030-06-09", now=BEFORE) == set()
    assert _results("start_before=2030-06-10", now=BEFORE) == {evening}
    assert _results("start_before=2030-06-11", now=BEFORE) == {evening, morning}


def test_start_after_and_start_before_on_the_same_day_keep_that_day(evening_and_morning):
    evening, _morning = evening_and_morning
    assert _results("start_after=2030-06-10&start_before=2030-06-10", now=BEFORE) == {evening}


def test_start_before_earlier_than_start_after_is_refused():
    assert "start_before" in _errors("start_after=2030-06-10&start_before=2030-06-09")


@pytest.mark.parametrize(
    "value", ["2026-99-01", "yesterday", "2026-02-30", "1999-12-31", "2101-01-01", "99999-01-01"]
)
def test_malformed_or_far_dates_are_refused(value):
    assert "start_after" in _errors(f"start_after={value}")
    assert "start_before" in _errors(f"start_before={value}")


# --- open -------------------------------------------------------------------------------------


def test_open_keeps_only_trainings_with_a_free_seat_and_registration_not_closed():
    now = timezone.now()
    with_seats = TrainingFactory(capacity=20)
    one_seat_left = TrainingFactory(capacity=20)
    Training.objects.filter(pk=one_seat_left.pk).update(seats_taken=19)
    full = TrainingFactory(capacity=20)
    Training.objects.filter(pk=full.pk).update(seats_taken=20)
    TrainingFactory(registration_closes_at=now - HOUR)
    TrainingFactory(sessions=[(now - HOUR, now + 5 * HOUR)])  # started, not ended
    TrainingFactory(status=Status.CANCELLED)

    assert _results("open=1") == {with_seats, one_seat_left}
    assert len(_results("")) == 6


def test_open_unchecked_keeps_every_training():
    TrainingFactory()
    full = TrainingFactory(capacity=1)
    Training.objects.filter(pk=full.pk).update(seats_taken=1)
    assert len(_results("kind=concepts")) == 2


@pytest.mark.parametrize("value", ["0", "false", "off", ""])
def test_open_with_a_false_value_keeps_full_trainings(value):
    TrainingFactory()
    full = TrainingFactory(capacity=1)
    Training.objects.filter(pk=full.pk).update(seats_taken=1)
    assert full in _results(f"open={value}")


# --- what is listed ---------------------------------------------------------------------------


def test_drafts_are_never_listed_whatever_the_filters():
    TrainingFactory(status=Status.DRAFT, title="Draft cohort")
    TrainingFactory(status=Status.DRAFT, days_ahead=-10, title="Old draft cohort")
    assert _results("") == set()
    assert _results("q=draft") == set()
    assert set(training_archive(data=QueryDict("q=draft")).qs) == set()


def test_cancelled_trainings_stay_listed_with_their_state():
    cancelled = TrainingFactory(status=Status.CANCELLED, kind=Kind.PHASE_2)
    (listed,) = _results("kind=phase_2")
    assert listed == cancelled
    assert listed.seats_state() == SeatsState.CANCELLED


def test_archive_honours_the_same_filters():
    wanted = TrainingFactory(days_ahead=-20, county=County.SOLANO)
    TrainingFactory(days_ahead=-20, county=County.MARIN)
    TrainingFactory(days_ahead=20, county=County.SOLANO)
    archive = training_archive(data=QueryDict("county=solano"))
    assert archive.is_valid()
    assert list(archive.qs) == [wanted]
