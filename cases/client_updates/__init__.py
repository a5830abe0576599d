"""Client updates (SPEC §3b): one open case per client, upstream changes applied to it.

`diff` (pure differences), `commands`, `handlers` (pure decisions), `events`, `state` (loading
snapshots), `services` (routing and running updates), `projections` (incl. the Client model).
"""
