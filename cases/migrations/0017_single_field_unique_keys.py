# Written by hand (issue #23): unique guarantees carried by one field each.
#
# On DocumentDB (FerretDB v2) an insert into a collection with a compound unique index costs
# more the more documents it holds; a single-field unique index stays flat
# (docs/performance.md). Each guarantee moves to one field, the old index going last so that
# no moment is without it:
# - event_store: (aggregate_id, version) becomes `stream_key`, "<aggregate hex>:<version,
#   10 digits>", filled here on existing events, then made unique; a plain (aggregate_id,
#   version) index keeps the stream reads indexed.
# - raw_events, document_requirements: the primary key is already derived from the natural
#   key (kafka_integration.ingest.InboundRecord.raw_event_id, cases.handlers.
#   requirement_id_for, unchanged since the first release), so `_id` refuses a duplicate and
#   the compound unique index is redundant. raw_events keeps a plain (topic, partition,
#   offset) index for replay's partition order.
#
# Run it with the consumers stopped (scripts/run.sh migrates before starting them): an event
# appended by older code between the fill and the unique index would have no stream key.

from django.db import migrations, models
from pymongo import UpdateOne

BATCH = 1000
VERSION_DIGITS = 10  # as cases.models.event_log.VERSION_DIGITS


def stream_key(aggregate_id_hex, version):
    """As cases.models.event_log.stream_key, on the stored form (UUIDs are stored as hex)."""
    return f"{aggregate_id_hex}:{version:0{VERSION_DIGITS}d}"


def fill_stream_keys(apps, schema_editor):
    """Give every stored event its stream key: batches walked along `_id`, idempotent.

    No count and no unindexed query: each batch is the next BATCH ids after the last one seen
    (the `_id` index), and only documents whose key is missing or wrong are written. Re-running
    it (after a crash half-way) finds the done ones already right.
    """
    events = schema_editor.connection.get_collection("event_store")
    projection = {"aggregate_id": 1, "version": 1, "stream_key": 1}
    last = None
    while True:
        query = {} if last is None else {"_id": {"$gt": last}}
        batch = list(events.find(query, projection).sort("_id", 1).limit(BATCH))
        if not batch:
            return
        updates = []
        for document in batch:
            key = stream_key(document["aggregate_id"], document["version"])
            if document.get("stream_key") != key:
                updates.append(UpdateOne({"_id": document["_id"]}, {"$set": {"stream_key": key}}))
        if updates:
            events.bulk_write(updates, ordered=False)
        last = batch[-1]["_id"]


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0016_notification_in_flight"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="storedevent",
            index=models.Index(fields=["aggregate_id", "version"], name="event_stream"),
        ),
        migrations.AddIndex(
            model_name="rawevent",
            index=models.Index(fields=["topic", "partition", "offset"], name="raw_position"),
        ),
        # The field enters the state only: AddField would first set it on every document in
        # one unbatched update, to a value the unique index would then refuse.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="storedevent",
                    name="stream_key",
                    field=models.CharField(default="", editable=False, max_length=48),
                    preserve_default=False,
                ),
            ],
        ),
        migrations.RunPython(fill_stream_keys, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="storedevent",
            constraint=models.UniqueConstraint(fields=("stream_key",), name="uniq_event_stream_key"),
        ),
        migrations.RemoveConstraint(
            model_name="storedevent",
            name="uniq_event_aggregate_version",
        ),
        migrations.RemoveConstraint(
            model_name="rawevent",
            name="uniq_raw_event_position",
        ),
        migrations.RemoveConstraint(
            model_name="documentrequirement",
            name="uniq_requirement_per_party",
        ),
    ]
