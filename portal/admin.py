from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .exceptions import ApplicationError
from .models import OutboxEmail, OutboxState


class ServiceActionMixin:
    """For a ModelAdmin whose actions call a service once per selected object, as every admin
    action does, so the domain's rules hold in the admin too."""

    def run_service_action(
        self,
        request,
        queryset: Iterable,
        action: Callable[[Any], Any],
        success_message: Callable[[int], str],
        *,
        count: Callable[[Any], int] | None = None,
    ) -> int:
        """Call ``action(obj)`` for each object. A refusal (``ApplicationError``) is reported
        with that object's name, and the others still go through. Then ``success_message(n)``
        is reported, ``n`` being how many went through (or the sum of ``count(result)``, for a
        service that makes several things per object), unless every one was refused.

        Returns ``n``.
        """
        done = succeeded = refused = 0
        for obj in queryset:
            try:
                result = action(obj)
            except ApplicationError as error:
                refused += 1
                self.message_user(request, f"{obj}: {error.message}", messages.ERROR)
            else:
                succeeded += 1
                done += count(result) if count else 1
        if succeeded or not refused:
            self.message_user(request, success_message(done), messages.SUCCESS)
        return done


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Every email the portal sent or will send. Read-only: the dispatcher owns the rows."""

    list_display = ["subject", "recipients", "kind", "state", "due_at", "attempts", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["subject", "to", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "kind", "to", "subject", "body_text", "body_html", "headers", "message_id",
        "dedupe_key", "state", "due_at", "attempts", "last_error", "sent_at", "created_at",
    ]  # fmt: skip
    exclude = ["attachments"]
    actions = ["retry_failed"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("to"))
    def recipients(self, obj):
        return ", ".join(obj.to)

    @admin.action(description=_("Retry the selected failed emails"))
    def retry_failed(self, request, queryset):
        count = services.outbox_retry(emails=queryset.filter(state=OutboxState.FAILED))
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", count) % count,
            messages.SUCCESS,
        )
