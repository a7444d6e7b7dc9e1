"""The catalogue: trainings, their sessions, and community-of-practice series."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from members.models import County, CredentialLevel, PracticeModel
from portal.models import CatalogueModel, CatalogueQuerySet, ContentLanguage

from ..recurrence import validate_rule

# Check-in and certificate codes: Crockford's base32, without the letters people misread
# (I, L, O, U), grouped by four with dashes when shown.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_IN_CODE_LENGTH = 8


def normalize_code(value: str, *, length: int) -> str:
    """What a person typed or scanned ("7kq2-m4xd") as stored ("7KQ2M4XD"), or "" when it
    cannot be a code of ``length`` characters."""
    code = "".join(value.split()).replace("-", "").upper()
    code = code.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(code) != length or any(ch not in CODE_ALPHABET for ch in code):
        return ""
    return code


def display_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# Paths under /trainings/ that a training's slug must not shadow.


RESERVED_SLUGS = frozenset({"calendar", "past", "feed", "series"})


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is reserved for a page of the portal."), params={"slug": value}
        )


OFFSET_PATTERN = re.compile(r"^\s*(\d{1,3})\s*([dh])\s*$")


def parse_offsets(value: str) -> list[tuple[int, str]]:
    """ "7d, 1d, 2h" → [(7, "d"), (1, "d"), (2, "h")]: reminders before the first session."""
    offsets = []
    for part in filter(None, (piece.strip() for piece in (value or "").split(","))):
        match = OFFSET_PATTERN.match(part)
        if not match:
            raise ValidationError(
                _("“%(part)s” is not an offset like 7d or 2h."), params={"part": part}
            )
        offsets.append((int(match.group(1)), match.group(2)))
    return offsets


def validate_offsets(value: str) -> None:
    parse_offsets(value)


class Kind(models.TextChoices):
    CONCEPTS = "concepts", _("NMT/NME concepts")
    PHASE_1 = "phase_1", _("Phase I")
    PHASE_2 = "phase_2", _("Phase II / Train-the-Trainer")
    COMMUNITY_OF_PRACTICE = "community_of_practice", _("Community of practice")
    OTHER = "other", _("Other")


# What a training of each kind requires when its curator sets nothing: the stage before it.
DEFAULT_REQUIRED_LEVEL = {
    Kind.PHASE_1: CredentialLevel.CONCEPTS,
    Kind.PHASE_2: CredentialLevel.PHASE_1,
}

# A training is for NMT or NME: the same two values as an agency's practice and a credential.
Model = PracticeModel


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # Proposed by a host agency's coordinator; a curator reviews and publishes it.
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class SeatsState(models.TextChoices):
    """What a visitor is told about a training's seats; computed by ``Training.seats_state``."""

    AVAILABLE = "available", _("Seats left")
    FULL = "full", _("Full — waitlist open")
    NOT_YET_OPEN = "not_yet_open", _("Registration not yet open")
    CLOSED = "closed", _("Registration closed")
    CANCELLED = "cancelled", _("Cancelled")


