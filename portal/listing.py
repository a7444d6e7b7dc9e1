"""The one shape of a filtered list page (catalogue, archive, directory, library)."""

from django.views.generic import ListView


class FilteredListView(ListView):
    """A ListView whose ``get_filterset()`` returns a django-filter FilterSet bound to the GET
    parameters. Invalid filters (an unknown value, a malformed date) answer 400, with the form's
    messages beside their fields and no results."""

    def get_filterset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset = self.get_filterset()
        if self.filters_invalid:
            return self.filterset.queryset.none()
        return self.filterset.qs

    @property
    def filters_invalid(self) -> bool:
        return self.filterset.is_bound and not self.filterset.is_valid()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["filters_active"] = any(
            value for key, value in self.request.GET.items() if key != "page"
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        if self.filters_invalid:
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)
