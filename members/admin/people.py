"""Accounts and people in the admin."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from portal.admin import BadInputAdminMixin

from ..models import (
    Invitation,
    Membership,
    Person,
    User,
)

# Django stores each permission's name in English ("Can add training"), made from the model's
# verbose name when the permission was created: the choices are named again in the language of
# the page, from the same parts.
PERMISSION_ACTIONS = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        model = obj.content_type.model_class()
        action = obj.codename.split("_", 1)[0]
        if model is None or action not in PERMISSION_ACTIONS:
            return str(obj)
        meta = model._meta
        name = PERMISSION_ACTIONS[action] % {"name": meta.verbose_name}
        return f"{meta.app_config.verbose_name} | {meta.verbose_name} | {name}"


class PermissionNamesMixin:
    """The permissions' choices named in the active language."""

    permission_fields = ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.permission_fields:
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionNamesMixin, DjangoGroupAdmin):
    permission_fields = ("permissions",)


@admin.register(User)
class UserAdmin(PermissionNamesMixin, DjangoUserAdmin):
    permission_fields = ("user_permissions",)
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
