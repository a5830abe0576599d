"""The Kafka edge: decoding records into the domain's contract, the ingest service, consumer,
producers, notification relay, raw-event API and admin. Imports the domain; never the reverse."""
