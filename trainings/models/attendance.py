"""Attendance per session, the rule that turns it into a training's attendance, and the
evaluation some trainings ask for before their certificate is released."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .catalogue import Kind, Session, Training
from .registrations import Attendance, Registration

# A session's check-in opens this long before it starts and closes when it ends.
CHECK_IN_OPENS_BEFORE = dt.timedelta(minutes=30)


class AttendanceMethod(models.TextChoices):
    ROSTER = "roster", _("Host's roster")
    ADMIN = "admin", _("Admin")
    CHECK_IN = "check_in", _("Check-in code")
    JOIN_LINK = "join_link", _("Online join link")


class SessionAttendance(models.Model):
    """One person's attendance at one session. ``Registration.attendance`` follows from these
    rows by the rule of the training's kind, in ``trainings.services.attendance`` only."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="session_attendance"
    )
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    value = models.CharField(_("attendance"), max_length=16, choices=Attendance.choices)
    method = models.CharField(
        _("recorded through"), max_length=16, choices=AttendanceMethod.choices
    )
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["session__starts_at", "pk"]
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "session"], name="session_attendance_once"
            )
        ]
        indexes = [models.Index(fields=["session", "value"], name="session_attendance_idx")]

    def __str__(self) -> str:
        return f"{self.session} — {self.get_value_display()}"


class AttendanceRule(models.Model):
    """What share of a training's sessions a person must attend for the training to count as
    attended (and its credential and certificate to follow). One per kind of training; a kind
    without a rule needs every session."""

    kind = models.CharField(_("kind of training"), max_length=32, choices=Kind.choices, unique=True)
    minimum_percent = models.PositiveSmallIntegerField(
        _("minimum share of sessions (%)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("100: every session. 75: three sessions of four."),
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("attendance rule")
        verbose_name_plural = _("attendance rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_percent__gte=1, minimum_percent__lte=100),
                name="attendance_rule_percent_range",
                violation_error_message=_("The share is between 1 and 100 percent."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.minimum_percent}%"


RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Evaluation(models.Model):
    """A participant's evaluation of a training. Only aggregates are ever shown, and only from
    ``EVALUATION_MINIMUM_ANSWERS`` answers on, so no answer can be traced to a person."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="evaluation"
    )
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="evaluations")
    content_rating = models.PositiveSmallIntegerField(
        _("the content was useful"), validators=RATING_VALIDATORS
    )
    trainer_rating = models.PositiveSmallIntegerField(
        _("the trainer explained it well"), validators=RATING_VALIDATORS
    )
    practice_rating = models.PositiveSmallIntegerField(
        _("I can apply it in my work"), validators=RATING_VALIDATORS
    )
    comments = models.TextField(_("comments"), blank=True, max_length=2000)
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_rating__gte=1, content_rating__lte=5)
                & models.Q(trainer_rating__gte=1, trainer_rating__lte=5)
                & models.Q(practice_rating__gte=1, practice_rating__lte=5),
                name="evaluation_ratings_range",
            )
        ]

    def __str__(self) -> str:
        return str(_("Evaluation of %(training)s") % {"training": self.training})


EVALUATION_MINIMUM_ANSWERS = 5
