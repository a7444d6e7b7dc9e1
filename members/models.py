import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
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
        _("description"), blank=True, help_text=_("Markdown. Raw HTML is removed when shown.")
    )
    nmt_status = models.CharField(
        _("NMT status"), max_length=20, choices=NmtStatus.choices, default=NmtStatus.INTERESTED
    )
    practises_nmt = models.BooleanField(_("practises NMT"), default=False)
    practises_nme = models.BooleanField(_("practises NME"), default=False)
    practising_since = models.PositiveSmallIntegerField(
        _("practising since"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The year the agency started using NMT or NME."),
    )
    sensory_spaces = models.PositiveSmallIntegerField(
        _("sensory-sensitive spaces"), default=0, help_text=_("How many the agency has.")
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


class SiteMilestone(models.Model):
    """A step toward becoming a certified NMT site, defined by the portal's admins."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("site-certification milestone")
        verbose_name_plural = _("site-certification milestones")

    def __str__(self) -> str:
        return self.title


class AgencyMilestone(models.Model):
    """A coordinator's tick on a milestone for their agency, with a date and a note."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.ForeignKey(SiteMilestone, on_delete=models.CASCADE, related_name="+")
    done_on = models.DateField(_("done on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agency milestone")
        verbose_name_plural = _("agency milestones")
        constraints = [
            models.UniqueConstraint(fields=["agency", "milestone"], name="agency_milestone_once"),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.milestone}"
