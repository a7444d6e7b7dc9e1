"""Attendance per session, its rule, and the certificates of attendance that follow from it:
issued once the training is over and the rule is met (and the evaluation is in, where asked),
replaced when the hours change, revoked when the attendance no longer meets the rule; a
curator's revoke stands; reissue keeps an audit trail."""

import datetime as dt
from decimal import Decimal

import pytest

from members.models import Credential, CredentialLevel
from portal.models import OutboxEmail
from tests.factories import PersonFactory, TrainingFactory, days_from_today
from tests.trainings.factories import RegistrationFactory
from trainings import rules
from trainings.models import (
    Attendance,
    AttendanceRule,
    Certificate,
    CertificateAction,
    Kind,
)
from trainings.services import (
    CertificateError,
    EvaluationError,
    attendance_mark,
    certificate_reissue,
    certificate_revoke,
    certificates_issue_due,
    evaluation_submit,
)

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
WEEK = dt.timedelta(days=7)


def _cohort(*, weeks_ago: int = 5, sessions: int = 4, **fields):
    """A training of ``sessions`` weekly 3-hour sessions; the last ended a week ago."""
    first = days_from_today(-7 * weeks_ago)
    return TrainingFactory(
        sessions=[(first + n * WEEK, first + n * WEEK + 3 * HOUR) for n in range(sessions)],
        **fields,
    )


def _mark_sessions(registration, values, *, by=None, now=None):
    sessions = list(registration.training.sessions.order_by("starts_at"))
    return attendance_mark(
        training=registration.training,
        session_marks={
            (registration.pk, session.pk): value
            for session, value in zip(sessions, values, strict=False)
        },
        marked_by=by,
        now=now,
    )


# --- The rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sessions", "attended", "others", "percent", "expected"),
    [
        (4, 4, [], 100, Attendance.ATTENDED),
        (4, 3, [], 100, ""),  # one session not marked yet
        (4, 3, ["absent"], 100, Attendance.ABSENT),
        (4, 3, ["excused"], 75, Attendance.ATTENDED),
        (4, 2, ["excused", "excused"], 75, Attendance.EXCUSED),
        (4, 2, ["excused", "absent"], 75, Attendance.ABSENT),
        (3, 2, ["absent"], 75, Attendance.ABSENT),  # 75% of 3 is 3: rounded up
        (1, 0, ["excused"], 100, Attendance.EXCUSED),
        (0, 0, [], 100, ""),
    ],
)
def test_the_rule_turns_session_marks_into_the_trainings_attendance(
    sessions, attended, others, percent, expected
):
    assert (
        rules.training_attendance(
            sessions=sessions, attended=attended, marked_other=others, percent=percent
        )
        == expected
    )


def test_every_session_counts_by_default_and_a_curator_can_lower_the_share(curator):
    strict, lenient = _cohort(kind=Kind.PHASE_1), _cohort(kind=Kind.PHASE_1)
    AttendanceRule.objects.create(kind=Kind.PHASE_2, minimum_percent=50)
    one, other = RegistrationFactory(training=strict), RegistrationFactory(training=lenient)
    values = ["attended", "attended", "attended", "absent"]

    _mark_sessions(one, values, by=curator)
    one.refresh_from_db()
    assert one.attendance == Attendance.ABSENT
    assert one.session_attendance.count() == 4
    assert not Certificate.objects.exists()

    AttendanceRule.objects.create(kind=Kind.PHASE_1, minimum_percent=75)
    _mark_sessions(other, values, by=curator)
    other.refresh_from_db()
    assert other.attendance == Attendance.ATTENDED
    certificate = Certificate.objects.get()
    assert (certificate.sessions_attended, certificate.sessions_total) == (3, 4)
    assert certificate.hours == Decimal("9.00")


def test_session_marks_record_who_marked_and_when(curator):
    registration = RegistrationFactory(training=_cohort(sessions=2))
    _mark_sessions(registration, ["attended", "excused"], by=curator)
    rows = list(registration.session_attendance.order_by("session__starts_at"))
    assert [row.value for row in rows] == ["attended", "excused"]
    assert {row.recorded_by for row in rows} == {curator}
    assert all(row.method == "roster" and row.recorded_at for row in rows)


