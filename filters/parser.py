"""Rule expressions of recipes: a small SQL-like language, parsed into a tree (filters/nodes.py).

Only what is parsed here can run: comparisons, BETWEEN, IN, IS [NOT] NULL, LIKE, AND/OR/NOT, arithmetic and the
functions of filters.kinds.FUNCTIONS. A rule never reaches Spark's SQL parser, so nothing outside the language
(subqueries, `reflect`, `java_method`, UDFs) can be smuggled in."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from filters.like import like_pieces
from filters.nodes import Between, Binary, Call, Column, In, IsNull, Literal, Node, RuleError, Unary, depth

KEYWORDS = {"and", "or", "not", "between", "in", "is", "null", "true", "false", "like"}
COMPARISONS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# How deep a rule may nest (parentheses, NOT, minus signs, function calls, operators; a chain of ANDs or ORs counts
# as log2 of its length): parsing, checking and Spark's planner recurse once or more per level, and Spark's
# overflowed its stack at 300 levels.
MAX_DEPTH = 50

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
            like_pieces(pattern.value)
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


def parse(rule: str) -> Node:
    """The tree of one rule; RuleError says where it stops making sense, or that it nests too deep."""
    node = _Parser(rule).parse()
    if depth(node) > MAX_DEPTH:
        raise RuleError(_too_deep())
    return node
