"""What every list endpoint does with its GET: the page's filters, the cursor and the limit."""

from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

from ..paging import DEFAULT_LIMIT, Page, PagingError, page

PAGING = ("cursor", "limit")


class FilterError(ApplicationError):
    def __init__(self, fields: dict) -> None:
        super().__init__(_("Some filters are not valid."))
        self.fields = fields


def filters(request):
    """The GET parameters for the filterset: everything but the paging."""
    data = request.GET.copy()
    for name in PAGING:
        data.pop(name, None)
    return data


def filtered(filterset):
    """The filterset's rows, or a 400 naming each bad filter (the page's own messages)."""
    if filterset.is_bound and not filterset.is_valid():
        raise FilterError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def paged(request, queryset, *, order: tuple[str, ...]) -> Page:
    raw = request.GET.get("limit") or str(DEFAULT_LIMIT)
    if not raw.isdigit():
        raise PagingError(_("limit must be a whole number."))
    return page(queryset, order=order, cursor=request.GET.get("cursor"), limit=int(raw))
