from django.apps import AppConfig


class CasesConfig(AppConfig):
    """The KYC/KYB case domain: read models, commands, events and projections."""

    name = "cases"
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"

    def ready(self) -> None:
        from cases import notifications  # noqa: F401  (connects the signal receivers)
        from cases.client_updates import projections  # noqa: F401  (registers them)
