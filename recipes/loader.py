"""Reading a recipe file: YAML into a checked Recipe, with every error naming the file, the line and the key."""

from dataclasses import dataclass

import yaml
from pydantic import BaseModel, ValidationError

from filters.expressions import closest
from recipes.schema import Recipe


class RecipeError(ValueError):
    """A recipe that cannot run; the message starts with `file:line: key:`."""


@dataclass(frozen=True)
class LoadedRecipe:
    recipe: Recipe
    source: str  # the file it came from
    text: str  # the YAML as written, for the dataset card
    lines: dict[tuple, int]  # key path -> 1-based line

    def error(self, path: tuple, message: str) -> RecipeError:
        return located_error(self.source, self.lines, path, message)


def located_error(source: str, lines: dict[tuple, int], path: tuple, message: str) -> RecipeError:
    """`file:line: a.b: message`, the line of the nearest enclosing key that has one."""
    line = next(lines[path[:end]] for end in range(len(path), -1, -1) if path[:end] in lines)
    dotted = ".".join(str(part) for part in path)
    return RecipeError(f"{source}:{line}: {dotted}: {message}" if dotted else f"{source}:{line}: {message}")


def _key_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int], source: str) -> None:
    """Record the line of every key path; a key given twice in one mapping is an error (YAML keeps the last)."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            if child in lines:
                raise located_error(source, {child: key.start_mark.line + 1}, child,
                                    f"given twice (first on line {lines[child]}); rule and key names must be unique")
            lines[child] = key.start_mark.line + 1
            _key_lines(value, child, lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _key_lines(item, (*path, index), lines, source)


def parse_recipe(text: str, source: str) -> LoadedRecipe:
    """A recipe from its YAML text; `source` names it in errors."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}:" if mark else ""
        raise RecipeError(f"{source}:{line} not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise RecipeError(f"{source}:1: a recipe is a YAML mapping (name:, inputs:, filters:, output:, ...)")
    lines: dict[tuple, int] = {}
    _key_lines(root, (), lines, source)
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        raise located_error(source, lines, *_first_problem(exc, lines)) from None
    return LoadedRecipe(recipe, source, text, lines)


def load_recipe(path: str) -> LoadedRecipe:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise RecipeError(f"{path}: cannot read the recipe: {exc.strerror}") from exc
    return parse_recipe(text, path)


# YAML 1.1 (PyYAML) reads these plain words as booleans, a trap for language codes such as `no` (Norwegian)
YAML_BOOLEANS = {"yes", "no", "on", "off", "true", "false"}


def _first_problem(exc: ValidationError, lines: dict[tuple, int]) -> tuple[tuple, str]:
    problem = exc.errors()[0]
    path = tuple(problem["loc"])
    if problem["type"] == "string_type" and isinstance(problem["input"], bool):
        return _boolean_read(path, problem["input"], lines)
    if problem["type"] == "extra_forbidden":
        known = _fields_at(Recipe, path[:-1])
        return path, f"unknown key{closest(str(path[-1]), known)}; known keys: {', '.join(known)}"
    if problem["type"] == "missing":
        return path, "missing (required)"
    if problem["type"] == "recipe":  # recipes.schema.refusal: the key below the model that refused
        return (*path, *problem["ctx"]["at"]), problem["ctx"]["message"]
    if problem["type"] == "value_error":
        return path, str(problem["ctx"]["error"])
    return path, problem["msg"]


def _boolean_read(path: tuple, value: bool, lines: dict[tuple, int]) -> tuple[tuple, str]:
    """The refusal of a boolean where text belongs, at the key as written (pydantic numbers a mapping key)."""
    hint = "YAML reads no/yes/on/off/true/false as booleans: quote it"
    if path[-1] != "[key]":
        return path, f"should be text, not the boolean {str(value).lower()}; {hint}, e.g. 'no'"
    parent = path[:-2]
    spelt = next((key[-1] for key in lines if key[:-1] == parent and len(key) == len(parent) + 1
                  and str(key[-1]).lower() in YAML_BOOLEANS and yaml.safe_load(key[-1]) is value), str(value))
    return (*parent, spelt), f"the key {spelt} is read as the boolean {str(value).lower()}; {hint}, e.g. '{spelt}'"


def _fields_at(model: type[BaseModel], path: tuple) -> list[str]:
    """The field names of the model that a key path leads into (list indices skipped)."""
    for part in path:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        for candidate in candidates:
            inner = getattr(candidate, "__args__", (candidate,))[0] if hasattr(candidate, "__origin__") else candidate
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                model = inner
                break
    return list(model.model_fields)
