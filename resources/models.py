from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Agency, Person
from portal.models import CatalogueModel, CatalogueQuerySet, ContentLanguage


class ResourceKind(models.TextChoices):
    GUIDE = "guide", _("Guide")
    TOOL = "tool", _("Tool")
    WORKSHEET = "worksheet", _("Worksheet")
    VIDEO = "video", _("Video")
    RECORDING = "recording", _("Recording")
    SLIDE_DECK = "slides", _("Slide deck")
    ARTICLE = "article", _("Article")
    STORY = "story", _("Implementation story")


class ResourceModel(models.TextChoices):
    NMT = "nmt", _("NMT")
    NME = "nme", _("NME")
    BOTH = "both", _("NMT and NME")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


# The curated starting lists (also created by migration 0002; curators add more in the admin).
DEFAULT_TOPICS = [
    ("sensory-regulation", "Sensory regulation"),
    ("relational-health", "Relational health"),
    ("assessment", "Assessment"),
    ("nmt-metrics", "NMT metrics"),
    ("classroom-nme", "Classroom (NME)"),
    ("supervision", "Supervision"),
    ("leadership", "Leadership"),
    ("implementation", "Implementation"),
]
DEFAULT_AUDIENCES = [
    ("clinicians", "Clinicians"),
    ("educators", "Educators"),
    ("caregivers", "Caregivers"),
    ("coordinators", "Coordinators"),
    ("leaders", "Leaders"),
]


class Vocabulary(models.Model):
    """A curated term of the library's browsing vocabulary: a name and its slug in the URLs."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Topic(Vocabulary):
    """A curated topic of the library (sensory regulation, supervision, …)."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")


class Audience(Vocabulary):
    """Who a resource is for: clinicians, educators, caregivers, coordinators, leaders."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")


# The full-text document is the title weighted above the summary, the summary above the body.
# On PostgreSQL a trigger keeps ``Resource.search_vector`` up to date (migration 0003) and a GIN
# index covers it, so searching and ranking read the stored vector, not the texts.
SEARCH_CONFIG = "english"


class TitleAndSummaryVector(Func):
    """The stored vector without the body's words: the title's (weight A) and the summary's (B)
    lexemes, with their positions. What a visitor who is not signed in searches a members-only
    resource by, so its body never matches, ranks or excludes anything for them."""

    function = "ts_filter"
    template = "%(function)s(%(expressions)s, '{a,b}'::\"char\"[])"
    output_field = SearchVectorField()


class ResourceQuerySet(CatalogueQuerySet):
    def published(self):
        return self.filter(status=ResourceStatus.PUBLISHED)

    def visible_to(self, user):
        """Published, and members-only ones only for signed-in people."""
        queryset = self.published()
        if not (user and user.is_authenticated):
            queryset = queryset.filter(visibility=Visibility.PUBLIC)
        return queryset

    def featured(self):
        return self.published().filter(featured=True).order_by("featured_order", "-published_at")


class Resource(CatalogueModel):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(_("summary"), max_length=400)
    body = models.TextField(
        _("body"), blank=True, help_text=_("Markdown. Raw HTML and unsafe links are removed.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ResourceKind.choices)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True)
    audiences = models.ManyToManyField(Audience, verbose_name=_("audiences"), blank=True)
    model = models.CharField(
        _("model"), max_length=8, choices=ResourceModel.choices, default=ResourceModel.BOTH
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=ContentLanguage.choices,
        default=ContentLanguage.EN,
        help_text=_("The language the resource is written or recorded in."),
    )
    file = models.FileField(_("file"), upload_to="resources/%Y/%m/", blank=True)
    file_type = models.CharField(_("file type"), max_length=100, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(
        _("file size"), null=True, blank=True, editable=False
    )
    external_url = models.URLField(_("external link"), blank=True, max_length=500)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ResourceStatus.choices, default=ResourceStatus.DRAFT
    )
    featured = models.BooleanField(_("featured"), default=False)
    featured_order = models.PositiveSmallIntegerField(_("featured order"), default=0)
    contributed_by = models.ForeignKey(
        Person,
        verbose_name=_("contributed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
    )
    contributed_agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
    )
    trainings = models.ManyToManyField(
        "trainings.Training",
        verbose_name=_("training materials for"),
        blank=True,
        related_name="resources",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Kept by a database trigger on PostgreSQL (never written by Django); empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)
    review_note = models.TextField(
        _("review note"), blank=True, help_text=_("Sent to the contributor when declining.")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(external_url="")) | (~Q(file="") & Q(external_url="")),
                name="resource_file_or_link",
                violation_error_message=_("Give either a file or a link, not both."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="resource_status_pub_idx"),
            # Created on PostgreSQL only (migration 0003): SQLite has no tsvector.
            GinIndex(
                fields=["search_vector"],
                condition=Q(status="published"),
                name="resource_search_vector_idx",
            ),
            # Anonymous searches of members-only resources (migration 0004, PostgreSQL only).
            GinIndex(
                TitleAndSummaryVector("search_vector"),
                condition=Q(status="published", visibility="members"),
                name="resource_members_head_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("resources:detail", kwargs={"slug": self.slug})

    @property
    def is_members_only(self) -> bool:
        return self.visibility == Visibility.MEMBERS

    @property
    def is_new(self) -> bool:
        return bool(self.published_at) and (timezone.now() - self.published_at).days < 30
