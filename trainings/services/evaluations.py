"""Evaluations: what participants thought of a training. A training may require one before
its certificates are released (CE providers must collect them)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import User
from portal.exceptions import ApplicationError

from ..models import Attendance, Evaluation, Registration, RegistrationStatus
from .certificates import certificate_sync

COMMENTS_MAX = 2000


class EvaluationError(ApplicationError):
    pass


def evaluation_submit(
    *,
    registration: Registration,
    user: User,
    content_rating: int,
    trainer_rating: int,
    practice_rating: int,
    comments: str = "",
    now: dt.datetime | None = None,
) -> Evaluation:
    """The participant's evaluation, once, after the training ended; releases the certificate
    when the training waits for it."""
    now = now or timezone.now()
    for field, rating in (
        ("content_rating", content_rating),
        ("trainer_rating", trainer_rating),
        ("practice_rating", practice_rating),
    ):
        if rating not in range(1, 6):
            raise EvaluationError(_("Choose a rating from 1 to 5."), extra={"field": field})
    comments = comments.strip()
    if len(comments) > COMMENTS_MAX:
        raise EvaluationError(
            _("Keep the comments under %(max)d characters.") % {"max": COMMENTS_MAX},
            extra={"field": "comments"},
        )
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("training__host_agency", "training__lead_trainer", "person")
            .get(pk=registration.pk)
        )
        if registration.person is None or registration.person.user_id != user.pk:
            raise EvaluationError(_("This is not your registration."))
        training = registration.training
        if registration.status != RegistrationStatus.CONFIRMED or registration.attendance != (
            Attendance.ATTENDED
        ):
            raise EvaluationError(_("Only people who attended the training can evaluate it."))
        if training.ends_at is None or training.ends_at > now:
            raise EvaluationError(_("The evaluation opens when the training has ended."))
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(
                    registration=registration,
                    training=training,
                    content_rating=content_rating,
                    trainer_rating=trainer_rating,
                    practice_rating=practice_rating,
                    comments=comments,
                    submitted_at=now,
                )
        except IntegrityError:
            raise EvaluationError(
                _("You have already evaluated this training. Thank you!")
            ) from None
        certificate_sync(registration=registration, now=now)
    return evaluation