class TrainingQuerySet(CatalogueQuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def listed(self):
        """What the public catalogue shows: published and cancelled, never drafts or proposals
        under review."""
        return self.filter(status__in=[Status.PUBLISHED, Status.CANCELLED])

    def upcoming(self, *, now=None):
        """Trainings that have not ended yet (a running multi-day cohort is still upcoming)."""
        return self.filter(ends_at__gte=now or timezone.now())

    def past(self, *, now=None):
        return self.filter(ends_at__lt=now or timezone.now())

    def with_free_seats(self, *, now=None):
        """A free seat, and registration not already closed."""
        now = now or timezone.now()
        return self.filter(
            Q(registration_closes_at__isnull=True) | Q(registration_closes_at__gt=now),
            status=Status.PUBLISHED,
            seats_taken__lt=F("capacity"),
            starts_at__gt=now,
        )


class Training(CatalogueModel):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=200, unique=True, validators=[validate_slug_not_reserved]
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    model = models.CharField(_("model"), max_length=8, choices=Model.choices, default=Model.NMT)
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two sentences shown in the list.")
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown. Raw HTML is removed when shown.")
    )
    format = models.CharField(
        _("format"), max_length=16, choices=Format.choices, default=Format.IN_PERSON
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=ContentLanguage.choices,
        default=ContentLanguage.EN,
        help_text=_("The language the training is delivered in."),
    )
    venue_name = models.CharField(_("venue name"), max_length=200, blank=True)
    venue_address = models.CharField(_("venue address"), max_length=300, blank=True)
    county = models.CharField(_("county"), max_length=20, choices=County.choices, blank=True)
    online_url = models.URLField(
        _("online join link"),
        blank=True,
        help_text=_("Never shown publicly; sent only to confirmed participants."),
    )
    capacity = models.PositiveIntegerField(_("capacity"), default=30)
    # Confirmed seats, kept by the registration services under a row lock on the training.
    # The check constraint below backs the lock up: it can never pass capacity.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Leave empty to close registration when the first session starts."),
    )
    host_agency = models.ForeignKey(
        "members.Agency",
        verbose_name=_("host agency"),
        on_delete=models.PROTECT,
        related_name="hosted_trainings",
        null=True,
        blank=True,
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    lead_trainer = models.ForeignKey(
        "members.Person",
        verbose_name=_("lead trainer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_trainings",
        help_text=_("The host agency's Phase II / Train-the-Trainer or Mentor who leads it."),
    )
    notes = models.TextField(
        _("notes for members"),
        blank=True,
        help_text=_(
            "Markdown. Shown on the training's page to signed-in members only, e.g. a meeting's "
            "notes."
        ),
    )
    # A community-of-practice meeting generated from a series, keyed by its local date so that
    # generating again never makes a second meeting for the same day.
    series = models.ForeignKey(
        "trainings.Series",
        verbose_name=_("series"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        editable=False,
    )
    series_date = models.DateField(_("date in the series"), null=True, blank=True, editable=False)
    prerequisites = models.TextField(_("prerequisites"), blank=True)
    required_level = models.CharField(
        _("required credential"),
        max_length=16,
        choices=CredentialLevel.choices,
        blank=True,
        help_text=_(
            "People must hold this credential (or a higher one) to register or join the "
            "waitlist. Left empty, Phase I trainings require NMT concepts and Phase II / "
            "Train-the-Trainer trainings require Phase I."
        ),
    )
    reminder_offsets = models.CharField(
        _("reminders"),
        max_length=100,
        blank=True,
        validators=[validate_offsets],
        help_text=_(
            "When reminders go out before the first session, e.g. “7d, 1d” (days keep the local "
            "time of day) or “2h”. Empty: the setting for this kind of training."
        ),
    )
    agency_seat_cap = models.PositiveIntegerField(
        _("seats per agency"),
        null=True,
        blank=True,
        help_text=_("Optional: the most seats (confirmed or waitlisted) one agency may take."),
    )
    # Continuing education: a training approved for CE credit says by whom and for which
    # licences; one without prints "contact hours" only on its certificates.
    ce_hours = models.DecimalField(
        _("CE hours"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Continuing-education hours approved for the whole training. Empty: none."),
    )
    ce_approving_body = models.CharField(
        _("CE approving body"),
        max_length=200,
        blank=True,
        help_text=_("For example “the California Board of Behavioral Sciences”."),
    )
    ce_provider_number = models.CharField(_("CE provider number"), max_length=60, blank=True)
    ce_licences = models.CharField(
        _("CE applies to"),
        max_length=200,
        blank=True,
        help_text=_("The licenses it counts for, e.g. “LMFT, LCSW, LPCC, LEP”."),
    )
    evaluation_required = models.BooleanField(
        _("evaluation before the certificate"),
        default=False,
        help_text=_("Participants answer a short evaluation before their certificate is released."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    # First session start and last session end, kept by ``training_sync_schedule`` so that
    # sorting and filtering the catalogue use an index instead of aggregating sessions.
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True, editable=False)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True, editable=False)
    # iCalendar SEQUENCE: bumped by the services on every change a calendar should pick up.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        indexes = [
            models.Index(fields=["status", "starts_at"], name="training_status_start_idx"),
            models.Index(fields=["status", "ends_at"], name="training_status_end_idx"),
            models.Index(fields=["kind", "starts_at"], name="training_kind_start_idx"),
            # The catalogue with no kind filter: what is listed, in date order, read in index
            # order so the first page stops after 21 rows (48 ms -> 3 ms at 10,000 trainings).
            models.Index(
                fields=["starts_at", "id"],
                name="training_listed_start_idx",
                condition=Q(status__in=["published", "cancelled"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")),
                name="training_seats_within_capacity",
                violation_error_message=_("Capacity cannot be lower than the seats confirmed."),
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="training_registration_closes_after_opens",
                violation_error_message=_("Registration must close after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(ce_hours__isnull=True) | Q(ce_hours__gt=0),
                name="training_ce_hours_positive",
                violation_error_message=_("CE hours must be more than zero, or empty."),
            ),
            models.UniqueConstraint(
                fields=["series", "series_date"],
                condition=Q(series__isnull=False),
                name="training_one_meeting_per_series_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("trainings:detail", kwargs={"slug": self.slug})

    @property
    def effective_required_level(self) -> str:
        """The credential needed to register: each stage requires the one before it by
        default (Phase I the concepts training, Phase II Phase I)."""
        if self.required_level:
            return self.required_level
        return DEFAULT_REQUIRED_LEVEL.get(self.kind, "")

    @property
    def has_ce(self) -> bool:
        return self.ce_hours is not None and bool(self.ce_approving_body)

    def get_effective_required_level_display(self) -> str:
        level = self.effective_required_level
        return str(dict(CredentialLevel.choices).get(level, "")) if level else ""

    @property
    def has_started(self) -> bool:
        return self.starts_at is not None and self.starts_at <= timezone.now()

    @property
    def has_ended(self) -> bool:
        """Its last session is over: the page says it took place, with nothing to register."""
        return self.ends_at is not None and self.ends_at < timezone.now()

    @property
    def is_online_only(self) -> bool:
        return self.format == Format.ONLINE

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def registration_deadline(self):
        """Registration closes at its closing time, and at the latest when the training starts."""
        if self.registration_closes_at and self.starts_at:
            return min(self.registration_closes_at, self.starts_at)
        return self.registration_closes_at or self.starts_at

    def seats_state(self, *, now=None) -> SeatsState:
        now = now or timezone.now()
        if self.status == Status.CANCELLED:
            return SeatsState.CANCELLED
        deadline = self.registration_deadline
        if deadline is None or deadline <= now:
            return SeatsState.CLOSED
        if self.registration_opens_at and self.registration_opens_at > now:
            return SeatsState.NOT_YET_OPEN
        if self.seats_taken >= self.capacity:
            return SeatsState.FULL
        return SeatsState.AVAILABLE


class Session(models.Model):
    """One meeting of a training: a Phase I cohort has several, on different days."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    title = models.CharField(
        _("session title"), max_length=200, blank=True, help_text=_("Optional, e.g. “Day 2”.")
    )

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [
            models.Index(fields=["training", "starts_at"], name="session_training_start_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.training.title} — {local:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> Decimal:
        return Decimal((self.ends_at - self.starts_at).total_seconds()) / Decimal(3600)

    @property
    def check_in_code(self) -> str:
        """The code the host shows during the session's check-in window: 8 characters of an
        HMAC of the session and its times under SECRET_KEY, so it cannot be forged, belongs to
        this session only, and changes when the session is moved."""
        digest = salted_hmac(
            "trainings.session.check_in",
            f"{self.pk}:{self.starts_at.isoformat()}:{self.ends_at.isoformat()}",
            algorithm="sha256",
        ).digest()
        number = int.from_bytes(digest[:5], "big")
        return "".join(CODE_ALPHABET[(number >> (5 * i)) & 31] for i in range(CHECK_IN_CODE_LENGTH))

    @property
    def uid(self) -> str:
        """A calendar UID that never changes for this session."""
        return f"training-session-{self.pk}@nmt-cop-portal"


class Series(models.Model):
    """Recurring community-of-practice meetings, e.g. "South Bay NMT peer consultation, first
    Tuesday". Each date of its rule becomes an ordinary training (kind community of practice),
    created by ``trainings.services.series_generate`` from the template fields below."""

    title = models.CharField(_("title"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("Copied to every meeting; shown in the list.")
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown, copied to every meeting.")
    )
    model = models.CharField(_("model"), max_length=8, choices=Model.choices, default=Model.NMT)
    format = models.CharField(
        _("format"), max_length=16, choices=Format.choices, default=Format.ONLINE
    )
    venue_name = models.CharField(_("venue name"), max_length=200, blank=True)
    venue_address = models.CharField(_("venue address"), max_length=300, blank=True)
    county = models.CharField(_("county"), max_length=20, choices=County.choices, blank=True)
    online_url = models.URLField(
        _("online join link"),
        blank=True,
        help_text=_("Never shown publicly; sent only to confirmed participants."),
    )
    host_agency = models.ForeignKey(
        "members.Agency",
        verbose_name=_("host agency"),
        on_delete=models.PROTECT,
        related_name="hosted_series",
        help_text=_("Its coordinators keep each meeting's attendance log and notes."),
    )
    capacity = models.PositiveIntegerField(_("capacity"), default=40)
    contact_email = models.EmailField(_("contact email"), blank=True)
    rule = models.CharField(
        _("recurrence rule"),
        max_length=200,
        validators=[validate_rule],
        help_text=_(
            "An iCalendar RRULE: FREQ=MONTHLY;BYDAY=1TU is the first Tuesday of every month, "
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE every other Wednesday, FREQ=MONTHLY;BYDAY=-1FR the "
            "last Friday."
        ),
    )
    start_time = models.TimeField(_("start time"), help_text=_("Pacific time, every meeting."))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=90)
    first_date = models.DateField(
        _("first date"), help_text=_("The series starts on the rule's first date from here.")
    )
    until = models.DateField(_("until"), null=True, blank=True, help_text=_("Last possible date."))
    count = models.PositiveIntegerField(
        _("number of meetings"),
        null=True,
        blank=True,
        help_text=_("Or stop after this many meetings, counted from the first date."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=24 * 60),
                name="series_duration_within_a_day",
                violation_error_message=_("A meeting lasts from 5 minutes to 24 hours."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("first_date")),
                name="series_until_after_first_date",
                violation_error_message=_("“Until” must be on or after the first date."),
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=1),
                name="series_count_positive",
                violation_error_message=_("The number of meetings must be at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_feed_url(self) -> str:
        return reverse("trainings:series_feed", kwargs={"slug": self.slug})
