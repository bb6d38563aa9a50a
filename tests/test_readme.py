"""The README's settings table names every setting, with the default the code really has."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic_core import PydanticUndefined

from docspace_oauth.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| `(DOCSPACE_OAUTH_[A-Z0-9_]+)` \| (.+?) \| (.+?) \|$")


def _table() -> dict[str, str]:
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return {m[1]: m[2] for line in section.splitlines() if (m := ROW.match(line))}


def _shown(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_every_setting_is_in_the_readme_with_its_default() -> None:
    table = _table()
    fields = {
        f"DOCSPACE_OAUTH_{name.upper()}": field for name, field in Settings.model_fields.items()
    }
    assert sorted(table) == sorted(fields)
    for variable, field in fields.items():
        shown = table[variable]
        if field.default is PydanticUndefined:  # computed (a path in the working directory)
            continue
        if field.default is None:
            assert shown.startswith("unset"), variable
        else:
            assert shown.startswith(f"`{_shown(field.default)}`"), (variable, shown)
