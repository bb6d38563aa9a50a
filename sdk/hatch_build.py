"""Build hook of docspace-oauth-sdk: the wheel is src/docspace_oauth/sdk, nothing more.

The files come from the server's source tree, so there is one copy of the SDK: built from
the repository (``pip install ./sdk``, ``pip wheel ./sdk``) they are read from
``../src/docspace_oauth/sdk``; built from this project's sdist, from the copy the sdist
carries at ``src/docspace_oauth/sdk``.

The layout: the wheel holds ``docspace_oauth/sdk/*.py`` and ``docspace_oauth/sdk/py.typed``,
and no ``docspace_oauth/__init__.py``. Installed alone, ``docspace_oauth`` is then a PEP 420
namespace package and ``from docspace_oauth.sdk import Client`` imports the SDK, typed
(PEP 561 wants the marker in the subpackage of a namespace package, as here). The server's
distribution keeps its regular ``docspace_oauth`` package (with ``__init__.py`` and
``__version__``), unchanged. Had this wheel shipped a ``docspace_oauth/__init__.py`` as well,
two distributions would own that one file: installing the SDK next to a server would
overwrite the server's, and uninstalling the SDK would delete it, turning the server's
package into a namespace. Without it, nothing of the server's is touched, and next to a
server the import system prefers the server's regular package (a regular package anywhere
on ``sys.path`` wins over namespace portions), whose ``sdk`` is the same code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "docspace_oauth/sdk"


class SdkSourcesHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            # The files would be copied, so edits would not show: not what -e promises.
            raise RuntimeError(
                "docspace-oauth-sdk has no editable install; to work on the SDK, install the "
                "repository (pip install -e .), whose distribution contains it"
            )
        root = Path(self.root)
        from_sdist = root / "src" / PACKAGE
        source = from_sdist if from_sdist.is_dir() else root.parent / "src" / PACKAGE
        files = sorted([*source.glob("*.py"), source / "py.typed"])
        if not (source / "__init__.py").is_file() or not (source / "py.typed").is_file():
            raise RuntimeError(f"the SDK's sources are not at {source}")
        # In the wheel the package sits at the top; in the sdist, where the hook finds it.
        prefix = PACKAGE if self.target_name == "wheel" else f"src/{PACKAGE}"
        for path in files:
            build_data["force_include"][str(path)] = f"{prefix}/{path.name}"
