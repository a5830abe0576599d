"""Signals other apps listen to; screening itself never needs to know who they are."""

from django.dispatch import Signal

# Sent with dataset=<name>, version=<label> once a NEW version is current (never for a file
# that was already loaded): the case side re-screens its parties against that version's delta.
watchlist_version_loaded = Signal()
