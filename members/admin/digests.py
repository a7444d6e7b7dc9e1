"""The community digest's subscriptions in the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import ServiceActionMixin

from .. import services
from ..models import (
    DigestSubscription,
)


class DigestStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("receiving", _("Receiving the digest")),
            ("pending", _("Waiting for confirmation")),
            ("unsubscribed", _("Unsubscribed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "receiving":
            return queryset.receiving()
        if self.value() == "pending":
            return queryset.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        if self.value() == "unsubscribed":
            return queryset.filter(unsubscribed_at__isnull=False)
        return queryset


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(ServiceActionMixin, admin.ModelAdmin):
    """Subscriptions come only through the double opt-in pages, so curators can look and
    unsubscribe someone who asks, but not add or edit addresses."""

    list_display = ["email", "state", "person", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = [DigestStateFilter]
    search_fields = ["email", "person__display_name"]
    list_select_related = ["person"]
    fields = [
        "email", "person", "created_at", "confirmation_sent_at", "confirmed_at", "unsubscribed_at",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["unsubscribe"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.unsubscribed_at:
            return _("Unsubscribed")
        return _("Receiving") if obj.confirmed_at else _("Waiting for confirmation")

    @admin.action(description=_("Unsubscribe the selected addresses"))
    def unsubscribe(self, request, queryset):
        self.run_service_action(
            request,
            queryset.filter(unsubscribed_at__isnull=True),
            lambda subscription: services.digest_unsubscribe(subscription=subscription),
            lambda n: ngettext("Unsubscribed %d address.", "Unsubscribed %d addresses.", n) % n,
        )
