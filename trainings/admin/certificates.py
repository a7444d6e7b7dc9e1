"""Certificates of attendance and attendance rules in the admin. Certificates are read here;
curators revoke and reissue them through the services, which keep the audit trail."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin import BadInputAdminMixin
from portal.downloads import pdf_response
from portal.exceptions import ApplicationError

from .. import selectors, services
from ..certificates import certificate_pdf
from ..forms import CertificateRevokeForm
from ..models import AttendanceRule, Certificate, CertificateEvent


@admin.register(AttendanceRule)
class AttendanceRuleAdmin(BadInputAdminMixin, admin.ModelAdmin):
    """The share of sessions each kind of training needs to count as attended. A kind with no
    rule needs every session. A change applies to attendance marked from then on."""

    list_display = ["kind", "minimum_percent"]


class CertificateEventInline(admin.TabularInline):
    model = CertificateEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(BadInputAdminMixin, admin.ModelAdmin):
    list_display = ["display_code", "name", "training_title", "last_date", "hours", "state"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "training__kind"]
    search_fields = ["code", "name", "training_title", "person__user__email"]
    list_select_related = ["training"]
    date_hierarchy = "issued_at"
    inlines = [CertificateEventInline]
    readonly_fields = [
        "display_code", "actions_links", "name", "licence", "training", "training_title",
        "first_date", "last_date", "sessions_attended", "sessions_total", "hours", "ce_hours",
        "ce_approving_body", "ce_provider_number", "ce_licences", "host_agency", "trainer",
        "issued_at", "revoked_at", "revoked_by", "revoked_reason", "replaces", "person",
        "registration",
    ]  # fmt: skip
    exclude = ["code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("verification code"), ordering="code")
    def display_code(self, obj):
        return obj.display_code

    @admin.display(description=_("state"), boolean=True)
    def state(self, obj):
        return not obj.is_revoked

    @admin.display(description=_("actions"))
    def actions_links(self, obj):
        links = [
            (obj.get_absolute_url(), _("Verification page")),
            (reverse("admin:trainings_certificate_pdf", args=[obj.pk]), _("PDF")),
        ]
        if obj.registration_id:
            links.append(
                (reverse("admin:trainings_certificate_reissue", args=[obj.pk]), _("Reissue"))
            )
        if not obj.is_revoked:
            links.append(
                (reverse("admin:trainings_certificate_revoke", args=[obj.pk]), _("Revoke"))
            )
        return format_html(
            " · ".join(['<a href="{}">{}</a>'] * len(links)),
            *[part for link in links for part in link],
        )

    def get_urls(self):
        return [
            path(
                "<int:certificate_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="trainings_certificate_pdf",
            ),
            path(
                "<int:certificate_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="trainings_certificate_revoke",
            ),
            path(
                "<int:certificate_id>/reissue/",
                self.admin_site.admin_view(self.reissue_view),
                name="trainings_certificate_reissue",
            ),
            *super().get_urls(),
        ]

    def _certificate(self, request, certificate_id: int, *, change: bool) -> Certificate:
        certificate = get_object_or_404(
            Certificate.objects.select_related("training"), pk=certificate_id
        )
        allowed = (
            self.has_change_permission(request, certificate)
            if change
            else self.has_view_permission(request, certificate)
        )
        if not allowed:
            raise PermissionDenied
        return certificate

    def pdf_view(self, request, certificate_id: int):
        certificate = self._certificate(request, certificate_id, change=False)
        body = certificate_pdf(selectors.certificate_content(certificate))
        return pdf_response(certificate.filename, body)

    def _form_view(self, request, certificate_id: int, *, action: str):
        certificate = self._certificate(request, certificate_id, change=True)
        form = CertificateRevokeForm(request.POST or None, required=action == "revoke")
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                if action == "revoke":
                    services.certificate_revoke(
                        certificate=certificate, by=request.user, reason=reason
                    )
                    done = _("Revoked. Its verification page now says so.")
                else:
                    certificate = services.certificate_reissue(
                        certificate=certificate, by=request.user, reason=reason
                    )
                    done = _("Reissued; the attendee has been emailed the new link.")
            except ApplicationError as error:
                field = error.extra.get("field")
                form.add_error(field if field in form.fields else None, error.message)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:trainings_certificate_change", args=[certificate.pk])
                )
        return TemplateResponse(
            request,
            "admin/trainings/certificate_action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": (_("Revoke %(code)s") if action == "revoke" else _("Reissue %(code)s"))
                % {"code": certificate.display_code},
                "certificate": certificate,
                "form": form,
                "action": action,
            },
            status=400 if request.method == "POST" else 200,
        )

    def revoke_view(self, request, certificate_id: int):
        return self._form_view(request, certificate_id, action="revoke")

    def reissue_view(self, request, certificate_id: int):
        return self._form_view(request, certificate_id, action="reissue")
