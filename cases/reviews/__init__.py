"""Periodic review (SPEC §3d): the next review date on approval, and review cases that open
themselves when it is due."""
