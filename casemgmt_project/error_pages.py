"""The project's 400 handler: a refused oversized upload says why instead of "Bad Request".

The upload handler (uploads.py) refuses a multipart body larger than the evidence limit from
its Content-Length, before a byte is read, by raising RequestDataTooBig. On the API the view
parses the body, so django-ninja answers the 413 JSON (cases/api/errors.py). In the admin the
CSRF middleware parses the body before any view runs; Django then treats the refusal as a
suspicious request (logged on `django.security.RequestDataTooBig`) and calls handler400. Here
that refusal of the case page's upload form becomes the form's own refusal message, and any
other oversized body outside the API a 413 page that says so; every other 400 is Django's.
(With DEBUG on, Django shows its debug page instead and never calls this.)
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views import defaults

from casemgmt_project.api_guard import API_PREFIX
from cases.admin.evidence.views import refuse_oversized_upload

__all__ = ["bad_request"]

UPLOAD_VIEW = "admin:cases_case_evidence_upload"


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not isinstance(exception, RequestDataTooBig) or request.path.startswith(API_PREFIX):
        return defaults.bad_request(request, exception)
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if match is not None and match.view_name == UPLOAD_VIEW:
        return refuse_oversized_upload(request, **match.kwargs)
    return HttpResponse(
        "Request refused, nothing stored: the body is larger than this service accepts.\n",
        status=413,
        content_type="text/plain; charset=utf-8",
    )
