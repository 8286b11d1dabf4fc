"""Reading a recipe file: YAML into a checked Recipe, with every error naming the file, the line and the key."""

from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from filters.suggest import closest
from recipes.schema import Recipe
from recipes.yaml_text import YamlError, located, parse_yaml, read_yaml


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
    return RecipeError(located(source, lines, path, message))


def parse_recipe(text: str, source: str) -> LoadedRecipe:
    """A recipe from its YAML text; `source` names it in errors."""
    recipe, lines = validated(text, source, Recipe, RecipeError,
                              "a recipe is a YAML mapping (name:, inputs:, filters:, output:, ...)")
    return LoadedRecipe(recipe, source, text, lines)


def validated(text: str, source: str, model: type[BaseModel], error: type[ValueError],
              mapping: str) -> tuple[BaseModel, dict[tuple, int]]:
    """`model` read from YAML text, and the line of every key; `error` saying `file:line: key: message` for a
    mistake (`mapping`: what to say of a file that is no mapping). Recipes and source files are read so."""
    try:
        document = parse_yaml(text, source)
    except YamlError as exc:
        raise error(str(exc)) from None
    if not isinstance(document.data, dict):
        raise error(f"{source}:1: {mapping}")
    try:
        return model.model_validate(document.data), document.lines
    except ValidationError as exc:
        raise error(located(source, document.lines, *first_problem(exc, document.lines, model))) from None


def load_recipe(path: str) -> LoadedRecipe:
    return parse_recipe(yaml_text(path, "recipe", RecipeError), path)


def yaml_text(path: str, what: str, error: type[ValueError]) -> str:
    """The text of a YAML file (a `what`), a file that cannot be read, too big or not UTF-8 refused as `error`."""
    try:
        return read_yaml(path, what)
    except YamlError as exc:
        raise error(str(exc)) from None


# YAML 1.1 (PyYAML) reads these plain words as booleans, a trap for language codes such as `no` (Norwegian)
YAML_BOOLEANS = {"yes", "no", "on", "off", "true", "false"}


def first_problem(exc: ValidationError, lines: dict[tuple, int], model: type[BaseModel]) -> tuple[tuple, str]:
    """The key path and the message of the first problem pydantic found validating `model` (a source file's too)."""
    problem = exc.errors()[0]
    path = tuple(problem["loc"])
    if problem["type"] == "string_type" and isinstance(problem["input"], bool):
        return _boolean_read(path, problem["input"], lines)
    if problem["type"] == "extra_forbidden":
        known = _fields_at(model, path[:-1])
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
                  and str(key[-1]).lower() in YAML_BOOLEANS and parse_yaml(key[-1], "").data is value), str(value))
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
