"""Recipe rules as Spark Columns: the checked tree of filters/nodes.py, built with pyspark functions."""

from collections.abc import Callable

from pyspark.sql import Column as SparkColumn
from pyspark.sql import functions as F

from filters.like import like_regex
from filters.nodes import Between, Binary, Call, Column, In, IsNull, Literal, Node, Unary

_ARITHMETIC = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__"}
_COMPARE = {"=": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__", ">=": "__ge__"}
_SIMPLE = {"abs": F.abs, "floor": F.floor, "ceil": F.ceil, "sqrt": F.sqrt, "ln": F.ln, "log10": F.log10,
           "exp": F.exp, "lower": F.lower, "upper": F.upper, "size": F.size, "array_min": F.array_min,
           "array_max": F.array_max}


def to_column(node: Node, resolve: Callable[[str], SparkColumn] | None = None) -> SparkColumn:
    """The Spark Column computing `node` with SQL null semantics, as filters.evaluate.evaluate does.

    `resolve` maps a column name to its Column (default: the DataFrame column; line rules map names to the
    fields of one line's struct)."""
    return _build(node, resolve or _dataframe_column)


def _dataframe_column(name: str) -> SparkColumn:
    return F.col(f"`{name}`")


def _build(node: Node, resolve: Callable[[str], SparkColumn]) -> SparkColumn:
    match node:
        case Literal(value=value) if isinstance(value, int) and not isinstance(value, bool):
            return F.lit(value) if -(2**63) <= value < 2**63 else F.lit(float(value))  # beyond a long
        case Literal(value=value):
            return F.lit(value)
        case Column(name=name):
            return resolve(name)
        case Unary(op="-", operand=operand):
            return -_double(_build(operand, resolve))
        case Unary(op="not", operand=operand):
            return ~_build(operand, resolve)
        case Binary(op="and", left=left, right=right):
            return _build(left, resolve) & _build(right, resolve)
        case Binary(op="or", left=left, right=right):
            return _build(left, resolve) | _build(right, resolve)
        case Binary(op="%", left=left, right=right):
            return F.try_mod(_build(left, resolve), _build(right, resolve))
        case Binary(op="/", left=left, right=right):
            return F.try_divide(_build(left, resolve), _build(right, resolve))
        case Binary(op="like", left=left, right=right):
            # not Spark's LIKE, which backtracks without bound on a long text (like_regex says why and how)
            return _build(left, resolve).rlike(like_regex(_literal_text(right)))
        case Binary(op=op, left=left, right=right) if op in _ARITHMETIC:
            return getattr(_double(_build(left, resolve)), _ARITHMETIC[op])(_double(_build(right, resolve)))
        case Binary(op=op, left=left, right=right):
            return getattr(_build(left, resolve), _COMPARE[op])(_build(right, resolve))
        case Between(operand=operand, low=low, high=high, negated=negated):
            value = _build(operand, resolve)
            inside = (value >= _build(low, resolve)) & (value <= _build(high, resolve))
            return ~inside if negated else inside
        case In(operand=operand, options=options, negated=negated):
            found = _build(operand, resolve).isin(*[_build(option, resolve) for option in options])
            return ~found if negated else found
        case IsNull(operand=operand, negated=negated):
            return _build(operand, resolve).isNotNull() if negated else _build(operand, resolve).isNull()
        case Call(function=function, args=args):
            return _call(function, [_build(arg, resolve) for arg in args])
    raise TypeError(f"not a rule node: {node!r}")


def _double(column: SparkColumn) -> SparkColumn:
    """Arithmetic in doubles: a long would overflow (an error under Spark's ANSI mode) where a rule means a large
    number; below 2**53 the results are the exact ones."""
    return column.cast("double")


def _literal_text(node: Node) -> str:
    if not (isinstance(node, Literal) and isinstance(node.value, str)):
        raise TypeError("LIKE takes a quoted pattern")
    return node.value


def _call(function: str, args: list[SparkColumn]) -> SparkColumn:
    if function in _SIMPLE:
        return _SIMPLE[function](*args)
    match function:
        case "round":
            return F.round(args[0], 0) if len(args) == 1 else F.round(args[0], args[1])
        case "least":
            return F.least(*args)
        case "greatest":
            return F.greatest(*args)
        case "coalesce":
            return F.coalesce(*args)
        case "length":
            return F.length(args[0])
        case "array_sum":
            return F.aggregate(args[0], F.lit(0).cast("double"), lambda total, x: total + F.coalesce(x, F.lit(0)))
        case "array_mean":
            present = F.filter(args[0], lambda x: x.isNotNull())
            total = F.aggregate(present, F.lit(0).cast("double"), lambda acc, x: acc + x)
            return F.when(F.size(present) > 0, total / F.size(present))
    raise TypeError(function)
