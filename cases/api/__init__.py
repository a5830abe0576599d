"""The REST API of the domain (SPEC §7): one router per resource, auth, errors, pagination.

The NinjaAPI that mounts these routers is built in `casemgmt_project.api`, next to the
raw-events router of the Kafka edge.
"""
