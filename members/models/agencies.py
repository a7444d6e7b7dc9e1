"""Agencies: their kind, county, NMT status and the values of their public profile."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import ServedLanguage

from ..images import validate_logo


class County(models.TextChoices):
    """The Bay Area counties of the region. The values are part of the URL contract."""

    ALAMEDA = "alameda", "Alameda"
    CONTRA_COSTA = "contra_costa", "Contra Costa"
    MARIN = "marin", "Marin"
    NAPA = "napa", "Napa"
    SAN_FRANCISCO = "san_francisco", "San Francisco"
    SAN_MATEO = "san_mateo", "San Mateo"
    SANTA_CLARA = "santa_clara", "Santa Clara"
    SANTA_CRUZ = "santa_cruz", "Santa Cruz"
    SOLANO = "solano", "Solano"
    SONOMA = "sonoma", "Sonoma"


class PracticeModel(models.TextChoices):
    """The two variants of the model; the values are part of the URL contract."""

    NMT = "nmt", _("NMT")
    NME = "nme", _("NME")


class AgencyKind(models.TextChoices):
    COUNTY_BEHAVIORAL_HEALTH = "county_bh", _("County behavioral health")
    CBO = "cbo", _("Community-based organization")
    SCHOOL_DISTRICT = "school_district", _("School district")
    SCHOOL = "school", _("School")
    OTHER = "other", _("Other")


class NmtStatus(models.TextChoices):
    INTERESTED = "interested", _("Interested")
    IMPLEMENTING = "implementing", _("Implementing")
    CERTIFIED_SITE = "certified_site", _("Certified NMT site")


# What an agency's profile may plausibly say (docs/decisions.md, "Who may say what about an
# agency"). The model enforces them, so the profile form, the admin, its import and every service
# obey; the fixed bounds are database constraints too.
FIRST_PRACTICE_YEAR = 1990
MAX_SENSORY_SPACES = 500
MAX_DESCRIPTION_LENGTH = 5000


def validate_practice_year(value: int | None) -> None:
    """A year the agency started using NMT or NME: from 1990 to this year (the clock's)."""
    last = timezone.localdate().year
    if value is not None and not FIRST_PRACTICE_YEAR <= value <= last:
        raise ValidationError(
            _("Enter a year from %(first)s to %(last)s."),
            code="year_out_of_range",
            params={"first": FIRST_PRACTICE_YEAR, "last": last},
        )


validate_sensory_spaces = MaxValueValidator(
    MAX_SENSORY_SPACES,
    message=_(
        "Enter at most %(limit_value)s: count the rooms or areas set aside, across all sites."
    ),
)


class AgencyQuerySet(models.QuerySet):
    def practising(self, model: str):
        return self.filter(**{f"practises_{model}": True})


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=AgencyKind.choices, default=AgencyKind.CBO
    )
    county = models.CharField(_("county"), max_length=20, choices=County.choices, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(
        _("description"),
        blank=True,
        # max_length on a TextField only sizes the form's field; the validator holds everywhere.
        max_length=MAX_DESCRIPTION_LENGTH,
        validators=[MaxLengthValidator(MAX_DESCRIPTION_LENGTH)],
        help_text=_("Markdown, at most 5,000 characters. Raw HTML is removed when shown."),
    )
    # The three claims below are public and verified: coordinators ask for a change
    # (AgencyStatusRequest) and curators approve it; only curators edit them directly (admin).
    nmt_status = models.CharField(
        _("NMT status"), max_length=20, choices=NmtStatus.choices, default=NmtStatus.INTERESTED
    )
    practises_nmt = models.BooleanField(_("practices NMT"), default=False)
    practises_nme = models.BooleanField(_("practices NME"), default=False)
    practising_since = models.PositiveSmallIntegerField(
        _("practicing since"),
        null=True,
        blank=True,
        validators=[validate_practice_year],
        help_text=_("The year the agency started using NMT or NME."),
    )
    sensory_spaces = models.PositiveSmallIntegerField(
        _("sensory-sensitive spaces"),
        default=0,
        validators=[validate_sensory_spaces],
        help_text=_("How many the agency has, across all its sites."),
    )
    sensory_spaces_note = models.CharField(
        _("about the sensory spaces"), max_length=300, blank=True
    )
    contact_email = models.EmailField(_("public contact email"), blank=True)
    logo = models.ImageField(
        _("logo"),
        upload_to="agency-logos/",
        blank=True,
        validators=[validate_logo],
        help_text=_("PNG, JPEG or WebP, at most 2 MB and 2000 × 2000 pixels."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            # The clock's bound (this year) is the validator's: a constraint cannot read it.
            models.CheckConstraint(
                condition=Q(practising_since__isnull=True)
                | Q(practising_since__gte=FIRST_PRACTICE_YEAR),
                name="agency_practising_since_plausible",
            ),
            models.CheckConstraint(
                condition=Q(sensory_spaces__lte=MAX_SENSORY_SPACES),
                name="agency_sensory_spaces_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("members:agency_detail", kwargs={"slug": self.slug})

    @property
    def models_practised(self) -> list[str]:
        return [
            label
            for flag, label in ((self.practises_nmt, "NMT"), (self.practises_nme, "NME"))
            if flag
        ]


class AgencyLanguage(models.Model):
    """A language an agency serves children and families in (the directory's language filter).
    A row per language rather than an array column: it filters the same way on PostgreSQL and
    on the SQLite file of ``make run``."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="languages", verbose_name=_("agency")
    )
    language = models.CharField(_("language"), max_length=8, choices=ServedLanguage.choices)

    class Meta:
        ordering = ["agency", "language"]
        verbose_name = _("language served")
        verbose_name_plural = _("languages served")
        constraints = [
            models.UniqueConstraint(fields=["agency", "language"], name="agency_language_once"),
        ]

    def __str__(self) -> str:
        return self.get_language_display()
