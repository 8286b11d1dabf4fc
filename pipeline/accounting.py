"""Every record a job reads ends as kept, dropped (with a reason) or an error (of a kind); the books balance."""

from collections import Counter
from dataclasses import dataclass, field

MAX_EXAMPLES = 5


class UnbalancedBooks(AssertionError):
    """read != kept + dropped + errors: a record was lost or counted twice."""


@dataclass
class Stats:
    read: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def keep(self, n: int = 1) -> None:
        self.read += n
        self.kept += n

    def drop(self, reason: str, n: int = 1) -> None:
        self.read += n
        self.dropped[reason] += n

    def error(self, kind: str, example: str | None = None) -> None:
        self.read += 1
        self.errors[kind] += 1
        if example is not None:
            shown = self.examples.setdefault(kind, [])
            if len(shown) < MAX_EXAMPLES:
                shown.append(example)

    def merge(self, other: "Stats") -> None:
        self.read += other.read
        self.kept += other.kept
        self.dropped.update(other.dropped)
        self.errors.update(other.errors)
        for kind, shown in other.examples.items():
            mine = self.examples.setdefault(kind, [])
            mine.extend(shown[: MAX_EXAMPLES - len(mine)])

    @property
    def balanced(self) -> bool:
        return self.read == self.kept + sum(self.dropped.values()) + sum(self.errors.values())

    def check(self, where: str) -> None:
        if not self.balanced:
            raise UnbalancedBooks(
                f"{where}: read {self.read} != kept {self.kept} + dropped {sum(self.dropped.values())}"
                f" + errors {sum(self.errors.values())}"
            )

    def to_dict(self) -> dict:
        return {
            "read": self.read,
            "kept": self.kept,
            "dropped": dict(sorted(self.dropped.items())),
            "errors": dict(sorted(self.errors.items())),
            "error_examples": {k: v for k, v in sorted(self.examples.items())},
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Stats":
        return cls(
            read=data["read"],
            kept=data["kept"],
            dropped=Counter(data.get("dropped", {})),
            errors=Counter(data.get("errors", {})),
            examples={k: list(v) for k, v in data.get("error_examples", {}).items()},
        )

    def table(self, by_count: bool = True) -> str:
        """The stats as a text table: read, kept, each drop reason (the most first, or in the order `dropped`
        lists them) and error kind, with shares."""
        rows = [("read", self.read), ("kept", self.kept)]
        reasons = sorted(self.dropped.items(), key=lambda kv: -kv[1]) if by_count else self.dropped.items()
        rows += [(f"dropped: {k}", v) for k, v in reasons]
        rows += [(f"error: {k}", v) for k, v in sorted(self.errors.items(), key=lambda kv: -kv[1])]
        width = max(len(name) for name, _ in [*rows, ("outcome", 0)])
        lines = [f"{'outcome':<{width}}  {'records':>10}  {'share':>7}", "-" * (width + 21)]
        for name, value in rows:
            share = f"{100 * value / self.read:6.2f}%" if self.read else "      -"
            lines.append(f"{name:<{width}}  {value:>10,}  {share:>7}")
        for kind, shown in sorted(self.examples.items()):
            lines.append(f"first {kind} examples:")
            lines.extend(f"  {example}" for example in shown)
        return "\n".join(lines)
