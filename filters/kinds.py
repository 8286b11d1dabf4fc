"""A rule checked before any work (compile_rule parses and checks one): the columns and functions it names, and
the kinds of value it works with."""

from collections.abc import Mapping

from filters.nodes import Between, Binary, Call, Column, In, IsNull, Literal, Node, RuleError, Unary, walk
from filters.parser import parse
from filters.suggest import closest

# name -> (least, most) number of arguments; `most` None means any number
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "abs": (1, 1), "round": (1, 2), "floor": (1, 1), "ceil": (1, 1), "sqrt": (1, 1), "ln": (1, 1),
    "log10": (1, 1), "exp": (1, 1), "least": (2, None), "greatest": (2, None), "coalesce": (1, None),
    "length": (1, 1), "lower": (1, 1), "upper": (1, 1),
    "size": (1, 1), "array_min": (1, 1), "array_max": (1, 1), "array_sum": (1, 1), "array_mean": (1, 1),
}


def check(node: Node, columns) -> None:
    """Refuse unknown columns and functions outside the allow-list, by name."""
    for item in walk(node):
        if isinstance(item, Column) and item.name not in columns:
            raise RuleError(f"unknown column {item.name!r}{closest(item.name, columns)}")
        if isinstance(item, Call):
            if item.function not in FUNCTIONS:
                raise RuleError(f"function {item.function!r} is not allowed{closest(item.function, FUNCTIONS)}; "
                                f"allowed: {', '.join(sorted(FUNCTIONS))}")
            least, most = FUNCTIONS[item.function]
            if len(item.args) < least or (most is not None and len(item.args) > most):
                wanted = f"{least}" if least == most else f"{least} or more" if most is None else f"{least} to {most}"
                raise RuleError(f"{item.function}() takes {wanted} arguments, got {len(item.args)}")


# The kinds of value a rule works with: a column's comes from its type in the inputs (`kind_of_type`), "any" for
# a type rules have no use for (maps, structs, timestamps), which is not checked further.
NUMBER, STRING, BOOLEAN, NULL, ANY = "number", "string", "boolean", "null", "any"
_NUMERIC_FUNCTIONS = {"abs", "round", "floor", "ceil", "sqrt", "ln", "log10", "exp"}


def list_of(kind: str) -> str:
    return f"list of {kind}"


def _element(kind: str) -> str | None:
    return kind[len("list of "):] if kind.startswith("list of ") else None


def _agree(kinds: list[str], what: str) -> str:
    """The one kind of values that are compared or chosen between (null goes with any); RuleError if they differ."""
    known = {kind for kind in kinds if kind not in (NULL, ANY)}
    if len(known) > 1:
        raise RuleError(f"{what} mixes {' and '.join(sorted(known))} values")
    return known.pop() if known else (ANY if ANY in kinds else NULL)


def _expect(kind: str, wanted: str, what: str) -> None:
    if kind not in (wanted, NULL, ANY):
        raise RuleError(f"{what} needs {wanted} values, got {kind}")


