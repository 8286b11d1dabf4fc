"""Licences that followed one another on a site: which one a contribution of a given instant carries.

Sites that relicensed (Stack Exchange from CC BY-SA 2.5 to 3.0 to 4.0) keep each contribution under the licence of
its date; a reader names the schedule once and asks it per record."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Schedule:
    """`first` before the first switch, then each switch's licence from its instant on (an instant belongs to the
    licence that starts at it); licences are SPDX ids, switches in time order."""

    first: str
    switches: tuple[tuple[datetime, str], ...] = ()

    def __post_init__(self):
        instants = [instant for instant, _ in self.switches]
        if instants != sorted(instants) or any(instant.tzinfo is None for instant in instants):
            raise ValueError(f"switches must be aware instants in time order: {self.switches}")

    @property
    def licences(self) -> tuple[str, ...]:
        """Every licence of the schedule, the oldest first."""
        return (self.first, *(licence for _, licence in self.switches))

    def at(self, when: datetime) -> str:
        """The licence of a contribution made at `when` (a naive datetime is read as UTC)."""
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        current = self.first
        for instant, licence in self.switches:
            if when < instant:
                break
            current = licence
        return current

    def newest(self, licences: Iterable[str]) -> str:
        """The latest in the schedule of `licences`, which must all be the schedule's."""
        order = self.licences
        found = list(licences)
        strangers = sorted(set(found) - set(order))
        if strangers or not found:
            raise ValueError(f"not licences of this schedule ({', '.join(order)}): {strangers or 'none given'}")
        return max(found, key=order.index)
