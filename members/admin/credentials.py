"""Credentials in the admin: recorded and verified through the services."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.admin import BadInputAdminMixin, ServiceActionMixin

from .. import services
from ..models import (
    Credential,
    CredentialSource,
)


class CredentialAdminForm(forms.ModelForm):
    def clean_earned_on(self):
        # The service refuses a future date too; checked here so the admin shows a message
        # beside the field instead of failing in save_model.
        earned_on = self.cleaned_data["earned_on"]
        if earned_on and earned_on > timezone.localdate():
            raise forms.ValidationError(_("The date earned cannot be in the future."))
        return earned_on


@admin.register(Credential)
class CredentialAdmin(BadInputAdminMixin, ServiceActionMixin, admin.ModelAdmin):
    form = CredentialAdminForm
    list_display = ["person", "level", "model", "earned_on", "source", "verified"]
    list_filter = ["verified", "level", "model", "source"]
    search_fields = ["person__display_name", "person__user__email"]
    list_select_related = ["person"]
    autocomplete_fields = ["person"]
    readonly_fields = ["recorded_by", "verified"]
    actions = ["verify"]

    def save_model(self, request, obj, form, change):
        services.credential_record(
            person=obj.person,
            level=obj.level,
            model=obj.model,
            earned_on=obj.earned_on,
            source=CredentialSource.ADMIN,
            recorded_by=request.user,
        )

    @admin.action(description=_("Verify selected credentials"))
    def verify(self, request, queryset):
        self.run_service_action(
            request,
            queryset.filter(verified=False),
            lambda credential: services.credential_verify(
                credential=credential, verified_by=request.user
            ),
            lambda n: ngettext("Verified %d credential.", "Verified %d credentials.", n) % n,
        )
