"""In-process aggregation stages of the FerretDB adapter (pure: plain documents in and out)."""

from casemgmt_project.mongodb_engine.aggregation import run_pipeline


def test_project_keeps_the_named_fields_of_a_nested_document():
    rows = [{"_id": 1, "codename": "view_case", "ct": {"app_label": "cases", "model": "case"}}]
    projected = run_pipeline(
        rows, [{"$project": {"ct": {"app_label": 1}, "codename": 1}}], lambda name: []
    )
    assert projected == [{"_id": 1, "codename": "view_case", "ct": {"app_label": "cases"}}]


def test_project_still_evaluates_expressions_given_as_documents():
    rows = [{"_id": 1, "a": 2}]
    projected = run_pipeline(rows, [{"$project": {"b": {"$literal": 1}}}], lambda name: [])
    assert projected == [{"_id": 1, "b": 1}]
