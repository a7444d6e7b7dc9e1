"""Accounts (an email-based User) and the people behind them."""

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    certificate_name = models.CharField(
        _("name on certificates"),
        max_length=150,
        blank=True,
        help_text=_("Your full name as it should print on certificates. Empty: your display name."),
    )
    licence_type = models.CharField(
        _("license type"),
        max_length=40,
        blank=True,
        help_text=_("For example LMFT, LCSW, LPCC, PsyD. Printed on certificates with CE hours."),
    )
    licence_number = models.CharField(_("license number"), max_length=60, blank=True)
    # The language the portal speaks to this person in: pages once signed in, and every email,
    # whichever language the worker runs in. Empty until chosen (then the browser's language).
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
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

    @property
    def printed_name(self) -> str:
        return self.certificate_name or self.display_name

    @property
    def licence(self) -> str:
        return " ".join(filter(None, [self.licence_type, self.licence_number]))
