"""NMT credentials a person holds: concepts, Phase I, Phase II / train-the-trainer, mentor."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .agencies import PracticeModel
from .people import Person


class CredentialLevel(models.TextChoices):
    """The NMT stages, in order. Certification means participation in training."""

    CONCEPTS = "concepts", _("Trained in NMT concepts")
    PHASE_1 = "phase_1", _("Phase I certified")
    PHASE_2 = "phase_2", _("Phase II / Train-the-Trainer certified")
    MENTOR = "mentor", _("Mentor")


# The order of the stages: a person at a stage counts at every stage before it.
LEVEL_ORDER = [
    CredentialLevel.CONCEPTS,
    CredentialLevel.PHASE_1,
    CredentialLevel.PHASE_2,
    CredentialLevel.MENTOR,
]


def levels_from(level: str) -> list[str]:
    """This stage and every later one: who "reached" ``level``."""
    return [str(value) for value in LEVEL_ORDER[LEVEL_ORDER.index(level) :]]


class CredentialSource(models.TextChoices):
    ATTENDANCE = "attendance", _("Attended a portal training")
    COORDINATOR = "coordinator", _("Recorded by a coordinator")
    ADMIN = "admin", _("Verified by an admin")


class Credential(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credentials")
    level = models.CharField(_("level"), max_length=16, choices=CredentialLevel.choices)
    model = models.CharField(
        _("model"), max_length=8, choices=PracticeModel.choices, default=PracticeModel.NMT
    )
    earned_on = models.DateField(_("date earned"))
    source = models.CharField(_("source"), max_length=16, choices=CredentialSource.choices)
    verified = models.BooleanField(_("verified"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-earned_on", "pk"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "level", "model"], name="credential_unique_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_level_display()} ({self.get_model_display()})"
