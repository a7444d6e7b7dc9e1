"""Certificates of attendance: what each says, frozen when it is issued, and what happened to it.

A certificate records that a person took part in a training. It never certifies clinical
competence, and it is not NMT certification, which only the Neurosequential Network grants.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .catalogue import CODE_ALPHABET, Training, display_code
from .registrations import Registration

CODE_LENGTH = 20  # 100 bits: unguessable, and short enough to type


def new_certificate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True)


class Certificate(models.Model):
    """Issued by ``trainings.services.certificates`` when a registration's attendance meets its
    training's rule (and its evaluation is in, when the training asks for one)."""

    code = models.CharField(
        _("verification code"), max_length=CODE_LENGTH, unique=True, default=new_certificate_code
    )
    # SET_NULL: the certificate outlives a deleted account, anonymised, as registrations do.
    registration = models.ForeignKey(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    person = models.ForeignKey(
        "members.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    training = models.ForeignKey(Training, on_delete=models.PROTECT, related_name="certificates")
    # What the certificate says, frozen when issued: a later edit of the training or of the
    # person's name changes nothing printed; a curator reissues instead.
    name = models.CharField(_("name as printed"), max_length=150)
    licence = models.CharField(_("license as printed"), max_length=120, blank=True)
    training_title = models.CharField(_("training title"), max_length=200)
    first_date = models.DateField(_("first date"))
    last_date = models.DateField(_("last date"))
    sessions_attended = models.PositiveSmallIntegerField(_("sessions attended"))
    sessions_total = models.PositiveSmallIntegerField(_("sessions"))
    hours = models.DecimalField(_("hours attended"), max_digits=6, decimal_places=2)
    ce_hours = models.DecimalField(
        _("CE hours"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    ce_approving_body = models.CharField(_("CE approving body"), max_length=200, blank=True)
    ce_provider_number = models.CharField(_("CE provider number"), max_length=60, blank=True)
    ce_licences = models.CharField(_("CE applies to"), max_length=200, blank=True)
    host_agency = models.CharField(_("host agency"), max_length=200, blank=True)
    trainer = models.CharField(_("trainer"), max_length=150, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    # Null when the portal revoked it (the attendance was corrected): a curator's revoke stands,
    # and nothing issues that registration a new certificate by itself afterwards.
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate of attendance")
        verbose_name_plural = _("certificates of attendance")
        constraints = [
            # At most one valid certificate per registration: issuing twice is a no-op.
            models.UniqueConstraint(
                fields=["registration"],
                condition=models.Q(revoked_at__isnull=True),
                name="certificate_one_valid_per_registration",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revoked_reason=""),
                name="certificate_revoked_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["person", "revoked_at"], name="certificate_person_idx")]

    def __str__(self) -> str:
        return f"{self.name} — {self.training_title} ({self.display_code})"

    def get_absolute_url(self) -> str:
        return reverse("trainings:certificate_verify", kwargs={"code": self.display_code})

    @property
    def display_code(self) -> str:
        return display_code(self.code)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def filename(self) -> str:
        return f"certificate-{self.training.slug}-{self.code}.pdf"

    @property
    def verify_url(self) -> str:
        return settings.SITE_URL + self.get_absolute_url()


class CertificateAction(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")
    REISSUED = "reissued", _("Reissued")


class CertificateEvent(models.Model):
    """The audit trail: who issued, revoked or reissued a certificate, when, and why."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=CertificateAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"
