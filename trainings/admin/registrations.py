"""Registrations and reminders in the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import BadInputAdminMixin, ServiceActionMixin

from .. import services
from ..models import (
    Registration,
    RegistrationStatus,
    Reminder,
    ReminderPolicy,
)


@admin.register(Registration)
class RegistrationAdmin(ServiceActionMixin, admin.ModelAdmin):
    """Registrations are read here and cancelled through the service; seats never change by
    editing a row."""

    list_display = ["person", "training", "agency", "status", "arrived_at", "attendance"]
    list_filter = ["status", "attendance", "training__kind"]
    search_fields = ["person__display_name", "person__user__email", "training__title"]
    list_select_related = ["person", "training", "agency"]
    readonly_fields = [
        "training", "person", "agency", "registered_by", "status", "arrived_at", "confirmed_at",
        "cancelled_at", "cancelled_by", "attendance", "created_at", "updated_at",
    ]  # fmt: skip
    actions = ["cancel_registrations"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Cancel selected registrations (frees seats for the waitlist)"))
    def cancel_registrations(self, request, queryset):
        self.run_service_action(
            request,
            queryset.exclude(status=RegistrationStatus.CANCELLED),
            lambda registration: services.registration_cancel(
                registration=registration, cancelled_by=request.user
            ),
            lambda n: ngettext("Cancelled %d registration.", "Cancelled %d registrations.", n) % n,
        )


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["kind", "offsets"]


@admin.register(Reminder)
class ReminderAdmin(BadInputAdminMixin, admin.ModelAdmin):
    """Reminders are created, moved and cancelled by the services; read-only here."""

    list_display = ["registration", "kind", "due_at", "state", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["registration__person__display_name", "registration__training__title"]
    list_select_related = ["registration__person", "registration__training"]
    readonly_fields = ["registration", "kind", "due_at", "state", "sent_at", "created_at"]
    date_hierarchy = "due_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
