"""Intake (SPEC §1-2): the client-record contract and opening cases from it, one Kafka batch or
one API request at a time, with the parties and the ids every replay lands on again."""
