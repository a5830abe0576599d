"""Database engine: django-mongodb-backend, adapted to FerretDB v1 when that is the server.

The adaptation (the `ferretdb` package) switches on only when the server announces itself as
FerretDB in buildInfo; against real MongoDB this engine is django-mongodb-backend unchanged.
"""

from functools import cached_property
from typing import Any

from django_mongodb_backend.base import DatabaseWrapper as MongoDatabaseWrapper

from casemgmt_project.mongodb_engine.ferretdb.collection import FerretDBCollection
from casemgmt_project.mongodb_engine.ferretdb.rewrites import recover_rewrites


class DatabaseWrapper(MongoDatabaseWrapper):
    @cached_property
    def is_ferretdb(self) -> bool:
        build_info = self.database.client.admin.command("buildInfo")
        if "ferretdbVersion" not in build_info:
            return False
        recover_rewrites(self.database)  # once per connection: what a crash left half done
        return True

    def get_collection(self, name: str, **kwargs: Any) -> Any:
        collection = super().get_collection(name, **kwargs)
        if self.is_ferretdb:
            return FerretDBCollection(collection)
        return collection
