"""Watchlists as data: datasets, their versions, entity revisions and per-version deltas.

Every unique guarantee rides on one field, the primary key, derived from the natural key
(as `cases` does since its migration 0017): on DocumentDB a compound unique index costs
more per insert the larger the collection grows.

Entities are stored as revisions with a validity range of version sequences, so a screening
that started against version N reads version N throughout, even while N+1 is being loaded:
a revision is visible at sequence S when `since_sequence <= S` and `until_sequence` is null
or greater than S. Making a new version current is one single-document update of the
dataset row.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_mongodb_backend.fields import ArrayField

DEFAULT_ALGORITHM = "logic-v2"
DEFAULT_THRESHOLD = 0.65


def version_key(dataset: str, sha256: str) -> str:
    """The primary key of a version: one file (by checksum) is one version of a dataset."""
    return f"{dataset}:{sha256}"


def revision_key(dataset: str, entity_id: str, since_sequence: int) -> str:
    """The primary key of an entity revision: the entity as it was from that version on."""
    return f"{dataset}:{since_sequence:010d}:{entity_id}"


def delta_key(dataset: str, sequence: int, entity_id: str) -> str:
    """The primary key of a delta row: one change of one entity in one version."""
    return f"{dataset}:{sequence:010d}:{entity_id}"


class WatchlistDataset(models.Model):
    """A list the operator screens against, with its matching settings and current version.

    `current_sequence` / `current_version` name the version screening reads; the loader
    holds `lock_owner` (a lease until `lock_expires_at`) while it writes the next one.
    """

    name = models.CharField(primary_key=True, max_length=100, db_column="_id")
    title = models.CharField(max_length=200, blank=True, default="")
    algorithm = models.CharField(max_length=40, default=DEFAULT_ALGORITHM)
    threshold = models.FloatField(
        default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Scores at or above it are hits",
    )
    current_sequence = models.IntegerField(default=0, editable=False)
    current_version = models.CharField(max_length=80, blank=True, default="", editable=False)
    lock_owner = models.CharField(max_length=64, blank=True, default="", editable=False)
    lock_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "watchlist_datasets"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WatchlistVersion(models.Model):
    """One loaded file of a dataset: where it came from, its checksum and what it changed."""

    key = models.CharField(primary_key=True, max_length=170, db_column="_id", editable=False)
    dataset = models.CharField(max_length=100)
    version = models.CharField(max_length=80)
    sequence = models.IntegerField(help_text="1 for the first version of the dataset, then +1")
    source = models.CharField(max_length=1000, help_text="Path or URL, without credentials")
    sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()
    entity_count = models.IntegerField(help_text="Screenable entities in the file")
    delta = models.JSONField(default=dict, help_text="{added, changed, removed} counts")

    class Meta:
        db_table = "watchlist_versions"
        ordering = ["dataset", "-sequence"]
        indexes = [
            models.Index(fields=["dataset", "-sequence"], name="watchlist_version_order"),
            models.Index(fields=["dataset", "version"], name="watchlist_version_label"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} {self.version}"


class ListEntity(models.Model):
    """One revision of a list entity (Person, Company, Organization, LegalEntity).

    `keys` are the blocking keys computed at load time, scoped by dataset ("<dataset>:n:john",
    screening.keys.scoped_keys); the single-field multikey index on them is what finds
    candidates. Revisions closed before the current version lose their keys, so the index
    holds only what a reader can still see.
    """

    key = models.CharField(primary_key=True, max_length=400, db_column="_id", editable=False)
    dataset = models.CharField(max_length=100)
    entity_id = models.CharField(max_length=250)
    schema = models.CharField(max_length=40)
    caption = models.CharField(max_length=500, blank=True, default="")
    properties = models.JSONField(default=dict, help_text="FtM properties: {name: [values]}")
    topics = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64)
    # Up to a dataset name (100), ":" and a key (120).
    keys = ArrayField(models.CharField(max_length=240), default=list, blank=True)
    added_version = models.CharField(max_length=80, help_text="Version that first listed it")
    changed_version = models.CharField(max_length=80, help_text="Version of this revision")
    since_sequence = models.IntegerField()
    until_sequence = models.IntegerField(null=True, blank=True)
    removed = models.BooleanField(default=False, help_text="Closed because the list dropped it")

    class Meta:
        db_table = "watchlist_entities"
        ordering = ["dataset", "entity_id"]
        indexes = [
            models.Index(fields=["keys"], name="watchlist_entity_scoped_keys"),
            models.Index(fields=["dataset", "entity_id"], name="watchlist_entity_id"),
            models.Index(fields=["dataset", "since_sequence"], name="watchlist_entity_since"),
            models.Index(
                fields=["dataset", "until_sequence", "key"], name="watchlist_entity_until"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset}:{self.entity_id}"


class WatchlistDelta(models.Model):
    """What one version changed: an entity id added, changed or removed.

    A delta re-screen reads these rows only (indexed by (dataset, version)), never the list.
    """

    ADDED = "ADDED"
    CHANGED = "CHANGED"
    REMOVED = "REMOVED"
    CHANGES = [(ADDED, "added"), (CHANGED, "changed"), (REMOVED, "removed")]

    key = models.CharField(primary_key=True, max_length=400, db_column="_id", editable=False)
    dataset = models.CharField(max_length=100)
    version = models.CharField(max_length=80)
    sequence = models.IntegerField()
    entity_id = models.CharField(max_length=250)
    change = models.CharField(max_length=8, choices=CHANGES)

    class Meta:
        db_table = "watchlist_deltas"
        ordering = ["dataset", "sequence", "entity_id"]
        indexes = [
            models.Index(fields=["dataset", "version"], name="watchlist_delta_version"),
            models.Index(fields=["dataset", "sequence"], name="watchlist_delta_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.change} {self.dataset}:{self.entity_id} in {self.version}"
