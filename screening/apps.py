from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    """Watchlists (FtM datasets and their versions) and matching parties against them."""

    name = "screening"
    verbose_name = "Screening"
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"
