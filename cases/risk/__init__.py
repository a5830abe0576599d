"""Client risk rating (SPEC §3d): the risk model, the pure rating, its events and overrides."""