def kind(node: Node, kinds: Mapping[str, str]) -> str:
    """The kind of value the expression gives for the columns' kinds; RuleError where it cannot work in Spark."""
    match node:
        case Literal(value=value):
            return (NULL if value is None else BOOLEAN if isinstance(value, bool)
                    else STRING if isinstance(value, str) else NUMBER)
        case Column(name=name):
            if kinds[name] == ANY:
                raise RuleError(f"{name!r} holds values rules do not read (a date, map, struct or bytes); only "
                                f"`{name} IS NULL` and `IS NOT NULL` test it")
            return kinds[name]
        case IsNull(operand=Column()):
            return BOOLEAN
        case Unary(op="-", operand=operand):
            _expect(kind(operand, kinds), NUMBER, "unary minus")
            return NUMBER
        case Unary(op="not", operand=operand):
            _expect(kind(operand, kinds), BOOLEAN, "NOT")
            return BOOLEAN
        case Binary(op="and" | "or" as op, left=left, right=right):
            for side in (left, right):
                _expect(kind(side, kinds), BOOLEAN, op.upper())
            return BOOLEAN
        case Binary(op="like", left=left, right=right):
            for side in (left, right):
                _expect(kind(side, kinds), STRING, "LIKE")
            return BOOLEAN
        case Binary(op=op, left=left, right=right) if op in ("+", "-", "*", "/", "%"):
            _refuse_null(op, (left, right))
            for side in (left, right):
                _expect(kind(side, kinds), NUMBER, f"'{op}'")
            return NUMBER
        case Binary(op=op, left=left, right=right):
            _refuse_null(op, (left, right))
            _compared([kind(left, kinds), kind(right, kinds)], f"'{op}'")
            return BOOLEAN
        case Between(operand=operand, low=low, high=high):
            _refuse_null("BETWEEN", (operand, low, high))
            _compared([kind(item, kinds) for item in (operand, low, high)], "BETWEEN")
            return BOOLEAN
        case In(operand=operand, options=options, negated=negated):
            # `x NOT IN (a, NULL)` is never true, while `x IN (a, NULL)` is `x IN (a)`
            _refuse_null("NOT IN" if negated else "IN", (operand, *options) if negated else (operand,))
            _compared([kind(item, kinds) for item in (operand, *options)], "IN")
            return BOOLEAN
        case IsNull(operand=operand):
            kind(operand, kinds)
            return BOOLEAN
        case Call(function=function, args=args):
            return _call_kind(function, [kind(arg, kinds) for arg in args])
    raise TypeError(f"not a rule node: {node!r}")


def _refuse_null(what: str, operands: tuple) -> None:
    """A NULL literal makes a comparison, BETWEEN, NOT IN or arithmetic null whatever the document: a rule that
    removes everything (SQL), most likely meant as `IS NULL`."""
    if Literal(None) in operands:
        raise RuleError(f"'{what}' with NULL is never true (SQL): test nulls with `IS NULL` or `IS NOT NULL`")


def _compared(kinds: list[str], what: str) -> str:
    """The one kind of values that are ordered or compared: not lists; RuleError otherwise."""
    if any(_element(kind) for kind in kinds):
        raise RuleError(f"{what} cannot compare lists: use size(), array_min(), array_max(), array_sum() or "
                        "array_mean() on a list column")
    return _agree(kinds, what)


def _call_kind(function: str, args: list[str]) -> str:
    what = f"{function}()"
    if function in _NUMERIC_FUNCTIONS:
        for arg in args:
            _expect(arg, NUMBER, what)
        return NUMBER
    if function in ("least", "greatest", "coalesce"):
        return _agree(args, what) if function == "coalesce" else _compared(args, what)
    (arg,) = args
    if function == "length":
        if _element(arg):
            raise RuleError("length() measures a string; size() counts the items of a list")
        _expect(arg, STRING, what)
        return NUMBER
    if function in ("lower", "upper"):
        _expect(arg, STRING, what)
        return STRING
    element = _element(arg)
    if arg not in (NULL, ANY) and element is None:
        raise RuleError(f"{what} needs a list column, got {arg}")
    if function == "size":
        return NUMBER
    if function in ("array_sum", "array_mean"):
        _expect(element or NUMBER, NUMBER, what)
        return NUMBER
    return element or ANY  # array_min, array_max


def compile_rule(rule: str, columns) -> Node:
    """Parse and check one rule against the columns the inputs have: their names, or a mapping of their names to
    their kinds (`kind_of_type`), which also checks that the rule is a true/false test its values can make."""
    if not isinstance(rule, str) or not rule.strip():
        raise RuleError("a rule must be a non-empty expression")
    node = parse(rule)
    check(node, columns)
    if isinstance(columns, Mapping):
        found = kind(node, columns)
        if found not in (BOOLEAN, NULL, ANY):
            raise RuleError(f"a rule must be a true/false test (a comparison, BETWEEN, IN, IS NULL, LIKE, ...), "
                            f"this one gives a {found} value")
    return node
