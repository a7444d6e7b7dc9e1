"""The practice follow-up: what attendees of Phase I/II put into practice."""

import datetime as dt
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .registrations import Registration


class Practice(models.TextChoices):
    """What a person has put into practice since a Phase I or Phase II training. Labels stay
    short: they are also the labels of the community page's chart."""

    REGULATION_FIRST = "regulation_first", _("Regulation before sessions")
    SENSORY_TOOLS = "sensory_tools", _("Sensory tools or spaces")
    NMT_METRICS = "nmt_metrics", _("NMT Metrics or assessment")
    SHARING = "sharing", _("Sharing with caregivers/teachers")
    SUPERVISION = "supervision", _("Supervision using the NMT lens")
    TEAM_TRAINING = "team_training", _("Training my team")


class Obstacle(models.TextChoices):
    TIME = "time", _("Time")
    CASELOAD = "caseload", _("Caseload")
    LEADERSHIP = "leadership", _("Leadership support")
    COST = "cost", _("Cost")
    TOOLS_SPACE = "tools_space", _("Tools or space")
    NOTHING = "nothing", _("Nothing got in the way")


# The form stays open this long after its email is sent; answers can be changed until then.
PRACTICE_REPORT_OPEN_DAYS = 60
PRACTICE_NOTE_MAX_LENGTH = 1000


def new_practice_report_token() -> str:
    return secrets.token_urlsafe(24)


class PracticeReport(models.Model):
    """What one attendee has put into practice 30 days after a Phase I or Phase II training.

    Created (with its random token, the only key to the form) when the follow-up email is
    queued; ``submitted_at`` is empty until the person answers. ``practices`` and ``obstacles``
    are lists of ``Practice`` / ``Obstacle`` values, kept in choice order by the service so the
    same answers are the same JSON (the figures group by them).
    """

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="practice_report"
    )
    token = models.CharField(
        max_length=64, unique=True, default=new_practice_report_token, editable=False
    )
    opened_at = models.DateTimeField(_("form sent"), default=timezone.now)
    submitted_at = models.DateTimeField(_("answered"), null=True, blank=True)
    not_started = models.BooleanField(_("not started yet"), default=False)
    practices = models.JSONField(_("put into practice"), default=list, blank=True)
    obstacles = models.JSONField(_("what got in the way"), default=list, blank=True)
    note = models.TextField(_("note"), max_length=PRACTICE_NOTE_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "pk"]
        verbose_name = _("practice report")
        verbose_name_plural = _("practice reports")
        indexes = [
            models.Index(fields=["submitted_at"], name="practice_report_submitted_idx"),
        ]

    def __str__(self) -> str:
        return _("Practice report for registration %(id)s") % {"id": self.registration_id}

    @property
    def closes_at(self) -> dt.datetime:
        return self.opened_at + dt.timedelta(days=PRACTICE_REPORT_OPEN_DAYS)

    def is_open(self, *, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) < self.closes_at
