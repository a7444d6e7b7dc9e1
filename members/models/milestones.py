"""Site-certification milestones: the steps, and each agency's progress on them."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .agencies import Agency


class MilestoneMeasure(models.TextChoices):
    """What the portal counts for a milestone it computes instead of asking the agency."""

    CONCEPTS = "concepts", _("Staff trained in NMT concepts (or beyond)")
    PHASE_1 = "phase_1", _("Staff certified in Phase I (or beyond)")
    TRAINERS = "trainers", _("Phase II / Train-the-Trainer certified staff")
    SENSORY_SPACES = "sensory_spaces", _("Sensory-sensitive spaces (confirmed by curators)")


class SiteMilestone(models.Model):
    """A step toward becoming a certified NMT site, defined by the portal's admins.

    With a ``measure`` the portal computes it from its records (reached when the figure is at
    least ``threshold``) and coordinators cannot tick it; without one it is the agency's claim,
    public once a curator verifies the tick."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    measure = models.CharField(
        _("computed from"),
        max_length=20,
        choices=MilestoneMeasure.choices,
        blank=True,
        help_text=_(
            "Leave empty for a milestone the agency reports (and a curator verifies). With a "
            "figure, the portal decides: coordinators cannot tick it."
        ),
    )
    threshold = models.PositiveSmallIntegerField(
        _("reached at"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("For a computed milestone: the figure at which it counts as reached."),
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("site-certification milestone")
        verbose_name_plural = _("site-certification milestones")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=1), name="site_milestone_threshold_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_computed(self) -> bool:
        return bool(self.measure)


class AgencyMilestone(models.Model):
    """A coordinator's tick on a milestone for their agency, with a date and a note. It is the
    agency's claim: public once a curator has verified it (``verified_at``)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.ForeignKey(SiteMilestone, on_delete=models.CASCADE, related_name="+")
    done_on = models.DateField(_("done on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("agency milestone")
        verbose_name_plural = _("agency milestones")
        constraints = [
            models.UniqueConstraint(fields=["agency", "milestone"], name="agency_milestone_once"),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.milestone}"
