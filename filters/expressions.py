"""Rule expressions of recipes: a small SQL-like language, parsed into a tree and checked before any work.

Only what is parsed here can run: comparisons, BETWEEN, IN, IS [NOT] NULL, LIKE, AND/OR/NOT, arithmetic and the
functions of FUNCTIONS. A rule never reaches Spark's SQL parser, so nothing outside the language (subqueries,
`reflect`, `java_method`, UDFs) can be smuggled in."""

import difflib
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# name -> (least, most) number of arguments; `most` None means any number
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "abs": (1, 1), "round": (1, 2), "floor": (1, 1), "ceil": (1, 1), "sqrt": (1, 1), "ln": (1, 1),
    "log10": (1, 1), "exp": (1, 1), "least": (2, None), "greatest": (2, None), "coalesce": (1, None),
    "length": (1, 1), "lower": (1, 1), "upper": (1, 1),
    "size": (1, 1), "array_min": (1, 1), "array_max": (1, 1), "array_sum": (1, 1), "array_mean": (1, 1),
}
KEYWORDS = {"and", "or", "not", "between", "in", "is", "null", "true", "false", "like"}
COMPARISONS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# How deep a rule may nest (parentheses, NOT, minus signs, function calls, operators; a chain of ANDs or ORs counts
# as log2 of its length): parsing, checking and Spark's planner recurse once or more per level, and Spark's
# overflowed its stack at 300 levels.
MAX_DEPTH = 50


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

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>`[^`]+`)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><=|>=|<>|!=|==|[-+*/%(),<>=])
""", re.VERBOSE)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, keyword, op, end
    text: str
    position: int


def _tokens(rule: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(rule):
        match = _TOKEN.match(rule, position)
        if match is None:
            raise RuleError(f"unexpected character {rule[position]!r} at position {position + 1}")
        kind, text = match.lastgroup, match.group()
        if kind == "name" and text.lower() in KEYWORDS:
            kind, text = "keyword", text.lower()
        elif kind == "quoted":
            kind, text = "name", text[1:-1]
        if kind != "space":
            tokens.append(_Token(kind, text, position))
        position = match.end()
    tokens.append(_Token("end", "", len(rule)))
    return tokens


class _Parser:
    """Recursive descent, loosest binding first: OR, AND, NOT, predicates, + -, * / %, unary minus. Chains of
    terms are loops; only nesting recurses, and it is refused past MAX_DEPTH levels."""

    def __init__(self, rule: str):
        self.tokens = _tokens(rule)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> bool:
        if self.token.kind == kind and (text is None or self.token.text == text):
            self.index += 1
            return True
        return False

    def expect(self, kind: str, text: str) -> None:
        if not self.accept(kind, text):
            raise self.error(f"expected {text.upper() if kind == 'keyword' else repr(text)}")

    def error(self, message: str) -> RuleError:
        found = self.token.text or "the end of the rule"
        return RuleError(f"{message} at position {self.token.position + 1} (found {found!r})")

    def nested(self, inner: Callable[[], Node]) -> Node:
        """`inner()` one level deeper than the token just taken opened, refused past MAX_DEPTH (before Python's
        recursion limit is reached)."""
        if self.depth == MAX_DEPTH:
            raise RuleError(_too_deep(f" at position {self.tokens[self.index - 1].position + 1}"))
        self.depth += 1
        node = inner()
        self.depth -= 1
        return node

    def parse(self) -> Node:
        node = self.disjunction()
        if self.token.kind != "end":
            raise self.error("unexpected text")
        return node

    def disjunction(self) -> Node:
        terms = [self.conjunction()]
        while self.accept("keyword", "or"):
            terms.append(self.conjunction())
        return _balanced("or", terms)

    def conjunction(self) -> Node:
        terms = [self.negation()]
        while self.accept("keyword", "and"):
            terms.append(self.negation())
        return _balanced("and", terms)

    def negation(self) -> Node:
        if self.accept("keyword", "not"):
            return Unary("not", self.nested(self.negation))
        return self.predicate()

    def predicate(self) -> Node:
        left = self.sum()
        if self.token.kind == "op" and self.token.text in COMPARISONS:
            return Binary(COMPARISONS[self.take().text], left, self.sum())
        if self.accept("keyword", "is"):
            negated = self.accept("keyword", "not")
            self.expect("keyword", "null")
            return IsNull(left, negated)
        negated = self.accept("keyword", "not")
        if self.accept("keyword", "between"):
            low = self.sum()
            self.expect("keyword", "and")
            return Between(left, low, self.sum(), negated)
        if self.accept("keyword", "in"):
            self.expect("op", "(")
            options = [self.sum()]
            while self.accept("op", ","):
                options.append(self.sum())
            self.expect("op", ")")
            return In(left, tuple(options), negated)
        if self.accept("keyword", "like"):
            node = Binary("like", left, self.like_pattern())
            return Unary("not", node) if negated else node
        if negated:
            raise self.error("expected BETWEEN, IN or LIKE after NOT")
        return left

    def like_pattern(self) -> Literal:
        if self.token.kind != "string":
            raise self.error("LIKE takes a quoted pattern")
        pattern = self.primary()
        try:
            _like_pieces(pattern.value)
        except RuleError as exc:
            raise RuleError(f"{exc} at position {self.tokens[self.index - 1].position + 1}") from None
        return pattern

    def sum(self) -> Node:
        node = self.product()
        while self.token.kind == "op" and self.token.text in "+-":
            node = Binary(self.take().text, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.token.kind == "op" and self.token.text in "*/%":
            node = Binary(self.take().text, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.accept("op", "-"):
            return Unary("-", self.nested(self.unary))
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if self.accept("number"):
            is_float = any(c in token.text for c in ".eE")
            return Literal(float(token.text) if is_float else int(token.text))
        if self.accept("string"):
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self.take()
            return Literal({"true": True, "false": False, "null": None}[token.text])
        if self.accept("op", "("):
            if self.token.kind == "name" and self.token.text.lower() == "select":
                raise self.error("subqueries are not allowed")
            node = self.nested(self.disjunction)
            self.expect("op", ")")
            return node
        if self.accept("name"):
            if self.accept("op", "("):
                return Call(token.text.lower(), self.nested(self.arguments))
            if token.text.lower() == "select":
                raise RuleError("subqueries are not allowed: a rule is an expression over one document's columns")
            return Column(token.text)
        raise self.error("expected a value, a column or a function")

    def arguments(self) -> tuple:
        if self.accept("op", ")"):
            return ()
        args = [self.disjunction()]
        while self.accept("op", ","):
            args.append(self.disjunction())
        self.expect("op", ")")
        return tuple(args)


def _balanced(op: str, terms: list) -> Node:
    """`a op b op c ...` as a tree of depth log2 of the terms, in their order: AND and OR are associative (with
    SQL's NULL too), and a chain of 300 ORs as a left-deep tree overflowed Spark's stack."""
    while len(terms) > 1:
        terms = [Binary(op, *terms[i:i + 2]) if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0]


def _too_deep(where: str = "") -> str:
    return (f"the rule nests more than {MAX_DEPTH} levels deep{where} (parentheses, NOT, minus signs, function calls, "
            "operators); split it into several rules, which must all be true")


def depth(node: Node) -> int:
    """The levels of the tree, counted without recursion (a chain of arithmetic can be as long as the rule)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(item))
    return deepest


def parse(rule: str) -> Node:
    """The tree of one rule; RuleError says where it stops making sense, or that it nests too deep."""
    node = _Parser(rule).parse()
    if depth(node) > MAX_DEPTH:
        raise RuleError(_too_deep())
    return node


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


def closest(name: str, known, cutoff: float = 0.6) -> str:
    """' (did you mean X?)' for a known name that differs only in case, else the nearest by difflib, or ''."""
    known = list(known)
    match = [item for item in known if item.lower() == name.lower()] or difflib.get_close_matches(
        name, known, n=1, cutoff=cutoff)
    return f" (did you mean {match[0]!r}?)" if match else ""


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


def like_regex(pattern: str) -> str:
    """A LIKE pattern as a regular expression that Python's `re` and Java's (Spark's `rlike`) read alike, matched
    in time linear in the text (times the pattern's length).

    The pieces between `%` are found greedily left to right, each from the end of the one before: the leftmost
    match of each piece leaves the most text to the pieces after it, so this decides LIKE exactly. Each search is
    an atomic group, which is never re-entered: a plain `.*a.*b.*c` (Spark's own LIKE) backtracks through every
    combination of positions (7.8 s on a 120,000-character page for `%lorem%ipsum%dolor%`, issue 15). The first
    piece is anchored at the start (`\\A`), the last at the end (`(?!.)`: `$` and `\\Z` differ between the two)."""
    first, *rest = _like_pieces(pattern)
    if not rest:
        return rf"(?s)\A{first}(?!.)"
    *middle, last = rest
    found = "".join(f"(?>.*?{piece})" for piece in middle if piece)
    return rf"(?s)\A{first}{found}" + (f".*{last}(?!.)" if last else "")


def _like_pieces(pattern: str) -> list[str]:
    """The regular expressions of the pattern's pieces between `%`: `_` any one character, a backslash before `%`,
    `_` or a backslash that character itself (as in Spark SQL); RuleError for a backslash before anything else."""
    pieces, piece, chars = [], "", iter(pattern)
    for char in chars:
        if char == "%":
            pieces.append(piece)
            piece = ""
        elif char == "_":
            piece += "."
        elif char == "\\":
            escaped = next(chars, "")
            if escaped not in ("%", "_", "\\"):
                raise RuleError(f"LIKE pattern {pattern!r}: a backslash escapes only %, _ or a backslash "
                                "(write \\\\ for a backslash itself)")
            piece += _literal(escaped)
        else:
            piece += _literal(char)
    return [*pieces, piece]


def _literal(char: str) -> str:
    """One character as a regular expression: ASCII punctuation escaped (literal so in Python and Java alike),
    anything else as itself."""
    return "\\" + char if char in string.punctuation else char


def _call(function: str, args: list):
    import math

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
    from decimal import ROUND_HALF_UP, Decimal

    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(rounded) if isinstance(value, float) else int(rounded)
