"""Curation in Django admin goes through the same services and rules as everything else."""

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgencyFactory, TrainingFactory, pacific
from tests.spreadsheets import admin_export, xlsx_rows
from tests.trainings.factories import RegistrationFactory
from trainings.models import Kind, Registration, RegistrationStatus, Session, Status, Training
from trainings.services import TrainingHasRegistrations, trainings_delete

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
CHANGELIST = "admin:trainings_training_changelist"


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def _change_url(training: Training) -> str:
    return reverse("admin:trainings_training_change", args=[training.pk])


def _local(value: dt.datetime) -> tuple[str, str]:
    """The admin's split date/time inputs, in the portal's zone."""
    local = timezone.localtime(value)
    return f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"


def _form_data(training: Training | None, sessions, **overrides) -> dict:
    """POST data for the training change form with its session inline.

    ``sessions`` is a list of ``(session or None, start, end)``: an existing session to edit, or
    None for a new one.
    """
    initial = [s for s, _start, _end in sessions if s is not None]
    data = {
        "title": training.title if training else "New training",
        "slug": training.slug if training else "new-training",
        "kind": training.kind if training else Kind.CONCEPTS,
        "model": training.model if training else "nmt",
        "language": training.language if training else "en",
        "status": training.status if training else Status.DRAFT,
        "summary": training.summary if training else "A summary.",
        "description": training.description if training else "",
        "format": training.format if training else "in_person",
        "venue_name": training.venue_name if training else "",
        "venue_address": training.venue_address if training else "",
        "county": training.county if training else "",
        "online_url": training.online_url if training else "",
        "capacity": str(training.capacity if training else 20),
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "prerequisites": "",
        "host_agency": str(training.host_agency_id) if training and training.host_agency_id else "",
        "contact_email": "",
        "sessions-TOTAL_FORMS": str(len(sessions)),
        "sessions-INITIAL_FORMS": str(len(initial)),
        "sessions-MIN_NUM_FORMS": "1",
        "sessions-MAX_NUM_FORMS": "1000",
        # The read-only registrations inline still posts its management form.
        "registrations-TOTAL_FORMS": str(training.registrations.count() if training else 0),
        "registrations-INITIAL_FORMS": str(training.registrations.count() if training else 0),
        "registrations-MIN_NUM_FORMS": "0",
        "registrations-MAX_NUM_FORMS": "1000",
        "required_level": "",
        "agency_seat_cap": "",
        "reminder_offsets": "",
        "_save": "Save",
    }
    for index, (session, start, end) in enumerate(sessions):
        prefix = f"sessions-{index}-"
        data[prefix + "id"] = str(session.pk) if session else ""
        data[prefix + "training"] = str(training.pk) if training else ""
        data[prefix + "starts_at_0"], data[prefix + "starts_at_1"] = _local(start)
        data[prefix + "ends_at_0"], data[prefix + "ends_at_1"] = _local(end)
        data[prefix + "title"] = ""
    data.update(overrides)
    return data


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Changelist -------------------------------------------------------------------------------


def test_changelist_shows_upcoming_trainings_by_default_and_hides_past_ones(curator_client):
    TrainingFactory(title="Coming cohort", days_ahead=5)
    TrainingFactory(title="Work in progress", sessions=[], status=Status.DRAFT)
    TrainingFactory(title="Finished cohort", days_ahead=-5)
    page = curator_client.get(reverse(CHANGELIST)).content.decode()
    assert "Coming cohort" in page
    assert "Work in progress" in page
    assert "Finished cohort" not in page


@pytest.mark.parametrize(
    ("when", "shown", "hidden"),
    [
        ("past", {"Finished cohort"}, {"Coming cohort"}),
        ("all", {"Finished cohort", "Coming cohort"}, set()),
        ("upcoming", {"Coming cohort"}, {"Finished cohort"}),
    ],
)
def test_changelist_when_filter(curator_client, when, shown, hidden):
    TrainingFactory(title="Coming cohort", days_ahead=5)
    TrainingFactory(title="Finished cohort", days_ahead=-5)
    page = curator_client.get(reverse(CHANGELIST), {"when": when}).content.decode()
    assert all(title in page for title in shown)
    assert not any(title in page for title in hidden)


def test_changelist_shows_the_first_session_in_pacific_time_with_the_session_count(
    curator_client,
):
    year = timezone.now().year + 1
    days = [pacific(year, 1, 8, 9), pacific(year, 1, 15, 9), pacific(year, 1, 22, 9)]
    TrainingFactory(sessions=[(d, d + HOUR) for d in days])
    page = curator_client.get(reverse(CHANGELIST)).content.decode()
    assert f"{year}-01-08 09:00 PST (+2)" in page


