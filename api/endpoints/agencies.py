"""Agencies: the public directory, and for the agency's coordinators its roster,
registrations, credentials, certificates and figures. Another agency answers 404, as its
manage pages do."""

from ninja import Query, Router

from members import selectors as member_selectors

from .. import selectors
from ..auth import token
from ..schemas import (
    AgencyFiguresOut,
    AgencyPage,
    AgencyQuery,
    CertificatePage,
    CredentialPage,
    Error,
    MemberPage,
    Paging,
    RegistrationPage,
)
from .lists import filtered, filters, paged

router = Router(tags=["agencies"])
ERRORS = {400: Error, 401: Error, 404: Error, 429: Error}


@router.get("", response=AgencyPage, summary="The directory of agencies")
def agencies(request, query: Query[AgencyQuery]):
    """With the directory's filters: `q`, `county`, `status`, `kind`, `model`."""
    queryset = filtered(member_selectors.agency_directory(data=filters(request)))
    return paged(request, queryset, order=("name", "pk"))


def _coordinated(request, slug: str):
    return member_selectors.coordinated_agency(user=request.user, slug=slug)


@router.get("{slug}/roster/", auth=token, response={200: MemberPage, **ERRORS},
            summary="The agency's staff")  # fmt: skip
def agency_roster(request, slug: str, paging: Query[Paging]):
    agency = _coordinated(request, slug)
    return paged(request, selectors.agency_roster(agency=agency), order=("pk",))


@router.get("{slug}/registrations/", auth=token, response={200: RegistrationPage, **ERRORS},
            summary="Registrations made for the agency")  # fmt: skip
def agency_registrations(request, slug: str, paging: Query[Paging]):
    agency = _coordinated(request, slug)
    return paged(request, selectors.agency_registrations(agency=agency), order=("pk",))


@router.get("{slug}/credentials/", auth=token, response={200: CredentialPage, **ERRORS},
            summary="Credentials of the agency's staff")  # fmt: skip
def agency_credentials(request, slug: str, paging: Query[Paging]):
    agency = _coordinated(request, slug)
    return paged(request, selectors.agency_credentials(agency=agency), order=("pk",))


@router.get("{slug}/certificates/", auth=token, response={200: CertificatePage, **ERRORS},
            summary="Certificates of the agency's staff")  # fmt: skip
def agency_certificates(request, slug: str, paging: Query[Paging]):
    agency = _coordinated(request, slug)
    return paged(request, selectors.agency_certificates(agency=agency), order=("pk",))


@router.get("{slug}/figures/", auth=token, response={200: AgencyFiguresOut, **ERRORS},
            summary="The agency's staff by stage")  # fmt: skip
def agency_figures(request, slug: str):
    """Active staff, and how many are at each stage or beyond (the dashboard's funnel)."""
    agency = _coordinated(request, slug)
    return member_selectors.agency_figures(agency=agency)
