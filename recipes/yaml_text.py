"""YAML that people share, read safely: no anchors or aliases, a capped size and depth, errors as `file:line: ...`.

Every YAML file curate reads goes through `read_yaml` and `parse_yaml`. Anchors and aliases are refused before
anything is built: nine levels of aliases in 554 bytes expand to gigabytes, and `&r [*r]` is a list inside itself.
"""

import re
import sys
from dataclasses import dataclass

import yaml

# A built-in recipe is under 2 KB; PyYAML's memory and time grow with the size of tiny nested items (as measured
# in docs/benchmarks.md)
MAX_YAML_BYTES = 256 << 10
MAX_YAML_DEPTH = 64  # lists and mappings inside each other; a recipe nests four deep


class YamlError(ValueError):
    """YAML that curate does not read; the message starts with `file:line:`."""


@dataclass(frozen=True)
class YamlDocument:
    data: object  # what yaml.safe_load would give
    lines: dict[tuple, int]  # key path (mapping keys as written, list indices) -> 1-based line


def located(source: str, lines: dict[tuple, int], path: tuple, message: str) -> str:
    """`file:line: a.b: message`, the line of the nearest enclosing key that has one."""
    line = next(lines[path[:end]] for end in range(len(path), -1, -1) if path[:end] in lines)
    # a key with a line break or another control character is shown quoted, so that the message stays one line
    dotted = ".".join(str(part) if str(part).isprintable() else repr(str(part)) for part in path)
    return f"{source}:{line}: {dotted}: {message}" if dotted else f"{source}:{line}: {message}"


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses anchors, aliases and deep nesting as it composes, before anything is built."""

    def __init__(self, text: str, source: str):
        super().__init__(text)
        self.source = source
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            written = f"*{event.anchor}" if isinstance(event, yaml.AliasEvent) else f"&{event.anchor}"
            raise self.refusal(event.start_mark, f"{written}: anchors and aliases are not read (a few lines of "
                                                 "them can expand to gigabytes); write the value out")
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        if self.depth == MAX_YAML_DEPTH:
            raise self.refusal(event.start_mark,
                               f"lists and mappings nested more than {MAX_YAML_DEPTH} deep are not read")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # YAML 1.1 reads 1:30 as 90, and PyYAML builds such a number in quadratic time: 1 MiB of it takes minutes
        if ":" in node.value:
            raise self.refusal(node.start_mark, "a base-60 number (YAML 1.1 reads 1:30 as 90) is not read: quote it "
                                                "if it is text, write it in base 10 if it is a number")
        try:
            value = super().construct_yaml_int(node)
            str(value)  # a hexadecimal int() takes may have more decimal digits than str() gives, e.g. in the card
        except ValueError:  # more decimal digits than sys.get_int_max_str_digits()
            raise self.refusal(node.start_mark, f"an integer of more than {sys.get_int_max_str_digits():,} digits "
                                                "is not read") from None
        return value

    def refusal(self, mark: yaml.Mark, message: str) -> YamlError:
        return YamlError(f"{self.source}:{mark.line + 1}: {message}")


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def read_yaml(path: str, what: str = "YAML file") -> str:
    """The text of a YAML file, at most MAX_YAML_BYTES of UTF-8; YamlError `path: cannot read the <what>: ...`
    when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise YamlError(f"{path}: cannot read the {what}: {exc.strerror}") from exc
    _check_size(len(raw), path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise YamlError(f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None


def parse_yaml(text: str, source: str) -> YamlDocument:
    """The data of one YAML document and the line of every key, in one pass; `source` names it in errors."""
    # len(text) first: a character is at least one byte, and a huge text is not worth encoding to be refused
    _check_size(len(text) if len(text) > MAX_YAML_BYTES else len(text.encode("utf-8")), source)
    loader = None
    try:
        loader = _Loader(text, source)
        root = loader.get_single_node()
        data = None if root is None else loader.construct_document(root)
    except yaml.YAMLError as exc:
        line = _error_line(exc, text)
        raise YamlError(f"{source}:{line}: not valid YAML: {_error_text(exc, line)}") from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[tuple, int] = {}
    if root is not None:
        _key_lines(root, (), lines, source)
    return YamlDocument(data, lines)


def _check_size(size: int, source: str) -> None:
    if size > MAX_YAML_BYTES:
        raise YamlError(f"{source}: more than {MAX_YAML_BYTES:,} bytes (256 KiB), the most a YAML file may have")


def _key_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int], source: str) -> None:
    """Record the line of every key path; a key given twice in one mapping is an error (YAML keeps the last)."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            if child in lines:
                raise YamlError(located(source, {child: key.start_mark.line + 1}, child,
                                        f"given twice (first on line {lines[child]}); YAML would keep only the last"))
            lines[child] = key.start_mark.line + 1
            _key_lines(value, child, lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _key_lines(item, (*path, index), lines, source)


def _error_line(exc: yaml.YAMLError, text: str) -> int:
    """The 1-based line where the problem starts.

    PyYAML's context_mark is where the construct it was reading starts: for a token left open (a quote, a key
    without its colon) or a construct the text ended inside (a bracket never closed), that is the line to
    fix, while the problem_mark is where reading gave up, often the end of the file. Otherwise the context is the
    whole block mapping or document around the problem, and the problem_mark names the offending line.
    """
    if isinstance(exc, yaml.reader.ReaderError):
        return text.count("\n", 0, exc.position) + 1
    context, problem = getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)
    if context is not None and (problem is None or isinstance(exc, yaml.scanner.ScannerError)
                                or problem.index >= len(text)):
        return context.line + 1
    line = problem.line + 1 if problem is not None else 1
    return _unclosed_quote(text, context.line + 1 if context is not None else 1, line) or line


# A value that opens with a quote: `key: "...` or `- "...`
_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+|[^\s#'"-][^:#]*:\s+)(["'])(.*)$""")


def _unclosed_quote(text: str, first: int, last: int) -> int | None:
    """The first line from `first` to before `last` whose value opens a quote it does not close: a quote left
    open runs on to the next one, and PyYAML gives up lines later, where the text no longer parses."""
    lines = text.splitlines()
    for number in range(first, min(last, len(lines) + 1)):
        match = _QUOTED_VALUE.match(lines[number - 1])
        if match is None:
            continue
        quote, rest = match.groups()
        closed = re.search(r'(?<!\\)"', rest) if quote == '"' else rest.count("'") % 2 == 1  # '' is an escape
        if not closed:
            return number
    return None


def _error_text(exc: yaml.YAMLError, line: int) -> str:
    """PyYAML's context and problem, each with its line when that is not `line`, the line the message names."""
    if isinstance(exc, yaml.reader.ReaderError):
        return f"unacceptable character #x{exc.character:04x}: {exc.reason}"
    parts = []
    for words, mark in ((getattr(exc, "context", None), getattr(exc, "context_mark", None)),
                        (getattr(exc, "problem", None), getattr(exc, "problem_mark", None))):
        if words:
            parts.append(words if mark is None or mark.line + 1 == line else f"{words} (line {mark.line + 1})")
    return ", ".join(parts) or str(exc)
