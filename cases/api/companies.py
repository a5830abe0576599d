"""Companies (KYB): the profile, its beneficial owners and its persons (SPEC §7)."""

from django.http import HttpRequest
from ninja import Query, Router

from cases import selectors
from cases.api.auth import needs
from cases.api.openapi import errors
from cases.api.pagination import PageParams, paginate
from cases.api.params import CompanyId
from cases.api.schemas import BeneficialOwnerPageOut, CompanyOut, PersonPageOut

__all__ = ["router"]

router = Router(tags=["companies"])


@router.get(
    "/{company_id}",
    response={200: CompanyOut, **errors(401, 403, 404, 422)},
    summary="Company profile",
    description="Needs `cases.view_company`.",
    auth=needs("cases.view_company"),
)
def get_company(request: HttpRequest, company_id: CompanyId):
    return selectors.get_company(company_id)


@router.get(
    "/{company_id}/beneficial-owners",
    response={200: BeneficialOwnerPageOut, **errors(400, 401, 403, 404, 422)},
    summary="Beneficial owners of a company",
    description="In message order. Needs `cases.view_beneficialowner`.",
    auth=needs("cases.view_beneficialowner"),
)
def list_owners(request: HttpRequest, company_id: CompanyId, page: Query[PageParams]):
    company = selectors.get_company(company_id)
    return paginate(selectors.list_company_owners(company.pk), page)


@router.get(
    "/{company_id}/persons",
    response={200: PersonPageOut, **errors(400, 401, 403, 404, 422)},
    summary="Directors and officers of a company",
    description="In message order. Needs `cases.view_person`.",
    auth=needs("cases.view_person"),
)
def list_persons(request: HttpRequest, company_id: CompanyId, page: Query[PageParams]):
    company = selectors.get_company(company_id)
    return paginate(selectors.list_company_persons(company.pk), page)
