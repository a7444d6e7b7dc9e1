from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Agency(models.Model):
    """A member agency of the community. Extended by the accounts and agencies issue."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    county = models.CharField(_("county"), max_length=20, choices=County.choices, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name