def test_a_session_not_started_cannot_be_marked(curator):
    start = days_from_today(-1)
    training = TrainingFactory(
        sessions=[(start, start + 3 * HOUR), (start + WEEK, start + WEEK + 3 * HOUR)]
    )
    registration = RegistrationFactory(training=training)
    outcome = _mark_sessions(registration, ["attended", "attended"], by=curator)
    assert outcome.changed == 0
    assert "once it has started" in str(outcome.refused[0])
    assert not registration.session_attendance.exists()


def test_the_concepts_credential_follows_the_rule_and_unmarking_a_session_undoes_it(curator):
    registration = RegistrationFactory(training=_cohort(sessions=2, kind=Kind.CONCEPTS))
    _mark_sessions(registration, ["attended"], by=curator)
    assert not Credential.objects.exists()  # one of two sessions: not settled
    _mark_sessions(registration, ["attended", "attended"], by=curator)
    assert Credential.objects.get().level == CredentialLevel.CONCEPTS

    _mark_sessions(registration, ["attended", ""], by=curator)
    registration.refresh_from_db()
    assert registration.attendance == ""
    assert not Credential.objects.exists()


# --- Certificates follow ---------------------------------------------------------------------


def test_a_certificate_is_issued_once_with_what_it_says_frozen_and_a_link_emailed(curator):
    lead = PersonFactory(display_name="Dr. Lee Trainer")
    training = _cohort(
        sessions=2,
        title="Phase I cohort",
        lead_trainer=lead,
        ce_hours=Decimal("6"),
        ce_approving_body="the California Board of Behavioral Sciences",
        ce_provider_number="PCE 4242",
        ce_licences="LMFT, LCSW",
    )
    person = PersonFactory(
        display_name="Jo",
        certificate_name="José Núñez-Ávila",
        licence_type="LMFT",
        licence_number="123456",
    )
    registration = RegistrationFactory(training=training, person=person)

    _mark_sessions(registration, ["attended", "attended"], by=curator)
    _mark_sessions(registration, ["attended", "attended"], by=curator)  # again: nothing new

    certificate = Certificate.objects.get()
    assert certificate.name == "José Núñez-Ávila"
    assert certificate.licence == "LMFT 123456"
    assert certificate.trainer == "Dr. Lee Trainer"
    assert certificate.host_agency == training.host_agency.name
    assert (certificate.hours, certificate.ce_hours) == (Decimal("6.00"), Decimal("6.00"))
    assert certificate.events.get().action == CertificateAction.ISSUED
    email = OutboxEmail.objects.get(kind="certificate_issued")
    assert email.to == [person.user.email]
    assert certificate.display_code in email.body_text
    assert "/me/certificates/" in email.body_text
    assert "not a certification of clinical competence" in email.body_text
    assert not email.attachments

    training.title = "Renamed"
    training.save()
    certificate.refresh_from_db()
    assert certificate.training_title == "Phase I cohort"


def test_nothing_is_issued_before_the_training_is_over_then_the_dispatcher_issues_it(curator):
    start = days_from_today(-1)
    training = TrainingFactory(sessions=[(start, start + 3 * HOUR)])
    registration = RegistrationFactory(training=training)
    during = start + HOUR
    _mark_sessions(registration, ["attended"], by=curator, now=during)
    registration.refresh_from_db()
    assert registration.attendance == Attendance.ATTENDED
    assert certificates_issue_due(now=during) == 0
    assert not Certificate.objects.exists()

    assert certificates_issue_due(now=start + 4 * HOUR) == 1
    assert certificates_issue_due(now=start + 5 * HOUR) == 0  # once
    assert Certificate.objects.get().registration == registration


