"""The back office's groups as a table, synced after every `migrate` (SPEC §8, issue #8).

Analysts work cases; leads also own the configuration (rules, API tokens). The sync only adds
what the table names and skips codenames that do not exist yet (e.g. `view_apitoken` before the
API token model is migrated), so a model added later is granted on the next `migrate`. It never
removes a permission someone granted by hand. Idempotent: running it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ANALYST", "GROUP_PERMISSIONS", "LEAD", "ensure_back_office_user", "sync_groups"]

ANALYST = "Compliance analyst"
LEAD = "Compliance lead"

_VIEW_ALL = tuple(
    f"cases.view_{model}"
    for model in (
        "case",
        "client",
        "company",
        "person",
        "beneficialowner",
        "documentrequirement",
        "storedevent",
        "rawevent",
        "notification",
        "documentrule",
        "notificationrule",
        "approvalrule",
        "slarule",
        "screeningrequest",
        "partyscreening",
        "screeninghit",
        "evidencefile",  # list and open files (every open is logged, SPEC §5a)
        "evidenceaccess",  # the access log
    )
)
# The watchlists (the screening app's models): which versions were loaded, with their deltas.
_VIEW_LISTS = ("screening.view_watchlistdataset", "screening.view_watchlistversion")
_ANALYST_WORK = (
    "cases.change_case",  # status changes and notes, through the case page's actions
    "cases.change_documentrequirement",  # document decisions, determinations
    "cases.change_rawevent",  # the "replay" action
    "cases.change_notification",  # the "re-send" action
    "cases.resolve_screeninghit",  # screening hits (SPEC §3c); TRUE_MATCH also needs a lead
    "cases.add_evidencefile",  # uploading evidence (SPEC §5a); never delete: retention does
)
_LEAD_CONFIGURATION = tuple(
    f"cases.{action}_{model}"
    for model in ("documentrule", "notificationrule", "approvalrule", "slarule", "apitoken")
    for action in ("add", "change", "delete", "view")
)

GROUP_PERMISSIONS: Mapping[str, tuple[str, ...]] = {
    ANALYST: _VIEW_ALL + _VIEW_LISTS + _ANALYST_WORK,
    LEAD: _VIEW_ALL + _VIEW_LISTS + _ANALYST_WORK + _LEAD_CONFIGURATION,
}


def sync_groups(table: Mapping[str, tuple[str, ...]] = GROUP_PERMISSIONS) -> dict[str, int]:
    """Create the groups and grant what exists of their permissions; returns grants added."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    wanted_all = {label for labels in table.values() for label in labels}
    # Content types are few: read them once rather than join them into every permission row.
    app_of = dict(ContentType.objects.values_list("pk", "app_label"))
    by_label = {
        f"{app_of.get(content_type)}.{codename}": pk
        for pk, content_type, codename in Permission.objects.filter(
            codename__in=sorted({label.split(".", 1)[1] for label in wanted_all})
        ).values_list("pk", "content_type_id", "codename")
    }
    added: dict[str, int] = {}
    for name, wanted in table.items():
        group, _ = Group.objects.get_or_create(name=name)
        existing = set(group.permissions.values_list("pk", flat=True))
        missing = [
            by_label[label] for label in wanted if by_label.get(label) not in (None, *existing)
        ]
        if missing:
            group.permissions.add(*missing)
        added[name] = len(missing)
    return added


def sync_groups_after_migrate(sender, **kwargs) -> None:
    """post_migrate receiver: runs after each app's permissions were created."""
    sync_groups()


def ensure_back_office_user(username: str, password: str, group: str) -> tuple[object, bool]:
    """A staff (not super) user in one of the groups; returns (user, created). Idempotent."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    if group not in GROUP_PERMISSIONS:
        raise ValueError(f"unknown group {group!r}; one of {', '.join(GROUP_PERMISSIONS)}")
    sync_groups()
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True}
    )
    if created:
        user.set_password(password)
        user.save()
    user.groups.add(Group.objects.get(name=group))
    return user, created
