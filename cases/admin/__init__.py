"""The analysts' back office (SPEC §8): one module per page group, registered on import."""

from cases.admin import cases, rules, tokens

__all__ = ["cases", "rules", "tokens"]
