from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.views.main import ChangeList as DjangoChangeList
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from . import services
from .exceptions import ApplicationError
from .models import OutboxEmail, OutboxState
from .selectors import stuck_before

# --- Hostile input: what Django's admin (and django-import-export) answer with a 500 ----------


class _ShowsOnlyKeys:
    """Django's autocomplete widgets look the submitted value up to show it as chosen. A value
    that is no key of the related model ("²" or "x" for an id) makes that lookup raise
    ValueError, so a form sent back with one was a 500. It shows as nothing chosen; the field's
    own "Select a valid choice" error says why."""

    def optgroups(self, name, value, attr=None):
        try:
            return super().optgroups(name, value, attr)
        except (ValueError, ValidationError):
            return super().optgroups(name, [], attr)


class AutocompleteSelect(_ShowsOnlyKeys, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_ShowsOnlyKeys, widgets.AutocompleteSelectMultiple):
    pass


class ChangeList(DjangoChangeList):
    def get_filters(self, request):
        # A date-hierarchy year out of datetime's range (?starts_at__year=9999 or 10**20) raises
        # ValueError or OverflowError where Django expects none: a filter that can't apply.
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class BadInputAdminMixin:
    """For every ModelAdmin of the portal with autocomplete fields or a date hierarchy: bad
    input in their forms and filters is a form error or the admin's "?e=1", never a 500.
    tests/portal/test_admin.py checks that each such ModelAdmin uses it."""

    def get_changelist(self, request, **kwargs):
        return ChangeList

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ImportExportAdmin(BadInputAdminMixin, ImportExportModelAdmin):
    """django-import-export's admin, for the portal's models that offer import and export."""

    def export_action(self, request):
        # The export page filters like the changelist, whose filters it carries; unlike the
        # changelist it lets a filter that can't apply (an unknown field) raise.
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            messages.error(request, gettext("The list's filters could not be applied."))
            opts = self.model._meta
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            return HttpResponseRedirect(f"{changelist}?{ERROR_FLAG}=1")


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


class ReviewQueueFilter(admin.SimpleListFilter):
    """The rows waiting for a curator, as a list filter that says how many wait. Subclasses
    say how to count them (``count_waiting``), how to pick them (``waiting_rows``) and what to
    say (``label``, ``notice``). The count is read once per request, so the filter and the
    notice above the list (``ReviewQueueNoticeMixin``) always give the same number."""

    parameter_name = "queue"
    choice = "waiting"

    @classmethod
    def count_waiting(cls) -> int:
        raise NotImplementedError

    @classmethod
    def label(cls, n: int) -> str:
        raise NotImplementedError

    @classmethod
    def notice(cls, n: int) -> str:
        raise NotImplementedError

    def waiting_rows(self, queryset):
        raise NotImplementedError

    @classmethod
    def waiting(cls, request) -> int:
        key = f"_waiting_{cls.__name__}"
        if not hasattr(request, key):
            setattr(request, key, cls.count_waiting())
        return getattr(request, key)

    def lookups(self, request, model_admin):
        return [(self.choice, self.label(self.waiting(request)))]

    def queryset(self, request, queryset):
        if self.value() == self.choice:
            return self.waiting_rows(queryset)
        return queryset


class ReviewQueueNoticeMixin:
    """For a ModelAdmin with a ``review_queue`` filter: its list says how many rows wait.

    Said on the page being rendered now, never queued for a later one: a notice queued while an
    action's POST ran would show the count from before the action beside the fresh one on the
    page after it ("3 wait" and "2 wait")."""

    review_queue: type[ReviewQueueFilter]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        queue = self.review_queue
        if (
            request.method == "GET"
            and isinstance(response, TemplateResponse)
            and not response.is_rendered
            and queue.parameter_name not in request.GET
        ):
            waiting = queue.waiting(request)
            if waiting:
                self.message_user(request, queue.notice(waiting), messages.WARNING)
        return response


class StuckFilter(admin.SimpleListFilter):
    """Pending emails long past due (``portal.selectors.STUCK_AFTER``): nothing is sending."""

    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("stuck", _("Stuck (pending, long past due)"))]

    def queryset(self, request, queryset):
        if self.value() == "stuck":
            return queryset.filter(state=OutboxState.PENDING, due_at__lt=stuck_before())
        return queryset


@admin.register(OutboxEmail)
class OutboxEmailAdmin(BadInputAdminMixin, admin.ModelAdmin):
    """Every email the portal sent or will send. Read-only: the dispatcher owns the rows."""

    list_display = ["subject", "recipients", "kind", "state", "due_at", "attempts", "sent_at"]
    list_filter = [StuckFilter, "state", "kind"]
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
