"""HTTP adapter for the optional remote notification-rule service (product spec, section 6).

When `CONFIG_SERVICE_URL` is set, the notification receiver asks the remote service which rule
matches an event: `POST {url}/rules/match` with `{"event_trigger": ..., "context": {...}}`. The
answer is a JSON list of `{rule_id, is_active, notification_type, template_id, language_code}`;
the first active item wins.

`first_remote_match` returns that match (or None when no rule is active) and raises
`RemoteRulesUnavailable` on any failure after bounded retries, after logging the reason at
WARNING; the caller then falls back to the local rules. The context may hold personal data, so
it is never logged: log lines carry only the trigger and a reason built from status codes,
exception types and field names (never from response bodies, URLs or input values).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

import requests
from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

MATCH_PATH = "/rules/match"
SOURCE_REMOTE = "remote"
SOURCE_LOCAL = "local"


@dataclass(frozen=True)
class RuleMatch:
    """The notification rule that applies to an event, from the remote service or local rules."""

    rule_id: str
    notification_type: str
    template_id: str
    language_code: str
    source: str  # SOURCE_REMOTE or SOURCE_LOCAL


class RemoteRulesUnavailable(Exception):
    """The remote rule service gave no usable answer; the caller falls back to local rules."""

    def __init__(self, reason: str, attempts: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


_NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _RemoteRule(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)

    rule_id: _NonEmpty
    is_active: bool
    notification_type: _NonEmpty
    template_id: _NonEmpty
    language_code: _NonEmpty


_RULE_LIST = TypeAdapter(list[_RemoteRule])


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def remote_trigger_name(trigger: str, traitement_type: str, case_type: str) -> str:
    """The remote service's event trigger, e.g. "CASE_CREATED_KYB_COMPANY_STANDARD"."""
    return "_".join(part.strip() for part in (trigger, traitement_type, case_type)).upper()


def retrying_session(retries: int, backoff: float) -> requests.Session:
    """A session whose adapter retries connection errors, read timeouts, 429 and 5xx.

    urllib3's `Retry` does the counting and the exponential back-off (`backoff * 2**(n-1)`);
    POST is retried because matching a rule has no side effect on the rule service.
    """
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"POST"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_max=30,
        respect_retry_after_header=False,
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def first_remote_match(
    base_url: str,
    trigger: str,
    context: dict[str, Any],
    *,
    timeout: float,
    retries: int = 2,
    backoff: float = 0.2,
    session: requests.Session | None = None,
) -> RuleMatch | None:
    """The first active remote rule for `trigger`, or None when the service has no active rule.

    Connection errors, timeouts, HTTP 5xx and 429 are retried up to `retries` extra times with
    exponential back-off (`retrying_session`). Any failure left after that (or a 4xx other than
    429, an invalid JSON body, an unexpected shape) raises RemoteRulesUnavailable, after a
    WARNING on the `cases.notifications.remote_rules` logger naming only the trigger and the reason.
    """
    if retries < 0:
        raise ValueError("retries must be >= 0")
    url = base_url.rstrip("/") + MATCH_PATH
    body = {"event_trigger": trigger, "context": context}
    http = session or retrying_session(retries, backoff)
    try:
        rules = _request_rules(http, url, body, timeout, retries)
    except RemoteRulesUnavailable as exc:
        raise _unavailable(trigger, exc.reason, exc.attempts) from None
    finally:
        if session is None:
            http.close()

    for rule in rules:
        if rule.is_active:
            return RuleMatch(
                rule_id=rule.rule_id,
                notification_type=rule.notification_type,
                template_id=rule.template_id,
                language_code=rule.language_code,
                source=SOURCE_REMOTE,
            )
    return None


def _attempts(response: requests.Response) -> int:
    history = getattr(getattr(response.raw, "retries", None), "history", ())
    return len(history) + 1


def _timed_out(exc: requests.ConnectionError) -> bool:
    """Retried read timeouts surface as a ConnectionError wrapping urllib3's MaxRetryError."""
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, ReadTimeoutError)


def _request_rules(
    http: requests.Session, url: str, body: dict[str, Any], timeout: float, retries: int
) -> list[_RemoteRule]:
    """One call (retries inside the adapter); reasons are free of personal data."""
    exhausted = retries + 1  # the adapter gave up: every attempt was made
    try:
        response = http.post(url, json=body, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        reason = f"timed out (timeout={timeout}s) after {exhausted} attempt(s)"
        raise RemoteRulesUnavailable(reason, exhausted) from None
    except requests.ConnectionError as exc:
        if _timed_out(exc):
            reason = f"timed out (timeout={timeout}s) after {exhausted} attempt(s)"
            raise RemoteRulesUnavailable(reason, exhausted) from None
        reason = f"connection failed ({type(exc).__name__}) after {exhausted} attempt(s)"
        raise RemoteRulesUnavailable(reason, exhausted) from None
    except requests.RequestException as exc:
        raise RemoteRulesUnavailable(f"request failed ({type(exc).__name__})", 1) from None

    with response:
        status, attempts = response.status_code, _attempts(response)
        if status in RETRY_STATUSES:
            reason = f"HTTP {status} after {attempts} attempt(s)"
            raise RemoteRulesUnavailable(reason, attempts)
        if not 200 <= status < 300:
            raise RemoteRulesUnavailable(f"HTTP {status}", attempts)
        try:
            payload = response.json()
        except ValueError:
            raise RemoteRulesUnavailable("invalid JSON in response", attempts) from None
    try:
        return _RULE_LIST.validate_python(payload)
    except ValidationError as exc:
        # Only locations and error types: pydantic's messages would quote the input values.
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['type']}"
            for error in exc.errors(include_url=False, include_input=False)[:5]
        )
        raise RemoteRulesUnavailable(f"unexpected response shape ({problems})", attempts) from None


def _unavailable(trigger: str, reason: str, attempts: int) -> RemoteRulesUnavailable:
    logger.warning(
        "remote notification rules unavailable for trigger %s, falling back to local rules: %s",
        trigger,
        reason,
    )
    return RemoteRulesUnavailable(reason, attempts)
