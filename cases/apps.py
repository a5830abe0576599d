from django.apps import AppConfig


class CasesConfig(AppConfig):
    """The KYC/KYB case domain: read models, commands, events and projections."""

    name = "cases"
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cases.admin.groups import sync_groups_after_migrate

        # Importing these registers the projections and connects the signal receivers.
        from cases.client_updates import projections as client_projections  # noqa: F401
        from cases.core.index_readiness import wait_after_migrate
        from cases.documents import projections as document_projections  # noqa: F401
        from cases.evidence import expiry  # noqa: F401  (registers the periodic check)
        from cases.evidence import projections as evidence_projections  # noqa: F401
        from cases.intake import projections as intake_projections  # noqa: F401
        from cases.notifications import services as notifications  # noqa: F401
        from cases.screening import projections as screening_projections  # noqa: F401
        from cases.screening import receivers as screening_receivers  # noqa: F401
        from cases.workflow import overdue  # noqa: F401  (registers the periodic check)
        from cases.workflow import projections as workflow_projections  # noqa: F401

        # After every app's migrate, so permissions of models added later are granted too.
        post_migrate.connect(sync_groups_after_migrate, dispatch_uid="casemgmt-sync-groups")
        # Once per migrate (sent for this app only): its unique indexes are in force on return.
        post_migrate.connect(wait_after_migrate, sender=self, dispatch_uid="casemgmt-indexes")
