"""Domain signals. Receivers live with their concern (notifications.py), not here.

`case_opened` fires after a new case's read models are durable, once per case in normal
operation. After a crash it may fire again for the same case, so receivers must be idempotent
(the notification receiver derives its ids from the case id).
"""

from django.dispatch import Signal

# kwargs: case_ids (list[uuid.UUID]), trace_context (dict[uuid.UUID, str] of traceparents),
# read_models (optional list of the documents just created for them, so receivers need not
# read them back; a case missing there is read from the database).
case_opened = Signal()

# Fired by cases.intake.services after the change is projected. kwargs: case_id, old_status,
# new_status, event_id (the CaseStatusChanged event), actor.
case_status_changed = Signal()

# kwargs: requirement_id, case_id, old_status, new_status, event_id (DocumentStatusUpdated), actor,
# file_version (the evidence version decided on, or None), request_new_upload and reason (a
# rejection asking the client for a new upload, SPEC §5a).
document_status_changed = Signal()

# Fired once per batch after client updates (SPEC §3b) are projected. kwargs: updates, a
# {case_id: event_id of its ClientDataUpdated} dict (one update per case and send).
client_data_updated = Signal()

# Fired by cases.screening after a screening raised new hits on a case. kwargs: case_id,
# event_id (the ScreeningCompleted that opened them), hit_ids.
screening_hits_raised = Signal()
