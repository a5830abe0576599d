"""The analyst and lead groups (cases.admin.groups): synced after migrate, idempotent, and a
permission of a model added later is granted on the next sync."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from cases.admin.groups import ANALYST, GROUP_PERMISSIONS, LEAD, sync_groups

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _codenames(group: str) -> set[str]:
    return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))


def test_groups_exist_after_migrate_and_a_second_sync_adds_nothing():
    assert {"view_case", "change_case", "change_rawevent"} <= _codenames(ANALYST)
    assert "change_documentrule" not in _codenames(ANALYST)
    assert {"change_documentrule", "delete_notificationrule"} <= _codenames(LEAD)
    assert sync_groups() == {ANALYST: 0, LEAD: 0}


def test_a_permission_that_appears_later_is_granted_on_the_next_sync():
    """Like the API token permissions before their model is migrated."""
    table = {LEAD: ("cases.view_case", "cases.view_futurething")}
    assert sync_groups(table) == {LEAD: 0}  # the missing codename is skipped, not an error
    content_type, _ = ContentType.objects.get_or_create(app_label="cases", model="futurething")
    Permission.objects.create(
        codename="view_futurething", name="Can view future thing", content_type=content_type
    )

    assert sync_groups(table) == {LEAD: 1}
    assert "view_futurething" in _codenames(LEAD)
    assert "cases.view_apitoken" in GROUP_PERMISSIONS[LEAD]
