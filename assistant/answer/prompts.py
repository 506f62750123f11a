"""Prompt templates: files in ``assistant/prompts/`` (package data), read once, filled with checked variables.

A template is plain text with ``$name`` (or ``${name}``) placeholders (``string.Template``;
``$$`` is a literal dollar). Filling one fails loudly, naming the file, when the template
is missing, when a variable it needs is not given, or when a variable given is not in it.
Values are inserted as they are: article text is never parsed as a template.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from string import Template

# Package data, so that an installed wheel finds its prompts outside the checkout.
PROMPTS_DIR = Path(str(files("assistant") / "prompts"))


class PromptError(ValueError):
    """A missing template, or a missing or unknown variable; the message names the file."""


class Prompts:
    """The templates of one folder, each read the first time it is used."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else PROMPTS_DIR
        self._templates: dict[str, Template] = {}

    def template(self, name: str) -> Template:
        if name not in self._templates:
            path = self.folder / f"{name}.txt"
            if not path.is_file():
                raise PromptError(f"prompt template not found: {path}")
            template = Template(path.read_text(encoding="utf-8"))
            if not template.is_valid():
                raise PromptError(f"prompt template {path} has a malformed placeholder (use $$ for a dollar sign)")
            self._templates[name] = template
        return self._templates[name]

    def variables(self, name: str) -> set[str]:
        """The placeholders a template uses."""
        return set(self.template(name).get_identifiers())

    def render(self, name: str, /, **values: object) -> str:
        """The template filled with ``values``: every placeholder given, nothing extra."""
        template = self.template(name)
        path = self.folder / f"{name}.txt"
        needed = self.variables(name)
        missing = sorted(needed - values.keys())
        if missing:
            raise PromptError(f"prompt template {path} needs variable(s) {', '.join(missing)}; not given")
        unknown = sorted(values.keys() - needed)
        if unknown:
            raise PromptError(f"prompt template {path} has no variable(s) {', '.join(unknown)}")
        return template.substitute({key: str(value) for key, value in values.items()}).strip()
