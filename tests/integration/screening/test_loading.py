"""Loading FtM files as watchlist versions: deltas, the same file twice, URLs, bad files."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler
from io import StringIO
from pathlib import Path

import orjson
import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command

from screening import blocking, loading, reading, services, versions
from screening.leases import Lease, LoadInProgress
from screening.loading import InvalidListFile, load_watchlist
from screening.models import (
    DEFAULT_THRESHOLD,
    ListEntity,
    WatchlistDataset,
    WatchlistDelta,
    WatchlistVersion,
)
from screening.parties import Party
from screening.signals import watchlist_version_loaded
from screening.sources import SourceUnavailable
from tests.integration.screening.conftest import entity, write_list

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ANN = entity("ann", name="Ann Varkonyi", birthDate="1970-01-01", topics="sanction")
BOB = entity("bob", name="Bob Trevane", birthDate="1965-05-05", topics="role.pep")
CORP = entity("corp", "Company", name="Saltmarsh Shipping Ltd", topics="sanction")
DAN = entity("dan", name="Dan Oyelaran", topics="crime")


@pytest.fixture
def announced() -> Iterator[list[dict]]:
    """The watchlist_version_loaded signals sent while the test runs."""
    sent: list[dict] = []

    def receive(sender, **kwargs):
        sent.append({"dataset": kwargs["dataset"], "version": kwargs["version"]})

    watchlist_version_loaded.connect(receive, dispatch_uid="test-loading")
    yield sent
    watchlist_version_loaded.disconnect(dispatch_uid="test-loading")


def stored_rows() -> tuple[int, int, int]:
    return (
        ListEntity.objects.count(),
        WatchlistDelta.objects.count(),
        WatchlistVersion.objects.count(),
    )


def test_a_first_load_is_version_one_with_every_entity_added(load_list, announced):
    result = load_list("sanctions", [ANN, BOB, CORP])

    version = result.version
    assert result.created
    assert (version.sequence, version.version) == (1, f"v1-{version.sha256[:8]}")
    assert version.entity_count == 3
    assert version.delta == {"added": 3, "changed": 0, "removed": 0}
    assert services.current_versions() == {"sanctions": version.version}
    assert services.delta_entity_ids("sanctions", version.version) == {"ann", "bob", "corp"}
    assert announced == [{"dataset": "sanctions", "version": version.version}]
    row = ListEntity.objects.get(entity_id="corp")
    assert (row.schema, row.caption, row.topics) == (
        "Company",
        "Saltmarsh Shipping Ltd",
        ["sanction"],
    )
    # Stored scoped by dataset (screening.keys.scoped_keys).
    scoped = ("sanctions:n:", "sanctions:m:", "sanctions:s:")
    assert row.keys and all(key.startswith(scoped) for key in row.keys)


def test_a_second_version_records_what_was_added_changed_and_removed(load_list, announced):
    first = load_list("sanctions", [ANN, BOB, CORP], name="one").version
    renamed = entity("bob", name="Robert Trevane", birthDate="1965-05-05", topics="role.pep")

    second = load_list("sanctions", [ANN, renamed, DAN], name="two").version

    assert second.sequence == 2 and second.version != first.version
    assert second.delta == {"added": 1, "changed": 1, "removed": 1}
    assert second.entity_count == 3
    assert services.delta_entity_ids("sanctions", second.version) == {"dan", "bob"}
    changes = dict(
        WatchlistDelta.objects.filter(version=second.version).values_list("entity_id", "change")
    )
    assert changes == {"dan": "ADDED", "bob": "CHANGED", "corp": "REMOVED"}
    assert [signal["version"] for signal in announced] == [first.version, second.version]
    current = ListEntity.objects.get(entity_id="bob", until_sequence=None)
    assert (current.added_version, current.changed_version) == (first.version, second.version)
    removed = ListEntity.objects.get(entity_id="corp")
    assert removed.removed and removed.until_sequence == 2


def test_closed_revisions_leave_the_key_index_once_no_reader_can_see_them(load_list):
    load_list("sanctions", [ANN, BOB, CORP], name="one")
    load_list("sanctions", [ANN, BOB], name="two")
    # A screening that began on version 1 may still be reading: corp keeps its keys...
    assert ListEntity.objects.get(entity_id="corp").keys

    load_list("sanctions", [ANN], name="three")

    # ...until a version later; the revision itself stays, as history.
    assert ListEntity.objects.get(entity_id="corp").keys == []
    assert ListEntity.objects.get(entity_id="bob").keys  # closed by version 3: still readable


def test_screening_sees_the_current_version_only(load_list):
    load_list("sanctions", [ANN, BOB, CORP], name="one")
    renamed = entity("bob", name="Robert Trevane", birthDate="1965-05-05", topics="role.pep")
    load_list("sanctions", [ANN, renamed, DAN], name="two")

    def hits(*names: str, schema: str = "Person") -> list[str]:
        [result] = services.screen([Party(key="p", schema=schema, names=names)])
        return [hit.entity_id for hit in result.hits]

    assert hits("Saltmarsh Shipping Ltd", schema="Company") == []  # removed
    assert hits("Robert Trevane") == ["bob"]  # its new name
    assert hits("Dan Oyelaran") == ["dan"]  # added


def test_the_same_file_twice_is_one_version_and_writes_nothing(load_list, announced, tmp_path):
    path = write_list(tmp_path / "list.ftm.json", [ANN, BOB])
    first = load_watchlist("sanctions", str(path))
    before = stored_rows()

    again = load_watchlist("sanctions", str(path))

    assert not again.created
    assert again.version.key == first.version.key
    assert stored_rows() == before
    assert len(announced) == 1


def test_the_same_entities_in_another_order_are_a_new_version_with_no_change(load_list):
    load_list("sanctions", [ANN, BOB], name="one")

    reordered = load_list("sanctions", [BOB, ANN], name="two")

    assert reordered.created and reordered.version.sequence == 2
    assert reordered.version.delta == {"added": 0, "changed": 0, "removed": 0}
    assert services.delta_entity_ids("sanctions", reordered.version.version) == set()


def test_entities_that_are_not_parties_are_skipped(load_list):
    sanction = entity("s1", "Sanction", entity="ann", program="DEMO")

    result = load_list("sanctions", [ANN, sanction])

    assert result.version.entity_count == 1
    assert not ListEntity.objects.filter(entity_id="s1").exists()


def test_a_bad_line_loads_nothing_and_names_the_line(load_list, tmp_path, monkeypatch):
    load_list("sanctions", [ANN], name="good")
    before = stored_rows()
    monkeypatch.setattr(reading, "BATCH", 2)  # so rows are written before the bad line
    path = write_list(tmp_path / "bad.ftm.json", [BOB, CORP, DAN])
    path.write_bytes(path.read_bytes() + b'{"id": "x", "schema": "NoSuchSchema"}\n')

    with pytest.raises(InvalidListFile, match="line 4"):
        load_watchlist("sanctions", str(path))

    assert stored_rows() == before
    assert WatchlistDataset.objects.get(name="sanctions").current_sequence == 1
    assert WatchlistDataset.objects.get(name="sanctions").lock_owner == ""


@pytest.mark.parametrize("content", [b"", b"\n", b'{"id": "s1", "schema": "Sanction"}\n'])
def test_a_file_without_parties_never_empties_the_list(load_list, tmp_path, content):
    load_list("sanctions", [ANN, BOB], name="good")
    path = tmp_path / "empty.ftm.json"
    path.write_bytes(content)

    with pytest.raises(InvalidListFile, match="no person or legal entity"):
        load_watchlist("sanctions", str(path))

    assert WatchlistDataset.objects.get(name="sanctions").current_sequence == 1
    [result] = services.screen([Party(key="p", schema="Person", names=("Ann Varkonyi",))])
    assert [hit.entity_id for hit in result.hits] == ["ann"]


def test_a_reader_of_the_previous_version_still_sees_it(load_list):
    """A screening that began before a load committed reads its own version throughout."""
    load_list("sanctions", [ANN, BOB, CORP], name="one")
    load_list("sanctions", [ANN, DAN], name="two")
    keys = [key.removeprefix("sanctions:") for key in ListEntity.objects.get(entity_id="corp").keys]

    assert [row["entity_id"] for row in blocking.candidates("sanctions", 1, keys)] == ["corp"]
    assert blocking.candidates("sanctions", 2, keys) == []


def test_an_entity_id_twice_in_one_file_is_refused(tmp_path):
    path = write_list(tmp_path / "twice.ftm.json", [ANN, BOB, ANN])

    with pytest.raises(InvalidListFile, match="ann appears twice"):
        load_watchlist("sanctions", str(path))

    assert services.current_versions() == {}


def test_a_missing_file_is_refused_cleanly(tmp_path):
    with pytest.raises(SourceUnavailable, match="cannot read"):
        load_watchlist("sanctions", str(tmp_path / "nowhere.json"))
    assert not WatchlistDataset.objects.exists()


def test_an_unreachable_url_is_refused_cleanly(settings):
    settings.DEFAULT_HTTP_TIMEOUT = 1.0
    with pytest.raises(SourceUnavailable, match=r"could not fetch http://127\.0\.0\.1:9/list"):
        load_watchlist("sanctions", "http://user:pw@127.0.0.1:9/list?token=secret")
    assert not WatchlistDataset.objects.exists()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server over tmp_path; yields its base URL."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_url_is_loaded_and_recorded_without_its_query(served, tmp_path):
    write_list(tmp_path / "list.ftm.json", [ANN, CORP])

    result = load_watchlist("remote", f"{served}/list.ftm.json?token=secret")

    assert result.created and result.version.entity_count == 2
    assert result.version.source == f"{served}/list.ftm.json"


def test_a_dataset_being_loaded_elsewhere_is_refused(load_list):
    load_list("sanctions", [ANN], name="one")
    other = Lease("sanctions")
    other.acquire()
    try:
        with pytest.raises(LoadInProgress):
            load_list("sanctions", [ANN, BOB], name="two")
    finally:
        other.release()
    assert load_list("sanctions", [ANN, BOB], name="two").version.sequence == 2


def test_the_command_loads_and_says_so_and_a_rerun_writes_nothing(tmp_path):
    path = write_list(tmp_path / "list.ftm.json", [ANN, BOB, CORP])
    out = StringIO()

    call_command(
        "load_watchlist", dataset="sanctions", file=str(path), stdout=out, stderr=StringIO()
    )
    call_command(
        "load_watchlist", dataset="sanctions", file=str(path), stdout=out, stderr=StringIO()
    )

    first, second = out.getvalue().splitlines()
    assert first.startswith("sanctions: version v1-") and "3 entities (+3 ~0 -0)" in first
    assert second.startswith("sanctions: file already loaded as v1-")
    assert WatchlistVersion.objects.count() == 1


def test_the_command_turns_a_bad_source_into_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_watchlist", dataset="sanctions", file=str(tmp_path / "none.json"))


def test_loading_lists_has_its_own_permission():
    assert Permission.objects.filter(
        content_type__app_label="screening", codename="add_watchlistversion"
    ).exists()


def test_a_load_that_died_half_way_is_cleared_by_the_next_one(load_list, tmp_path, monkeypatch):
    load_list("sanctions", [ANN, BOB], name="one")
    monkeypatch.setattr(reading, "BATCH", 2)
    path = write_list(tmp_path / "dies.ftm.json", [ANN, CORP, DAN])
    path.write_bytes(path.read_bytes() + b"not json\n")
    # As if the process were killed before its own clean-up: the rows written stay behind.
    monkeypatch.setattr(loading, "discard_uncommitted", lambda dataset, current: None)
    with pytest.raises(InvalidListFile):
        load_watchlist("sanctions", str(path))
    assert ListEntity.objects.filter(since_sequence=2).exists()
    monkeypatch.undo()

    second = load_list("sanctions", [ANN, DAN], name="two").version

    assert second.sequence == 2
    assert second.delta == {"added": 1, "changed": 0, "removed": 1}
    assert set(ListEntity.objects.filter(since_sequence=2).values_list("entity_id", flat=True)) == {
        "dan"
    }
    assert not ListEntity.objects.filter(entity_id="corp").exists()


def test_watchlists_lists_each_dataset_with_its_versions_newest_first(load_list):
    first = load_list("sanctions", [ANN, BOB], name="one").version
    second = load_list("sanctions", [ANN, DAN], name="two").version
    load_list("peps", [BOB])

    peps, sanctions = services.watchlists()

    assert (peps.dataset, [v.sequence for v in peps.versions]) == ("peps", [1])
    assert (sanctions.current_version, sanctions.threshold) == (second.version, DEFAULT_THRESHOLD)
    assert [v.version for v in sanctions.versions] == [second.version, first.version]
    newest = sanctions.versions[0]
    assert (newest.added, newest.changed, newest.removed, newest.entity_count) == (1, 0, 1, 2)
    assert newest.sha256 == second.sha256 and newest.loaded_at == second.loaded_at


def test_an_error_after_the_commit_reached_the_server_keeps_the_version(load_list, monkeypatch):
    """The commit's answer can be lost after the server applied it: the clean-up must look
    at the dataset again rather than discard what is now the current version."""
    load_list("sanctions", [ANN], name="one")
    commit = versions.VersionWriter.commit

    def commit_then_lose_the_answer(self, file):
        commit(self, file)
        raise ConnectionError("answer lost")

    monkeypatch.setattr(versions.VersionWriter, "commit", commit_then_lose_the_answer)
    with pytest.raises(ConnectionError):
        load_list("sanctions", [ANN, DAN], name="two")

    assert WatchlistDataset.objects.get(name="sanctions").current_sequence == 2
    [result] = services.screen([Party(key="p", schema="Person", names=("Dan Oyelaran",))])
    assert [hit.entity_id for hit in result.hits] == ["dan"]


def test_a_download_cut_short_is_refused(load_list):
    """A body shorter than its Content-Length never becomes a version (it would remove the
    entities it lost)."""
    load_list("sanctions", [ANN, BOB], name="one")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_short() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            body = orjson.dumps(ANN) + b"\n"
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body) * 10}\r\n\r\n".encode()
            connection.sendall(head + body)

    threading.Thread(target=answer_short, daemon=True).start()
    with listener, pytest.raises(SourceUnavailable, match="could not fetch"):
        load_watchlist("sanctions", f"http://127.0.0.1:{port}/list.ftm.json")

    assert WatchlistDataset.objects.get(name="sanctions").current_sequence == 1
