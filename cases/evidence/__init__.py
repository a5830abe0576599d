"""Document evidence (SPEC §5a): the files behind each requirement, stored, versioned, opened
with an access log, expiring, and deleted only by the retention service."""
