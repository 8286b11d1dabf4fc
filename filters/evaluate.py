"""A rule's value for one row of values, with SQL semantics as Spark computes it."""

import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from filters.like import like_regex
from filters.nodes import Between, Binary, Call, Column, In, IsNull, Literal, Node, Unary


def evaluate(node: Node, row: Mapping):
    """The rule's value for one row with SQL semantics: None is NULL (unknown) and propagates."""
    match node:
        case Literal(value=value):
            return value
        case Column(name=name):
            return row[name]
        case Unary(op="-", operand=operand):
            value = evaluate(operand, row)
            return None if value is None else -value
        case Unary(op="not", operand=operand):
            value = evaluate(operand, row)
            return None if value is None else not value
        case Binary(op="and", left=left, right=right):
            return _and(evaluate(left, row), evaluate(right, row))
        case Binary(op="or", left=left, right=right):
            return _or(evaluate(left, row), evaluate(right, row))
        case Binary(op=op, left=left, right=right):
            return _binary(op, evaluate(left, row), evaluate(right, row))
        case Between(operand=operand, low=low, high=high, negated=negated):
            value = evaluate(operand, row)
            inside = _and(_binary(">=", value, evaluate(low, row)), _binary("<=", value, evaluate(high, row)))
            return _not(inside) if negated else inside
        case In(operand=operand, options=options, negated=negated):
            found = _in(evaluate(operand, row), [evaluate(option, row) for option in options])
            return _not(found) if negated else found
        case IsNull(operand=operand, negated=negated):
            return (evaluate(operand, row) is None) != negated
        case Call(function=function, args=args):
            return _call(function, [evaluate(arg, row) for arg in args])
    raise TypeError(f"not a rule node: {node!r}")


def _not(value):
    return None if value is None else not value


def _and(left, right):
    if left is False or right is False:
        return False
    return None if left is None or right is None else True


def _or(left, right):
    if left is True or right is True:
        return True
    return None if left is None or right is None else False


def _in(value, options):
    if value is None:
        return None
    if any(option == value for option in options if option is not None):
        return True
    return None if any(option is None for option in options) else False


def _binary(op: str, left, right):
    if left is None or right is None:
        return None
    match op:
        case "+":
            return left + right
        case "-":
            return left - right
        case "*":
            return left * right
        case "/":
            return None if right == 0 else left / right  # Spark's `/` gives NULL on a zero divisor
        case "%":
            return None if right == 0 else _remainder(left, right)
        case "=":
            return left == right
        case "!=":
            return left != right
        case "<":
            return left < right
        case "<=":
            return left <= right
        case ">":
            return left > right
        case ">=":
            return left >= right
        case "like":
            return re.match(like_regex(right), left) is not None
    raise TypeError(op)


def _remainder(left, right):
    """SQL's remainder takes the dividend's sign, unlike Python's %."""
    result = abs(left) % abs(right)
    return -result if left < 0 else result


def _call(function: str, args: list):
    if function == "coalesce":
        return next((arg for arg in args if arg is not None), None)
    if function in ("least", "greatest"):  # like Spark: nulls are skipped, all-null gives null
        values = [arg for arg in args if arg is not None]
        return (min if function == "least" else max)(values) if values else None
    (value, *rest) = args
    if value is None:
        return None
    match function:
        case "abs":
            return abs(value)
        case "round":
            return _round_half_up(value, rest[0] if rest else 0)
        case "floor":
            return math.floor(value)
        case "ceil":
            return math.ceil(value)
        case "sqrt":
            return math.sqrt(value) if value >= 0 else math.nan
        case "ln":
            return math.log(value) if value > 0 else None
        case "log10":
            return math.log10(value) if value > 0 else None
        case "exp":
            return math.exp(value)
        case "length" | "size":
            return len(value)
        case "lower":
            return value.lower()
        case "upper":
            return value.upper()
    items = [item for item in value if item is not None]
    match function:
        case "array_min":
            return min(items) if items else None
        case "array_max":
            return max(items) if items else None
        case "array_sum":
            return sum(items) if value else 0
        case "array_mean":
            return sum(items) / len(items) if items else None
    raise TypeError(function)


def _round_half_up(value, digits: int):
    """Spark's round() rounds halves away from zero (Python's rounds them to even)."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(rounded) if isinstance(value, float) else int(rounded)
