from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal.admin import (
    BadInputAdminMixin,
    ReviewQueueFilter,
    ReviewQueueNoticeMixin,
    ServiceActionMixin,
)
from portal.exceptions import ApplicationError
from portal.forms import URL_FIELD_OVERRIDES

from . import selectors, services, uploads
from .forms import DeclineForm
from .models import Audience, Resource, ResourceStatus, Topic


class ResourceAdminForm(forms.ModelForm):
    # The admin supplies the model and fields.

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            uploads.detect(upload)
        return upload


class ModerationFilter(ReviewQueueFilter):
    """The moderation queue, with how many submissions wait."""

    title = _("moderation")

    @classmethod
    def count_waiting(cls) -> int:
        return selectors.submissions_waiting_count()

    @classmethod
    def label(cls, n: int) -> str:
        return _("Waiting for review (%(n)d)") % {"n": n}

    @classmethod
    def notice(cls, n: int) -> str:
        return (
            ngettext(
                "%d submission waits for review (see “moderation”).",
                "%d submissions wait for review (see “moderation”).",
                n,
            )
            % n
        )

    def waiting_rows(self, queryset):
        return queryset.filter(status=ResourceStatus.SUBMITTED).order_by("created_at")


@admin.register(Topic, Audience)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Resource)
class ResourceAdmin(
    BadInputAdminMixin, ReviewQueueNoticeMixin, ServiceActionMixin, admin.ModelAdmin
):
    review_queue = ModerationFilter
    form = ResourceAdminForm
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = [
        "title", "kind", "language", "status", "visibility", "featured", "featured_order",
        "published_at", "preview_link",
    ]  # fmt: skip
    list_filter = [
        ModerationFilter, "status", "kind", "language", "topics", "audiences", "visibility",
        "featured",
    ]  # fmt: skip
    list_editable = ["featured_order"]
    search_fields = ["title", "summary", "contributed_by__display_name"]
    list_select_related = ["contributed_agency"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics", "audiences"]
    autocomplete_fields = ["trainings", "contributed_agency"]
    raw_id_fields = ["contributed_by"]
    readonly_fields = ["file_type", "file_size", "reviewed_by", "created_at", "updated_at"]
    actions = ["publish", "feature", "unfeature", "archive"]
    # A submitted resource's page has Publish and Decline above its form.
    change_form_template = "admin/resources/resource/change_form.html"
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "model", "language", "summary", "body")}),
        (_("File or link"), {"fields": ("file", "file_type", "file_size", "external_url")}),
        (_("Browsing"), {"fields": ("topics", "audiences", "trainings")}),
        (
            _("Publication"),
            {
                "fields": (
                    "status",
                    "visibility",
                    "featured",
                    "featured_order",
                    "published_at",
                    "contributed_by",
                    "contributed_agency",
                    "review_note",
                    "reviewed_by",
                )
            },
        ),
    )

    def get_ordering(self, request):
        # The changelist's ordering overrides a filter's order_by: the queue is oldest first.
        if request.GET.get(ModerationFilter.parameter_name) == "waiting":
            return ["created_at", "pk"]
        return super().get_ordering(request)

    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("file") if "file" in form.changed_data else None
        services.resource_save(resource=obj, upload=upload or None)

    # --- Preview and decline ------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<int:resource_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="resources_resource_preview",
            ),
            path(
                "<int:resource_id>/decline/",
                self.admin_site.admin_view(self.decline_view),
                name="resources_resource_decline",
            ),
            path(
                "<int:resource_id>/publish/",
                self.admin_site.admin_view(require_POST(self.publish_view)),
                name="resources_resource_publish",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["review"] = (
            {"decline_form": DeclineForm()}
            if obj is not None
            and obj.status == ResourceStatus.SUBMITTED
            and self.has_change_permission(request, obj)
            else None
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def publish_view(self, request, resource_id: int):
        """The Publish button of a submitted resource's page (POST only)."""
        resource = get_object_or_404(Resource, pk=resource_id)
        if not self.has_change_permission(request, resource):
            raise PermissionDenied
        was_submitted = resource.status == ResourceStatus.SUBMITTED
        try:
            services.resource_publish(resource=resource, reviewed_by=request.user)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(
                request,
                _("Published; the contributor has been emailed.")
                if was_submitted
                else _("Published."),
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:resources_resource_change", args=[resource.pk]))

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        url = reverse("admin:resources_resource_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview"))

    def preview_view(self, request, resource_id: int):
        resource = get_object_or_404(Resource, pk=resource_id)
        if not self.has_view_permission(request, resource):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/resources/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Preview: %(title)s") % {"title": resource.title},
                "resource": resource,
            },
        )

    def decline_view(self, request, resource_id: int):
        resource = get_object_or_404(Resource, pk=resource_id)
        if not self.has_change_permission(request, resource):
            raise PermissionDenied
        form = DeclineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.resource_decline(
                    resource=resource, reviewed_by=request.user, note=form.cleaned_data["note"]
                )
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request, _("Declined; the contributor has been emailed."), messages.SUCCESS
                )
                return HttpResponseRedirect(reverse("admin:resources_resource_changelist"))
        return TemplateResponse(
            request,
            "admin/resources/decline.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Decline: %(title)s") % {"title": resource.title},
                "resource": resource,
                "form": form,
            },
        )

    # --- Actions ----------------------------------------------------------------------------

    @admin.action(description=_("Publish selected resources"))
    def publish(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda r: services.resource_publish(resource=r, reviewed_by=request.user),
            lambda n: ngettext("Published %d resource.", "Published %d resources.", n) % n,
        )

    @admin.action(description=_("Feature selected resources"))
    def feature(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda r: services.resource_feature(resource=r, featured=True),
            lambda n: ngettext("Featured %d resource.", "Featured %d resources.", n) % n,
        )

    @admin.action(description=_("Stop featuring selected resources"))
    def unfeature(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda r: services.resource_feature(resource=r, featured=False),
            lambda n: ngettext("Unfeatured %d resource.", "Unfeatured %d resources.", n) % n,
        )

    @admin.action(description=_("Archive selected resources"))
    def archive(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            lambda r: services.resource_archive(resource=r),
            lambda n: ngettext("Archived %d resource.", "Archived %d resources.", n) % n,
        )
