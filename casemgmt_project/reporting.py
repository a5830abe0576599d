"""Django's error reports (the DEBUG page, error e-mails) without connection credentials.

The stock filter hides settings named like API, KEY, SECRET, PASS or TOKEN; MONGODB_URI and
DATABASES' HOST hold `mongodb://user:password@…`, which it would print in full.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

__all__ = ["CredentialsHidingFilter"]


class CredentialsHidingFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URI|URL|HOST", flags=re.I
    )
