"""The event store page's filters offer every event and aggregate type the code has."""

from cases.admin.events import AGGREGATE_PAGES, EVENT_TYPES
from tests.unit.test_architecture_doc import AGGREGATES, event_types_in_code


def test_the_event_type_filter_lists_every_event_type_once():
    assert len(EVENT_TYPES) == len(set(EVENT_TYPES))
    assert sorted(EVENT_TYPES) == sorted(event_types_in_code())


def test_every_aggregate_type_links_to_its_admin_page():
    assert set(AGGREGATE_PAGES) == AGGREGATES
