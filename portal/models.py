import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import pagecache


class ContentLanguage(models.TextChoices):
    """The language a training is delivered in or a resource is written in. Curated content is
    never machine-translated: this says which readers it serves."""

    EN = "en", _("English")
    ES = "es", _("Spanish")
    BILINGUAL = "bilingual", _("English and Spanish")


class ServedLanguage(models.TextChoices):
    """Languages an agency serves its families in (the directory's filter)."""

    EN = "en", _("English")
    ES = "es", _("Spanish")
    ZH = "zh", _("Chinese")
    VI = "vi", _("Vietnamese")
    TL = "tl", _("Tagalog")
    ASL = "ase", _("American Sign Language")


class CatalogueQuerySet(models.QuerySet):
    """Writes in bulk to what the public pages show (trainings, sessions, library resources)
    retire the cached pages (portal.pagecache), like ``CatalogueModel.save()`` does for one row,
    whoever writes: a service, the admin, an import."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        pagecache.catalogue_changed()
        return rows

    update.alters_data = True

    def delete(self):
        result = super().delete()
        pagecache.catalogue_changed()
        return result

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        pagecache.catalogue_changed()
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        pagecache.catalogue_changed()
        return rows


class CatalogueModel(models.Model):
    """A model the cached public pages show: saving or deleting a row retires those pages."""

    class Meta:
        abstract = True

    def save(self, *args, catalogue_changed: bool = True, **kwargs):
        """``catalogue_changed=False`` is for a write that changes nothing the pages show but
        a live count; its service tells the page cache itself (``pagecache.seats_changed``)."""
        super().save(*args, **kwargs)
        if catalogue_changed:
            pagecache.catalogue_changed()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        pagecache.catalogue_changed()
        return result


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxEmailQuerySet(models.QuerySet):
    def due(self, *, now=None):
        return self.filter(state=OutboxState.PENDING, due_at__lte=now or timezone.now())


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@nmt-cop-portal>"


class OutboxEmail(models.Model):
    """One email to send, written in the same transaction as the change that causes it.

    The dispatcher (``portal.services.outbox_dispatch``) sends due rows exactly once: each row is
    claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked sent in the same transaction.
    ``message_id`` is stable, so a copy that ever arrives twice is recognisable.
    """

    kind = models.CharField(_("kind"), max_length=64)
    to = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # [{"filename": ..., "content": base64, "mimetype": ...}]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    message_id = models.CharField(
        _("Message-ID"), max_length=200, unique=True, default=new_message_id
    )
    # Makes a duplicate impossible to create, e.g. "reminder:42".
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    state = models.CharField(
        _("state"), max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    due_at = models.DateTimeField(_("due"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbox email")
        verbose_name_plural = _("outbox emails")
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                condition=Q(state="pending"),
                name="outbox_pending_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | ~Q(state="sent"),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
