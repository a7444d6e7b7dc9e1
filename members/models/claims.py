"""Claims: what an agency asks curators to confirm before it shows in public."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .agencies import Agency, NmtStatus


class RequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for a curator")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The verified fields of an agency's public profile, which a request can change.
CLAIM_FIELDS = ("nmt_status", "practising_since", "sensory_spaces")


class AgencyStatusRequest(models.Model):
    """A coordinator's request to change the verified part of their agency's public profile
    (NMT status, practising since, sensory-sensitive spaces), with a note for the curators.

    ``changes`` maps each field the request changes to its new value, ``previous`` to the public
    value when it was asked; both are validated by the services against ``Agency``'s own fields.
    Nothing public changes until a curator approves. At most one request per agency is pending.
    """

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="status_requests"
    )
    changes = models.JSONField(_("requested changes"), default=dict)
    previous = models.JSONField(_("public values when asked"), default=dict)
    note = models.TextField(
        _("note from the agency"), max_length=2000, validators=[MaxLengthValidator(2000)]
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    state = models.CharField(
        _("state"), max_length=16, choices=RequestState.choices, default=RequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reply = models.TextField(
        _("reply from the curator"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000)],
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("agency status request")
        verbose_name_plural = _("agency status requests")
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=Q(state="pending"),
                name="agency_status_request_one_pending",
            ),
            models.CheckConstraint(
                condition=~Q(changes={}), name="agency_status_request_changes_something"
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_at__isnull=True)
                | (~Q(state="pending") & Q(decided_at__isnull=False)),
                name="agency_status_request_decided_once_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_state_display()}"

    @property
    def is_pending(self) -> bool:
        return self.state == RequestState.PENDING

    @property
    def change_rows(self) -> list[tuple[str, str, str]]:
        """(field label, public value when asked, requested value), in the fields' order."""
        return [
            (
                capfirst(Agency._meta.get_field(name).verbose_name),
                claim_display(name, self.previous.get(name)),
                claim_display(name, self.changes[name]),
            )
            for name in CLAIM_FIELDS
            if name in self.changes
        ]


def claim_display(name: str, value) -> str:
    """A claim's value as people read it ("Certified NMT site", "2016", "not stated")."""
    if name == "nmt_status":
        return str(NmtStatus(value).label) if value in NmtStatus.values else str(value)
    return str(_("not stated")) if value is None else str(value)
