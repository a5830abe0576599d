"""The in-process pipeline evaluator used on FerretDB (casemgmt_project.mongodb_engine)."""

from casemgmt_project.mongodb_engine.evaluator import run_pipeline


def _no_lookups(name: str) -> list:
    raise AssertionError(f"unexpected lookup of {name}")


def test_a_nested_inclusion_projection_keeps_the_named_fields_of_a_joined_document():
    # What the backend emits for Permission.values_list("content_type__app_label", "codename"),
    # which Django's ModelBackend runs for every non-superuser's permission check.
    rows = [
        {
            "_id": 1,
            "codename": "view_case",
            "django_content_type": {"_id": 9, "app_label": "cases", "model": "case"},
        }
    ]
    pipeline = [{"$project": {"django_content_type": {"app_label": 1, "model": 1}, "codename": 1}}]

    assert run_pipeline(rows, pipeline, _no_lookups) == [
        {
            "_id": 1,
            "codename": "view_case",
            "django_content_type": {"app_label": "cases", "model": "case"},
        }
    ]


def test_an_expression_object_in_a_projection_is_still_evaluated():
    rows = [{"_id": 1, "a": 2}]
    pipeline = [{"$project": {"b": {"$literal": 1}}}]

    assert run_pipeline(rows, pipeline, _no_lookups) == [{"_id": 1, "b": 1}]
