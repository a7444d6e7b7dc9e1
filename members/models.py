import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .images import validate_logo


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


class EmailUserManager(UserManager):
    """Users sign in by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailUserManager()

    def __str__(self) -> str:
        return self.email


class AgencyKind(models.TextChoices):
    COUNTY_BEHAVIORAL_HEALTH = "county_bh", _("County behavioural health")
    CBO = "cbo", _("Community-based organisation")
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
    practises_nmt = models.BooleanField(_("practises NMT"), default=False)
    practises_nme = models.BooleanField(_("practises NME"), default=False)
    practising_since = models.PositiveSmallIntegerField(
        _("practising since"),
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


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class Person(models.Model):
    """The portal's view of a person who trains; one per user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person"
    )
    display_name = models.CharField(_("display name"), max_length=150)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    discipline = models.CharField(
        _("discipline"),
        max_length=150,
        blank=True,
        help_text=_("For example clinician, teacher, case manager, supervisor."),
    )
    # The secret part of the personal calendar feed's address (/me/calendar/<token>.ics), the
    # feed's only protection: calendar apps fetch it without signing in. Made with the person;
    # replaced on request (``services.calendar_token_regenerate``), the old address then 404s.
    calendar_token = models.CharField(
        _("calendar feed token"),
        max_length=64,
        unique=True,
        default=new_calendar_token,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name


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


# --- The monthly community digest ----------------------------------------------------------------


def new_digest_token() -> str:
    return secrets.token_urlsafe(32)


class DigestSubscriptionQuerySet(models.QuerySet):
    def receiving(self):
        """Confirmed (double opt-in) and not unsubscribed: the people the digest goes to."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class DigestSubscription(models.Model):
    """An address that asked for the monthly community digest, with or without an account.

    The digest goes only to confirmed addresses (double opt-in). ``token`` is the secret in the
    confirmation and unsubscribe links; it is replaced when an unsubscribed address subscribes
    again, so links from before stop working.
    """

    email = models.EmailField(_("email address"))
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="digest_subscriptions",
        help_text=_("Set when a signed-in person subscribed their own address."),
    )
    token = models.CharField(max_length=64, unique=True, default=new_digest_token, editable=False)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = DigestSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="digest_subscription_unique_email"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_receiving(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


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


# --- Claims: what an agency asks curators to confirm ---------------------------------------------


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
