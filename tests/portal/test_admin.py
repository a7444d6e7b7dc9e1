"""The outbox in the admin and on /healthz: failed emails are visible and can be retried. And
the admin's answers to bad input (portal/admin.py): form errors and "?e=1", never a 500."""

import datetime as dt

import pytest
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone

from portal.admin import BadInputAdminMixin, ImportExportAdmin, ServiceActionMixin
from portal.exceptions import ApplicationError
from portal.models import OutboxEmail, OutboxState
from portal.services import outbox_dispatch
from tests.factories import MembershipFactory, TrainingFactory

CHANGELIST = reverse("admin:portal_outboxemail_changelist")


def outbox_email(subject: str, **fields) -> OutboxEmail:
    return OutboxEmail.objects.create(
        kind="test", to=["someone@example.org"], subject=subject, body_text="Body", **fields
    )


@pytest.fixture
def failed():
    return outbox_email(
        "Refused everywhere",
        state=OutboxState.FAILED,
        attempts=6,
        last_error="SMTPDataError: (554, b'5.7.1 Refused')",
    )


@pytest.mark.django_db
def test_the_changelist_filters_failed_emails(admin_client, failed):
    outbox_email("Went out fine", state=OutboxState.SENT, sent_at=timezone.now(), attempts=1)

    response = admin_client.get(CHANGELIST, {"state__exact": "failed"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Refused everywhere" in page
    assert "Went out fine" not in page
    # The filter is offered in the sidebar, with every state.
    for state in OutboxState.values:
        assert f"?state__exact={state}" in page


@pytest.mark.django_db
def test_the_detail_page_shows_the_last_error(admin_client, failed):
    response = admin_client.get(reverse("admin:portal_outboxemail_change", args=[failed.pk]))

    assert response.status_code == 200
    assert "5.7.1 Refused" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_retry_failed_requeues_the_email_and_the_dispatcher_sends_it(
    admin_client, failed, smtp_sink
):
    sent = outbox_email("Already sent", state=OutboxState.SENT, sent_at=timezone.now())

    response = admin_client.post(
        CHANGELIST,
        {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 email queued again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.last_error) == (OutboxState.PENDING, 0, "")
    assert outbox_dispatch() == 1
    assert smtp_sink.message_ids == [failed.message_id]
    sent.refresh_from_db()
    assert sent.state == OutboxState.SENT


@pytest.mark.django_db
def test_healthz_shows_the_due_and_failed_counts(client, failed):
    outbox_email("Due now")
    outbox_email("Due now too", due_at=timezone.now() - dt.timedelta(minutes=5))
    outbox_email("Retrying later", due_at=timezone.now() + dt.timedelta(minutes=5), attempts=1)
    outbox_email("Sent", state=OutboxState.SENT, sent_at=timezone.now())

    body = client.get(reverse("healthz")).json()

    assert body["email"] == {"due": 2, "failed": 1}


# --- Admin actions that call a service per object ---------------------------------------------


class Books(ServiceActionMixin):
    """A stand-in ModelAdmin: ``message_user`` is the one thing the mixin needs of it."""

    def __init__(self):
        self.said = []

    def message_user(self, request, message, level):
        self.said.append((level, message))


def _shelve(book: str) -> str:
    if book.startswith("torn"):
        raise ApplicationError(f"{book} cannot be shelved.")
    return book


def _shelved(n: int) -> str:
    return f"Shelved {n}."


def test_a_refused_object_is_reported_by_name_and_the_others_still_go_through():
    admin_class, shelved = Books(), []

    done = admin_class.run_service_action(
        None, ["atlas", "torn map", "almanac"], lambda b: shelved.append(_shelve(b)), _shelved
    )

    assert done == 2
    assert shelved == ["atlas", "almanac"]
    assert admin_class.said == [
        (messages.ERROR, "torn map: torn map cannot be shelved."),
        (messages.SUCCESS, "Shelved 2."),
    ]


def test_when_every_object_is_refused_no_success_is_claimed():
    admin_class = Books()
    admin_class.run_service_action(None, ["torn a", "torn b"], _shelve, _shelved)
    assert [level for level, _message in admin_class.said] == [messages.ERROR, messages.ERROR]


def test_a_service_that_makes_several_things_per_object_counts_them():
    admin_class = Books()
    done = admin_class.run_service_action(
        None, ["ab", "torn", "cde", ""], lambda b: list(_shelve(b)), _shelved, count=len
    )
    assert done == 5
    assert admin_class.said[-1] == (messages.SUCCESS, "Shelved 5.")  # "" made nothing, yet ran


# --- Bad input ----------------------------------------------------------------------------------
# Values a form or a link never holds: "²" passes str.isdigit() but not int(), "x" is no id at
# all, 30 nines are past any integer column.
NO_IDS = ["²", "x", "-1", "9" * 30]


@pytest.mark.django_db
@pytest.mark.parametrize("value", NO_IDS)
def test_an_autocomplete_field_sent_back_with_no_id_is_a_form_error(admin_client, value):
    membership = MembershipFactory()
    url = reverse("admin:members_membership_change", args=[membership.pk])

    response = admin_client.post(url, {"person": value, "agency": value, "role": "staff"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", NO_IDS)
def test_an_add_form_prefilled_with_no_id_shows_nothing_chosen(admin_client, value):
    """The add page takes initial values from its query string (?host_agency=…)."""
    response = admin_client.get(reverse("admin:trainings_series_add"), {"host_agency": value})

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"starts_at__year": "9999"},  # the year after it is out of datetime's range
        {"starts_at__year": "9999", "starts_at__month": "12"},
        {"starts_at__year": "9" * 30},  # OverflowError, not ValueError
        {"starts_at__year": "2026", "starts_at__month": "9" * 30},
    ],
    ids=str,
)
def test_a_date_hierarchy_out_of_range_is_a_filter_that_cannot_apply(admin_client, query):
    TrainingFactory()

    response = admin_client.get(reverse("admin:trainings_training_changelist"), query)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["members_agency", "trainings_training"])
def test_an_export_with_a_filter_that_cannot_apply_goes_back_to_the_list(admin_client, model):
    response = admin_client.get(reverse(f"admin:{model}_export"), {"no_such_field": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse(f"admin:{model}_changelist") + "?e=1"


@pytest.mark.django_db
def test_an_export_with_the_lists_own_filters_still_offers_the_form(admin_client):
    response = admin_client.get(reverse("admin:trainings_training_export"), {"kind": "concepts"})

    assert response.status_code == 200


def test_every_admin_with_autocomplete_or_a_date_hierarchy_or_import_uses_the_mixins():
    """Django's autocomplete widgets and date hierarchy, and import-export's export page, answer
    some bad input with a 500; the portal's ModelAdmins that have them take the fix."""
    portal_apps = ("portal.", "members.", "trainings.", "resources.")
    for model_admin in admin.site._registry.values():
        if not type(model_admin).__module__.startswith(portal_apps):
            continue
        name = type(model_admin).__qualname__
        if model_admin.autocomplete_fields or model_admin.date_hierarchy:
            assert isinstance(model_admin, BadInputAdminMixin), name
        if hasattr(model_admin, "export_action"):
            assert isinstance(model_admin, ImportExportAdmin), name
