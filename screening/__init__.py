"""Watchlist screening: FtM lists loaded as versions, and parties matched against them.

A bounded context of its own: it knows lists, names and scores, and nothing about cases.
Callers use `screening.services`, `screening.parties` and `screening.signals` only.
"""
