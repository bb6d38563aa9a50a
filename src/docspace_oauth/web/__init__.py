"""Server-rendered pages: templates, one stylesheet, and the headers every page is sent with.

No CDN: the pages work with JavaScript off and under a strict Content-Security-Policy. The
developer console reuses `base.html` and `static/style.css`, and adds one small script of
its own (`static/console.js`, the copy button) that only its pages may load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from markupsafe import Markup
from starlette.responses import Response
from starlette.templating import Jinja2Templates

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
STATIC_PATH = "/static"

templates = Jinja2Templates(directory=WEB_DIR / "templates")


def hostname(host: str) -> Markup:
    """A host name that a narrow screen may wrap only between its labels: the page must never
    show `app.exam` / `ple.com`, which reads as another host."""
    # A label is kept whole by its own span: browsers also wrap after a hyphen.
    return Markup(".<wbr>").join(
        Markup('<span class="label">%s</span>') % label for label in host.split(".")
    )


templates.env.filters["hostname"] = hostname


def page_headers(
    form_action_origins: Iterable[str] = (), *, scripts: bool = False
) -> dict[str, str]:
    """Headers for an HTML page. `form_action_origins` are where a form's submission may end
    up after redirects (Chrome applies form-action to the whole redirect chain); `scripts`
    lets the page load scripts from our own /static (never inline ones)."""
    form_action = " ".join(["'self'", *sorted(set(form_action_origins))])
    script_src = "script-src 'self'; " if scripts else ""
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; {script_src}style-src 'self'; img-src 'self' data:; "
            f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Frame-Options": "DENY",  # the consent page must never be framed (clickjacking)
        "X-Content-Type-Options": "nosniff",
        # Not "no-referrer": under it browsers send `Origin: null` with the pages' own form
        # posts, which the cross-origin check must refuse. "same-origin" keeps the real
        # Origin on our own posts and sends nothing to other sites (an app's links).
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
    }


def render_page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    form_action_origins: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    scripts: bool = False,
) -> Response:
    root = request.scope.get("root_path", "")
    response = templates.TemplateResponse(
        request,
        template,
        {"static": f"{root}{STATIC_PATH}", **context},
        status_code=status_code,
        headers={**page_headers(form_action_origins, scripts=scripts), **(headers or {})},
    )
    return response
