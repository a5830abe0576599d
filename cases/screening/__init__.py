"""Screening of a case's parties against watchlists (SPEC §3c): requests, results, hits and
their four-eyes resolution, as events on the Case aggregate."""