def test_changelist_is_for_staff_only(client, user):
    client.force_login(user)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- Change form ------------------------------------------------------------------------------


def test_change_form_saves_inline_sessions_syncs_the_dates_and_bumps_the_sequence(
    curator_client,
):
    training = TrainingFactory(sessions=[(pacific(2030, 5, 6, 9), pacific(2030, 5, 6, 15))])
    session = training.sessions.get()
    moved = (pacific(2030, 5, 7, 10), pacific(2030, 5, 7, 16))
    added = (pacific(2030, 5, 14, 10), pacific(2030, 5, 14, 16))
    data = _form_data(
        training, [(session, *moved), (None, *added)], title="Moved cohort", capacity="25"
    )

    response = curator_client.post(_change_url(training), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    training.refresh_from_db()
    assert training.title == "Moved cohort"
    assert training.capacity == 25
    assert training.starts_at == moved[0]
    assert training.ends_at == added[1]
    assert training.sequence == 1
    assert training.sessions.count() == 2
    session.refresh_from_db()
    assert session.starts_at == moved[0]  # edited in place: its calendar UID is kept


def test_add_form_creates_a_draft_with_its_sessions(curator_client):
    start, end = pacific(2030, 9, 1, 9), pacific(2030, 9, 1, 12)
    data = _form_data(None, [(None, start, end)], host_agency=str(AgencyFactory().pk))

    response = curator_client.post(reverse("admin:trainings_training_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    training = Training.objects.get(slug="new-training")
    assert training.status == Status.DRAFT
    assert (training.starts_at, training.ends_at) == (start, end)
    assert training.sequence == 0


def test_change_form_refuses_capacity_below_the_seats_taken(curator_client, training):
    Training.objects.filter(pk=training.pk).update(seats_taken=8)
    session = training.sessions.get()
    data = _form_data(training, [(session, session.starts_at, session.ends_at)], capacity="5")

    response = curator_client.post(_change_url(training), data)

    assert response.status_code == 200
    assert "8 seats are already confirmed; capacity cannot be lower." in response.content.decode()
    training.refresh_from_db()
    assert training.capacity == 20
    assert training.sequence == 0


def test_change_form_shows_the_constraint_message_for_a_session_ending_before_it_starts(
    curator_client, training
):
    session = training.sessions.get()
    data = _form_data(training, [(session, session.starts_at, session.starts_at - HOUR)])

    response = curator_client.post(_change_url(training), data)

    assert response.status_code == 200
    assert "A session must end after it starts." in response.content.decode()
    session.refresh_from_db()
    assert session.ends_at > session.starts_at


def test_change_form_shows_the_message_for_registration_closing_before_it_opens(
    curator_client, training
):
    session = training.sessions.get()
    opens = timezone.now() + dt.timedelta(days=2)
    data = _form_data(training, [(session, session.starts_at, session.ends_at)])
    data["registration_opens_at_0"], data["registration_opens_at_1"] = _local(opens)
    data["registration_closes_at_0"], data["registration_closes_at_1"] = _local(opens - HOUR)

    response = curator_client.post(_change_url(training), data)

    assert response.status_code == 200
    assert "Registration must close after it opens." in response.content.decode()


def test_change_form_refuses_a_reserved_slug(curator_client, training):
    session = training.sessions.get()
    data = _form_data(training, [(session, session.starts_at, session.ends_at)], slug="calendar")
    response = curator_client.post(_change_url(training), data)
    assert response.status_code == 200
    assert "is reserved for a page of the portal." in response.content.decode()
    training.refresh_from_db()
    assert training.slug != "calendar"


def test_change_form_never_writes_back_the_seat_counter(curator_client, training):
    session = training.sessions.get()
    data = _form_data(training, [(session, session.starts_at, session.ends_at)])
    data["seats_taken"] = "19"
    data["sequence"] = "99"
    Training.objects.filter(pk=training.pk).update(seats_taken=3)

    response = curator_client.post(_change_url(training), data)

    assert response.status_code == 302
    training.refresh_from_db()
    assert training.seats_taken == 3
    assert training.sequence == 1


# --- Actions ----------------------------------------------------------------------------------


def _action(client, action: str, trainings) -> object:
    return client.post(
        reverse(CHANGELIST) + "?when=all",
        {"action": action, "_selected_action": [t.pk for t in trainings]},
        follow=True,
    )


def test_publish_action_publishes_through_the_service(curator_client):
    drafts = [TrainingFactory(status=Status.DRAFT) for _ in range(2)]
    response = _action(curator_client, "publish", drafts)
    assert response.status_code == 200
    assert "Published 2 trainings." in _messages(response)
    for draft in drafts:
        draft.refresh_from_db()
        assert (draft.status, draft.sequence) == (Status.PUBLISHED, 1)


def test_publish_action_reports_the_trainings_it_could_not_publish(curator_client):
    ready = TrainingFactory(status=Status.DRAFT, title="Ready")
    empty = TrainingFactory(status=Status.DRAFT, title="Empty", sessions=[])
    cancelled = TrainingFactory(status=Status.CANCELLED, title="Called off")
    response = _action(curator_client, "publish", [ready, empty, cancelled])
    messages = _messages(response)
    assert "Published 1 training." in messages
    assert "Empty: Add at least one session before publishing." in messages
    assert any(
        m.startswith("Called off: A cancelled training cannot be published") for m in messages
    )
    empty.refresh_from_db()
    cancelled.refresh_from_db()
    assert (empty.status, cancelled.status) == (Status.DRAFT, Status.CANCELLED)


def test_cancel_action_cancels_through_the_service(curator_client):
    training = TrainingFactory()
    response = _action(curator_client, "cancel", [training])
    assert "Cancelled 1 training." in _messages(response)
    training.refresh_from_db()
    assert (training.status, training.sequence) == (Status.CANCELLED, 1)


def test_duplicate_action_creates_draft_copies_through_the_service(curator_client):
    original = TrainingFactory(title="Phase I Cohort", slug="phase-i-cohort", days_ahead=-30)
    response = _action(curator_client, "duplicate", [original])
    assert "Created 1 draft copy; set its dates and publish it." in _messages(response)
    copy = Training.objects.exclude(pk=original.pk).get()
    assert (copy.title, copy.status, copy.slug) == (
        "Phase I Cohort",
        Status.DRAFT,
        "phase-i-cohort-2",
    )
    assert copy.starts_at > timezone.now() + dt.timedelta(days=6)
    assert Session.objects.filter(training=copy).count() == 1


# --- Import and export ------------------------------------------------------------------------

FORMULA = '=HYPERLINK("https://evil.example/","Click")'


def _formula_training() -> Training:
    return TrainingFactory(
        slug="formula",
        title=FORMULA,
        summary="+1 for regulation",
        description="@SUM(A1)",
        venue_name="-Basement-",
        prerequisites="\tindented",
        language="es",
    )


def test_training_xlsx_export_writes_typed_formulas_as_text(curator_client):
    _formula_training()

    header, row = xlsx_rows(admin_export(curator_client, "trainings_training", "xlsx").content)

    cells = {h.value: cell for h, cell in zip(header, row, strict=True)}
    for column in ("title", "summary", "description", "venue_name", "prerequisites"):
        assert cells[column].data_type == "s", column  # a string, not a formula ("f")
    assert cells["title"].value == "'" + FORMULA
    assert cells["summary"].value == "'+1 for regulation"
    assert cells["description"].value == "'@SUM(A1)"
    assert cells["prerequisites"].value == "'\tindented"
    assert cells["capacity"].value == 20  # numbers stay numbers


def test_training_csv_export_has_a_byte_order_mark_and_quoted_formulas(curator_client):
    _formula_training()

    response = admin_export(curator_client, "trainings_training", "csv")

    assert response.content.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (row["title"], row["venue_name"]) == ("'" + FORMULA, "'-Basement-")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_training_file_imports_back_unchanged(curator_client, file_format):
    training = _formula_training()
    content = admin_export(curator_client, "trainings_training", file_format).content
    Training.objects.filter(pk=training.pk).update(title="Renamed", summary="Short", language="en")

    form = curator_client.get(reverse("admin:trainings_training_import")).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    preview = curator_client.post(
        reverse("admin:trainings_training_import"),
        {
            "resource": "0",
            "format": formats[file_format],
            "import_file": SimpleUploadedFile(f"trainings.{file_format}", content),
        },
    )
    assert preview.status_code == 200
    done = curator_client.post(
        reverse("admin:trainings_training_process_import"),
        preview.context["confirm_form"].initial,
    )

    assert done.status_code == 302
    training.refresh_from_db()
    assert (training.title, training.summary) == (FORMULA, "+1 for regulation")
    assert (training.description, training.venue_name) == ("@SUM(A1)", "-Basement-")
    assert training.prerequisites == "\tindented"
    assert training.language == "es"


# --- Deleting ----------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def _delete_url(training: Training) -> str:
    return reverse("admin:trainings_training_delete", args=[training.pk])


CANCEL_INSTEAD = "has registrations, so it cannot be deleted: cancel it instead"


@pytest.mark.parametrize(
    ("days_ahead", "status"),
    [(10, RegistrationStatus.CONFIRMED), (-30, RegistrationStatus.CANCELLED)],
    ids=["upcoming-confirmed", "past-cancelled"],
)
def test_a_training_with_registrations_cannot_be_deleted_and_the_admin_says_cancel_it(
    superuser_client, days_ahead, status
):
    training = TrainingFactory(title="Phase I Cohort", days_ahead=days_ahead)
    RegistrationFactory(training=training, status=status)

    change_page = superuser_client.get(_change_url(training))
    assert change_page.status_code == 200
    assert _delete_url(training) not in change_page.content.decode()  # no Delete button

    for response in (
        superuser_client.get(_delete_url(training)),
        superuser_client.post(_delete_url(training), {"post": "yes"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == _change_url(training)
        assert f"“Phase I Cohort” {CANCEL_INSTEAD}, which tells everyone registered." in (
            _messages(response)
        )
    assert Training.objects.filter(pk=training.pk).exists()
    assert Registration.objects.filter(training=training).count() == 1


def test_the_bulk_delete_refuses_when_any_selected_training_has_registrations(superuser_client):
    typo = TrainingFactory(status=Status.DRAFT, title="Draft typo")
    taken = TrainingFactory(title="Phase I Cohort")
    RegistrationFactory(training=taken)

    for data in ({}, {"post": "yes"}):  # the confirmation page, and confirming anyway
        response = superuser_client.post(
            reverse(CHANGELIST) + "?when=all",
            {"action": "delete_selected", "_selected_action": [typo.pk, taken.pk], **data},
            follow=True,
        )
        # Back on the changelist at once, no confirmation page.
        assert response.redirect_chain == [(reverse(CHANGELIST) + "?when=all", 302)]
        assert f"“Phase I Cohort” {CANCEL_INSTEAD}, which tells everyone registered." in (
            _messages(response)
        )
    assert Training.objects.count() == 2


def test_a_training_nobody_registered_for_can_still_be_deleted(superuser_client):
    typo, other = (TrainingFactory(status=Status.DRAFT) for _ in range(2))
    page = superuser_client.get(_delete_url(typo))
    assert page.status_code == 200
    assert "Are you sure" in page.content.decode()
    response = superuser_client.post(_delete_url(typo), {"post": "yes"})
    assert response.status_code == 302
    assert not Training.objects.filter(pk=typo.pk).exists()
    assert not Session.objects.filter(training_id=typo.pk).exists()

    confirm = superuser_client.post(
        reverse(CHANGELIST) + "?when=all",
        {"action": "delete_selected", "_selected_action": [other.pk]},
    )
    assert "Are you sure" in confirm.content.decode()
    response = superuser_client.post(
        reverse(CHANGELIST) + "?when=all",
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
        follow=True,
    )
    assert "Successfully deleted 1 training." in _messages(response)
    assert Training.objects.count() == 0


def test_trainings_delete_refuses_under_the_lock_and_the_model_protects_registrations():
    taken = TrainingFactory(title="Phase I Cohort")
    RegistrationFactory(training=taken)
    typo = TrainingFactory(status=Status.DRAFT)
    with pytest.raises(TrainingHasRegistrations, match="cancel it instead"):
        trainings_delete(trainings=[typo, taken])
    assert Training.objects.count() == 2  # all or none
    with pytest.raises(ProtectedError):
        taken.delete()
    assert trainings_delete(trainings=[typo]) == 1
    assert list(Training.objects.all()) == [taken]


def test_after_publishing_a_proposal_every_waiting_count_says_the_new_number(curator_client):
    proposals = [TrainingFactory(status=Status.SUBMITTED) for _ in range(3)]
    waiting = re.compile(
        r"\d+ trainings? proposed by (?:an agency|agencies) waits? for review|"
        r"Proposed by agencies \(\d+\)"
    )

    page = _action(curator_client, "publish", proposals[:1]).content.decode()

    assert waiting.findall(page) == [
        "2 trainings proposed by agencies wait for review",
        "Proposed by agencies (2)",
    ]
    assert waiting.findall(curator_client.get(reverse("admin:index")).content.decode()) == []
