from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin

from portal.forms import URL_FIELD_OVERRIDES

from . import services
from .models import Session, Training
from .spreadsheets import TrainingResource


class WhenFilter(admin.SimpleListFilter):
    """Upcoming by default: curators mostly work on what is ahead."""

    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))]

    def choices(self, changelist):
        value = self.value() or "upcoming"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "upcoming"
        now = timezone.now()
        if value == "upcoming":
            # Trainings with no session yet are work in progress: keep them in view.
            return queryset.upcoming(now=now) | queryset.filter(ends_at__isnull=True)
        if value == "past":
            return queryset.past(now=now)
        return queryset


class TrainingAdminForm(forms.ModelForm):
    # The admin supplies the model and the fields (from the fieldsets).

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk and capacity < self.instance.seats_taken:
            raise forms.ValidationError(
                _("%(n)d seats are already confirmed; capacity cannot be lower."),
                params={"n": self.instance.seats_taken},
            )
        return capacity


class SessionInline(admin.TabularInline):
    model = Session
    extra = 1
    min_num = 1
    fields = ["starts_at", "ends_at", "title"]


@admin.register(Training)
class TrainingAdmin(ImportExportModelAdmin):
    resource_classes = [TrainingResource]
    form = TrainingAdminForm
    list_display = [
        "title", "kind", "model", "first_session", "county", "format", "seats", "status_badge",
    ]  # fmt: skip
    list_filter = [WhenFilter, "kind", "model", "status", "county", "format"]
    list_select_related = ["host_agency"]
    search_fields = ["title", "summary", "venue_name", "host_agency__name"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["host_agency"]
    readonly_fields = [
        "starts_at",
        "ends_at",
        "seats_taken",
        "sequence",
        "created_at",
        "updated_at",
    ]
    inlines = [SessionInline]
    actions = ["publish", "cancel", "duplicate"]
    formfield_overrides = URL_FIELD_OVERRIDES
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "model", "status", "summary", "description")}),
        (_("Where"), {"fields": ("format", "venue_name", "venue_address", "county", "online_url")}),
        (
            _("Registration"),
            {
                "fields": (
                    "capacity",
                    "seats_taken",
                    "registration_opens_at",
                    "registration_closes_at",
                    "prerequisites",
                )
            },
        ),
        (_("Host"), {"fields": ("host_agency", "contact_email")}),
        (
            _("Record"),
            {
                "classes": ("collapse",),
                "fields": ("starts_at", "ends_at", "sequence", "created_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions"))

    @admin.display(description=_("first session"), ordering="starts_at")
    def first_session(self, obj):
        if not obj.starts_at:
            return "—"
        local = timezone.localtime(obj.starts_at)
        extra = f" (+{obj.session_count - 1})" if obj.session_count > 1 else ""
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}{extra}"

    @admin.display(description=_("seats"))
    def seats(self, obj):
        return f"{obj.seats_taken} / {obj.capacity}"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        colours = {"draft": "#7a4b00", "published": "#1d6b35", "cancelled": "#9b1c1c"}
        return format_html(
            '<strong style="color:{}">{}</strong>', colours[obj.status], obj.get_status_display()
        )

    def save_model(self, request, obj, form, change):
        services.training_save(training=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.training_sync_schedule(training=form.instance, bump_sequence=change)

    def _run(self, request, queryset, service, done_message):
        done = 0
        for training in queryset:
            try:
                service(training=training)
            except services.TrainingError as error:
                self.message_user(request, f"{training}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Publish selected trainings"))
    def publish(self, request, queryset):
        self._run(
            request,
            queryset,
            services.training_publish,
            lambda n: ngettext("Published %d training.", "Published %d trainings.", n) % n,
        )

    @admin.action(description=_("Cancel selected trainings"))
    def cancel(self, request, queryset):
        self._run(
            request,
            queryset,
            services.training_cancel,
            lambda n: ngettext("Cancelled %d training.", "Cancelled %d trainings.", n) % n,
        )

    @admin.action(description=_("Duplicate for the next cohort (as drafts)"))
    def duplicate(self, request, queryset):
        self._run(
            request,
            queryset,
            services.training_duplicate,
            lambda n: (
                ngettext(
                    "Created %d draft copy; set its dates and publish it.",
                    "Created %d draft copies; set their dates and publish them.",
                    n,
                )
                % n
            ),
        )
