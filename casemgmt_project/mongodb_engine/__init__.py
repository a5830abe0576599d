"""django-mongodb-backend with one adaptation for FerretDB v1 (see docs/ferretdb.md)."""
