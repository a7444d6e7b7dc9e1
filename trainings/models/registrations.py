"""Registrations, their status and attendance."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalogue import Training


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class Attendance(models.TextChoices):
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def confirmed(self):
        return self.filter(status=RegistrationStatus.CONFIRMED)

    def waitlisted(self):
        return self.filter(status=RegistrationStatus.WAITLISTED)

    def in_arrival_order(self):
        return self.order_by("arrived_at", "pk")

    def waitlist_position(self, registration) -> int:
        """Where a waitlisted registration stands: 1 for the next to get a seat."""
        return (
            self.waitlisted()
            .filter(training_id=registration.training_id)
            .filter(
                Q(arrived_at__lt=registration.arrived_at)
                | Q(arrived_at=registration.arrived_at, pk__lte=registration.pk)
            )
            .count()
        )


class Registration(models.Model):
    """A person's seat (or place on the waitlist) at a training.

    Seats change only in ``trainings.services.registration``, under a row lock on the training;
    ``Training.seats_taken`` counts the confirmed ones.
    """

    # PROTECT: a training people registered for is cancelled (``training_cancel``), never
    # deleted, which would take their registrations, attendance and certificates with it.
    training = models.ForeignKey(Training, on_delete=models.PROTECT, related_name="registrations")
    # Null once the person deleted their account: the row stays, anonymised, so figures hold.
    person = models.ForeignKey(
        "members.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    agency = models.ForeignKey(
        "members.Agency",
        verbose_name=_("for agency"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices)
    # Order of arrival: the waitlist is served by (arrived_at, id). A substitute inherits it.
    arrived_at = models.DateTimeField(_("arrived"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attendance = models.CharField(
        _("attendance"), max_length=16, choices=Attendance.choices, blank=True
    )
    # The credential that marking this registration attended recorded, so that unmarking it
    # removes that credential and no other. The link lives here, not on the credential: members
    # sits below trainings and knows nothing of registrations.
    credential = models.OneToOneField(
        "members.Credential",
        verbose_name=_("credential recorded by attendance"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attendance_registration",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["arrived_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["training", "person"],
                condition=Q(status__in=["confirmed", "waitlisted"]),
                name="registration_one_active_per_person",
                violation_error_message=_("This person is already registered."),
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled") | Q(cancelled_at__isnull=True),
                name="registration_cancelled_at_only_when_cancelled",
            ),
        ]
        indexes = [
            models.Index(
                fields=["training", "status", "arrived_at"], name="registration_queue_idx"
            ),
            models.Index(fields=["agency", "status"], name="registration_agency_idx"),
        ]

    def __str__(self) -> str:
        who = self.person.display_name if self.person else _("(deleted account)")
        return f"{who} — {self.training} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
