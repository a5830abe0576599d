"""The remote notification-rule adapter against a real local HTTP server (no database needed)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cases.notifications.remote_rules import (
    RemoteRulesUnavailable,
    RuleMatch,
    first_remote_match,
    remote_trigger_name,
)

pytestmark = pytest.mark.integration

TRIGGER = "CASE_CREATED_KYB_COMPANY_STANDARD"
FAKE_PERSON = "Marguerite Testperson-Duchamp"


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=list)  # bytes are sent as-is, anything else as JSON
    delay: float = 0.0
    echo_request: bool = False  # send the request body back (to check nothing of it is logged)


@dataclass
class RuleServer:
    """A local stand-in for the rule service; each test scripts its replies, in order."""

    url: str = ""
    replies: list[Reply] = field(default_factory=lambda: [Reply()])
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *replies: Reply) -> None:
        """Reply with these in turn; the last one repeats."""
        self.replies = list(replies)

    def next_reply(self, raw: bytes, path: str) -> Reply:
        with self.lock:
            self.paths.append(path)
            self.requests.append(json.loads(raw))
            return self.replies[min(len(self.requests), len(self.replies)) - 1]


def make_handler(state: RuleServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            reply = state.next_reply(raw, self.path)
            if reply.delay and state.stop.wait(reply.delay):
                return  # server shutting down
            if reply.echo_request:
                body = raw
            elif isinstance(reply.body, bytes):
                body = reply.body
            else:
                body = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def rule_server() -> Iterator[RuleServer]:
    state = RuleServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    host, port = server.server_address[:2]
    state.url = f"http://{host}:{port}/"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="rule-server", daemon=True
    )
    thread.start()
    yield state
    state.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def rule(rule_id: str, active: bool, template: str = "tpl-welcome") -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "is_active": active,
        "notification_type": "EMAIL",
        "template_id": template,
        "language_code": "fr",
        "priority": 3,  # extra fields are ignored
    }


CONTEXT = {
    "case_id": "3f0c5e1a-0000-4000-8000-000000000001",
    "client_name": FAKE_PERSON,
    "case_type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
}


def test_first_active_rule_wins_and_request_carries_trigger_and_context(rule_server):
    rule_server.answer(
        Reply(body=[rule("r-1", False, "tpl-old"), rule("r-2", True), rule("r-3", True)])
    )

    match = first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=2)

    assert match == RuleMatch(
        rule_id="r-2",
        notification_type="EMAIL",
        template_id="tpl-welcome",
        language_code="fr",
        source="remote",
    )
    assert rule_server.paths == ["/rules/match"]  # trailing slash of the base URL is dropped
    assert rule_server.requests == [{"event_trigger": TRIGGER, "context": CONTEXT}]


@pytest.mark.parametrize("rules", [[], [rule("r-1", False), rule("r-2", False)]])
def test_no_active_rule_gives_none(rule_server, rules):
    rule_server.answer(Reply(body=rules))

    assert first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=2) is None
    assert len(rule_server.requests) == 1


def test_slow_service_times_out_after_bounded_retries(rule_server):
    rule_server.answer(Reply(body=[rule("r-1", True)], delay=5))

    started = time.monotonic()
    with pytest.raises(RemoteRulesUnavailable) as caught:
        first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=0.3, retries=2, backoff=0.05)
    elapsed = time.monotonic() - started

    assert len(rule_server.requests) == 3  # retries + 1
    assert caught.value.attempts == 3
    assert "timed out" in caught.value.reason
    # 3 × 0.3 s timeouts + 0.05 s + 0.1 s backoff ≈ 1.05 s; never the server's 5 s delay.
    assert 0.9 <= elapsed < 2.5


@pytest.mark.parametrize("status", [500, 503, 429])
def test_transient_errors_are_retried_then_succeed(rule_server, status):
    rule_server.answer(
        Reply(status=status, body={"error": "busy"}),
        Reply(status=status, body={"error": "busy"}),
        Reply(body=[rule("r-9", True)]),
    )

    match = first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=2, backoff=0.01)

    assert match is not None and match.rule_id == "r-9"
    assert len(rule_server.requests) == 3


def test_persistent_server_error_is_unavailable_after_retries(rule_server):
    rule_server.answer(Reply(status=502, body={"error": "bad gateway"}))

    with pytest.raises(RemoteRulesUnavailable) as caught:
        first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=2, retries=1, backoff=0.01)

    assert len(rule_server.requests) == 2
    assert caught.value.reason == "HTTP 502 after 2 attempt(s)"


def test_not_found_is_not_retried(rule_server):
    rule_server.answer(Reply(status=404, body={"detail": "no such endpoint"}))

    with pytest.raises(RemoteRulesUnavailable) as caught:
        first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=2, backoff=0.01)

    assert len(rule_server.requests) == 1
    assert caught.value.reason == "HTTP 404"


def test_invalid_json_is_unavailable(rule_server):
    rule_server.answer(Reply(body=b"<html>not json</html>"))

    with pytest.raises(RemoteRulesUnavailable) as caught:
        first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=2, backoff=0.01)

    assert caught.value.reason == "invalid JSON in response"
    assert len(rule_server.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"rules": [rule("r-1", True)]},  # not a list
        [{"rule_id": "r-1", "is_active": True, "notification_type": "EMAIL"}],  # fields missing
        [rule("r-1", True, template="")],  # empty template
        ["r-1"],
    ],
)
def test_wrong_shape_is_unavailable(rule_server, body):
    rule_server.answer(Reply(body=body))

    with pytest.raises(RemoteRulesUnavailable) as caught:
        first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=2)

    assert caught.value.reason.startswith("unexpected response shape")


def test_connection_refused_is_unavailable():
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    started = time.monotonic()
    with pytest.raises(RemoteRulesUnavailable) as caught:
        first_remote_match(
            f"http://127.0.0.1:{port}", TRIGGER, CONTEXT, timeout=1, retries=2, backoff=0.01
        )

    assert caught.value.attempts == 3
    assert caught.value.reason == "connection failed (ConnectionError) after 3 attempt(s)"
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=400, echo_request=True),  # error body quoting the request
        Reply(body=[rule("r-1", True, template={"name": FAKE_PERSON})]),  # shape error on a value
        Reply(status=500, echo_request=True),  # retried, then given up
    ],
)
def test_fallback_warning_names_trigger_and_reason_but_no_context_value(rule_server, caplog, reply):
    rule_server.answer(reply)
    caplog.set_level(logging.DEBUG, logger="cases.notifications.remote_rules")

    with pytest.raises(RemoteRulesUnavailable) as caught:
        first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=2, retries=1, backoff=0.01)

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].name == "cases.notifications.remote_rules"
    message = warnings[0].getMessage()
    assert TRIGGER in message
    assert caught.value.reason in message
    assert "falling back to local rules" in message
    assert FAKE_PERSON not in caplog.text
    assert "Testperson" not in caplog.text
    assert FAKE_PERSON not in caught.value.reason


def test_success_logs_no_warning(rule_server, caplog):
    rule_server.answer(Reply(body=[rule("r-1", True)]))
    caplog.set_level(logging.DEBUG, logger="cases.notifications.remote_rules")

    assert first_remote_match(rule_server.url, TRIGGER, CONTEXT, timeout=2) is not None
    assert caplog.records == []


def test_remote_trigger_name():
    assert remote_trigger_name("CASE_CREATED", "KYB", "COMPANY_STANDARD") == TRIGGER
    assert (
        remote_trigger_name("case_created", "kyc", "individual_standard")
        == "CASE_CREATED_KYC_INDIVIDUAL_STANDARD"
    )
