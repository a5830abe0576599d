"""The KYC/KYB case domain (one Django app, label "cases"): `core/` event-sourcing machinery,
one package per capability, read models, selectors, and the REST and admin edges."""
