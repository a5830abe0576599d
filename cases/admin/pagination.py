"""A paginator for collections of millions of rows: it never counts past a cap.

Django's change list asks the paginator for `count` on every request; on MongoDB an unbounded
count reads the whole (filtered) collection. Here the count reads at most `cap + 1` keys along
the list's filter, unsorted (a count needs no order), so it stops after `cap + 1` matches: a
page costs the same with a thousand rows or fifty million.
Beyond the cap the page links stop and the list says "more than N": analysts narrow with filters.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

__all__ = ["CappedCountPaginator"]


class CappedCountPaginator(Paginator):
    cap = 2000

    @cached_property
    def _bounded_count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.cap)

    @property
    def is_capped(self) -> bool:
        """True when there are more rows than were counted."""
        return self._bounded_count > self.cap
