"""The analyst workflow (SPEC §3, §3a): direct status changes and notes, assignment, claim-next,
four-eyes decisions, due dates.

Same shape as the rest of the domain: `commands` (what may be asked), `authorisation` and
`handlers` (pure decisions), `services` (load, decide, append, project, signal), `projections`
(registered with `cases.core.projections`), `overdue` (the periodic due-date check), `rules`
(ApprovalRule and SlaRule matching).
"""
