"""A small in-process evaluator for the MongoDB query and aggregation language.

FerretDB v1 (the local and CI server) lacks several stages and operators that
django-mongodb-backend emits: `$lookup` (joins), `$facet` (counts), `$cond`, `$literal`,
`$getField`. On FerretDB only, the engine runs the part of a pipeline the server understands and
finishes the rest here. It covers the subset the backend generates for this project and Django's
contrib apps; anything else raises NotImplementedError naming the construct, rather than guessing.
Real MongoDB never goes through this package.

Modules, one layer each: `values` (paths, types, ordering), `expressions` (operators),
`queries` (`$match`), `stages` (the pipeline).
"""

from casemgmt_project.mongodb_engine.evaluator.stages import run_pipeline

__all__ = ["run_pipeline"]
