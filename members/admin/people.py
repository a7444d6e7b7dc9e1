"""Accounts and people in the admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.admin import BadInputAdminMixin

from ..models import (
    Invitation,
    Membership,
    Person,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["display_name", "email", "job_title", "discipline"]
    search_fields = ["display_name", "user__email", "job_title"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    @admin.display(description=_("email"), ordering="user__email")
    def email(self, obj):
        return obj.user.email


@admin.register(Membership)
class MembershipAdmin(BadInputAdminMixin, admin.ModelAdmin):
    list_display = ["person", "agency", "role", "state", "created_at"]
    list_filter = ["role", "state", "weekly_digest", "agency__county"]
    search_fields = ["person__display_name", "person__user__email", "agency__name"]
    list_select_related = ["person", "agency"]
    autocomplete_fields = ["person", "agency"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "agency", "role", "sent_at", "accepted_at"]
    list_filter = ["role", ("accepted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "agency__name"]
    list_select_related = ["agency"]
    readonly_fields = ["sent_at", "accepted_at", "invited_by"]
