"""The collection proxy that lets django-mongodb-backend run on FerretDB v1 (see docs/ferretdb.md).

Only used when the server is FerretDB. The gaps bridged:
- unique indexes: created without the `$type` partial filter FerretDB refuses;
- aggregation: only expression-free stages (`$match`, `$sort`, `$limit`, ...) go to the server;
  the rest of the pipeline is finished in-process (`mongodb_engine.evaluator`);
- updates: the backend sends pipeline-style updates (`[{"$set": {...}}]`); they are rewritten to
  classic `$set`/`$inc` operators, or computed per document when no rewrite exists;
- cursors are read to the end and closed at once, and bulk writes are sent in small commands,
  because FerretDB's SQLite backend otherwise runs out of pooled connections and stalls;
- a delete matching more documents than SQLite takes variables (FerretDB binds one per id) is
  sent again in chunks of ids.

Modules: `collection` (the proxy), `capabilities` (what the server runs itself), `updates`
(update documents), `rewrites` (journalled rewrites by id and their recovery), `results`
(pymongo-shaped results).
"""
