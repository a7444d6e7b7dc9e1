"""Reminders: rows with a due time, per registration and kind."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal import dates

from .catalogue import Kind, validate_offsets
from .registrations import Registration


class ReminderPolicy(models.Model):
    """Default reminder offsets for one kind of training (a training can override them)."""

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, unique=True)
    offsets = models.CharField(
        _("reminders"),
        max_length=100,
        validators=[validate_offsets],
        help_text=_("E.g. “7d, 1d”. Empty: no reminders for this kind."),
        blank=True,
    )

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.offsets or '—'}"


class ReminderState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")  # handed to the outbox
    MISSED = "missed", _("Missed (too late to send)")
    CANCELLED = "cancelled", _("Cancelled")


FOLLOW_UP = "followup"
# 30 days after a Phase I or Phase II training: the practice follow-up (``PracticeReport``).
PRACTICE_FOLLOW_UP = "practice30"
PRACTICE_FOLLOW_UP_KINDS = (Kind.PHASE_1, Kind.PHASE_2)


class Reminder(models.Model):
    """A reminder (or the day-after follow-up) for one confirmed registration: a row with a due
    time, never a delayed Celery message. ``kind`` is the offset ("7d", "1d", "2h"), "followup"
    or "practice30" (Phase I/II only); one row per registration and kind."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=16)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=16, choices=ReminderState.choices, default=ReminderState.SCHEDULED
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind"], name="reminder_one_per_registration_kind"
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                condition=Q(state="scheduled"),
                name="reminder_scheduled_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return _("%(kind)s reminder for registration %(id)s, %(when)s") % {
            "kind": self.kind,
            "id": self.registration_id,
            "when": dates.moment(self.due_at),
        }