def test_more_hours_replace_the_certificate_and_unmarking_revokes_it(curator):
    AttendanceRule.objects.create(kind=Kind.CONCEPTS, minimum_percent=50)
    registration = RegistrationFactory(training=_cohort(sessions=2))
    _mark_sessions(registration, ["attended", "absent"], by=curator)
    first = Certificate.objects.get()
    assert first.hours == Decimal("3.00")

    _mark_sessions(registration, ["attended", "attended"], by=curator)
    first.refresh_from_db()
    second = Certificate.objects.valid().get()
    assert first.is_revoked
    assert second.replaces == first
    assert second.hours == Decimal("6.00")

    _mark_sessions(registration, ["absent", "absent"], by=curator)
    second.refresh_from_db()
    assert second.is_revoked
    assert not Certificate.objects.valid().exists()
    assert OutboxEmail.objects.filter(kind="certificate_issued").count() == 2


def test_a_curators_revoke_stands_and_reissue_makes_a_new_certificate_with_the_new_name(
    curator,
):
    registration = RegistrationFactory(training=_cohort(sessions=1))
    _mark_sessions(registration, ["attended"], by=curator)
    certificate = Certificate.objects.get()

    with pytest.raises(CertificateError, match="Say why"):
        certificate_revoke(certificate=certificate, by=curator, reason="   ")
    certificate_revoke(certificate=certificate, by=curator, reason="Issued in error")
    assert certificates_issue_due() == 0  # the portal does not issue it again by itself
    _mark_sessions(registration, ["absent"], by=curator)
    _mark_sessions(registration, ["attended"], by=curator)
    assert not Certificate.objects.valid().exists()
    with pytest.raises(CertificateError, match="already revoked"):
        certificate_revoke(certificate=certificate, by=curator, reason="Again")

    person = registration.person
    person.certificate_name = "Alex Married-Name"
    person.save()
    new = certificate_reissue(certificate=certificate, by=curator, reason="Name change")
    assert new.name == "Alex Married-Name"
    assert new.replaces == certificate
    assert new.code != certificate.code
    actions = [e.action for e in certificate.events.all()] + [e.action for e in new.events.all()]
    assert actions == ["issued", "revoked", "reissued"]
    assert {e.actor for e in new.events.all()} == {curator}
    with pytest.raises(CertificateError, match="already has a valid certificate"):
        certificate_reissue(certificate=certificate, by=curator)


def test_a_certificate_waits_for_the_evaluation_when_the_training_asks_for_one(curator):
    registration = RegistrationFactory(training=_cohort(sessions=1, evaluation_required=True))
    _mark_sessions(registration, ["attended"], by=curator)
    assert not Certificate.objects.exists()
    assert certificates_issue_due() == 0
    user = registration.person.user

    with pytest.raises(EvaluationError, match="from 1 to 5"):
        evaluation_submit(
            registration=registration, user=user, content_rating=6, trainer_rating=5,
            practice_rating=5,
        )  # fmt: skip
    with pytest.raises(EvaluationError, match="not your registration"):
        evaluation_submit(
            registration=registration, user=curator, content_rating=5, trainer_rating=5,
            practice_rating=5,
        )  # fmt: skip
    evaluation_submit(
        registration=registration, user=user, content_rating=5, trainer_rating=4,
        practice_rating=4, comments="Useful.",
    )  # fmt: skip
    assert Certificate.objects.valid().get().registration == registration
    with pytest.raises(EvaluationError, match="already evaluated"):
        evaluation_submit(
            registration=registration, user=user, content_rating=5, trainer_rating=5,
            practice_rating=5,
        )  # fmt: skip


def test_someone_not_attended_cannot_evaluate_and_gets_no_certificate(curator):
    registration = RegistrationFactory(training=_cohort(sessions=1, evaluation_required=True))
    _mark_sessions(registration, ["absent"], by=curator)
    with pytest.raises(EvaluationError, match="Only people who attended"):
        evaluation_submit(
            registration=registration, user=registration.person.user, content_rating=5,
            trainer_rating=5, practice_rating=5,
        )  # fmt: skip
    assert not Certificate.objects.exists()
