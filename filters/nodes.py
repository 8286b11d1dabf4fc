"""The tree of a rule: immutable nodes, the error every step of the language raises, and walks over the tree."""

from dataclasses import dataclass


class RuleError(ValueError):
    """A rule that cannot run: the message names the rule and what is wrong, with a suggestion when there is one."""


# The tree. Every node is immutable; `Column` holds a name as the inputs spell it.
@dataclass(frozen=True)
class Literal:
    value: float | int | str | bool | None


@dataclass(frozen=True)
class Column:
    name: str


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "not"
    operand: object


@dataclass(frozen=True)
class Binary:
    op: str  # arithmetic, comparison, "and", "or", "like"
    left: object
    right: object


@dataclass(frozen=True)
class Between:
    operand: object
    low: object
    high: object
    negated: bool


@dataclass(frozen=True)
class In:
    operand: object
    options: tuple
    negated: bool


@dataclass(frozen=True)
class IsNull:
    operand: object
    negated: bool


Node = Literal | Column | Call | Unary | Binary | Between | In | IsNull


def depth(node: Node) -> int:
    """The levels of the tree, counted without recursion (a chain of arithmetic can be as long as the rule)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(item))
    return deepest


def children(node: Node) -> tuple:
    match node:
        case Call(args=args):
            return args
        case Unary(operand=operand) | IsNull(operand=operand):
            return (operand,)
        case Binary(left=left, right=right):
            return (left, right)
        case Between(operand=operand, low=low, high=high):
            return (operand, low, high)
        case In(operand=operand, options=options):
            return (operand, *options)
    return ()


def walk(node: Node):
    yield node
    for child in children(node):
        yield from walk(child)


def columns_of(node: Node) -> set[str]:
    return {n.name for n in walk(node) if isinstance(n, Column)}
