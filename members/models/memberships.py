"""Memberships of people in agencies, with their role and state, and invitations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .agencies import Agency
from .people import Person


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    STAFF = "staff", _("Staff")


class MembershipState(models.TextChoices):
    ACTIVE = "active", _("Active")
    INVITED = "invited", _("Invited")
    REQUESTED = "requested", _("Requested to join")


def active_membership(path: str) -> Q:
    """An active membership across a relation (``"memberships"``, ``"person__memberships"``):
    the one spelling, next to ``Membership.objects.active()`` for queries on memberships.
    Filter it in the same ``filter()`` call as the other conditions on that membership."""
    return Q(**{f"{path}__state": MembershipState.ACTIVE})


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state=MembershipState.ACTIVE)

    def coordinators(self):
        return self.active().filter(role=Role.COORDINATOR)


class Membership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    state = models.CharField(
        _("state"), max_length=16, choices=MembershipState.choices, default=MembershipState.ACTIVE
    )
    weekly_digest = models.BooleanField(
        _("weekly digest"),
        default=False,
        help_text=_(
            "Coordinators only: a Monday email listing who from the agency attends trainings "
            "that week."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "person__display_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["person", "agency"], name="membership_unique_person"),
        ]
        indexes = [models.Index(fields=["agency", "state", "role"], name="membership_agency_idx")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.agency} ({self.get_role_display()})"

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR and self.state == MembershipState.ACTIVE


class Invitation(models.Model):
    """An emailed invitation to join an agency. Its link is signed and expires."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # One open invitation per address and agency; inviting again refreshes it.
            models.UniqueConstraint(
                fields=["agency", "email"],
                condition=Q(accepted_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.agency}"
