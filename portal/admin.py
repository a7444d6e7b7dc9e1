from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OutboxEmail, OutboxState


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
