"""Every status each console route answers: the console's counterpart of what
`oauth2/page_docs.py` writes into the OpenAPI document for the sign-in and consent pages.

The console is not part of the API and stays out of /openapi.json, so this table is where
its answers are declared. docs/console.md lists it, and tests/hardening/test_fuzz_forms.py
checks both that it names every route of `console.endpoints.router` and that the routes,
fed hostile forms over HTTP, answer nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping

MEANINGS: Mapping[int, str] = {
    200: "the page; after a POST that made a secret (a new app, a regenerated secret), the "
    "page that shows it once",
    303: "to another page: after a change (with ?done=...), to the list from /console, or "
    "to the sign-in page when nobody (or nobody any more) is signed in",
    400: "the form again with each field's error, a form the server cannot read (too many "
    "fields, a broken upload), or a search or grace period it cannot use",
    403: "refused, nothing changed: a form sent from another site or whose token is not "
    "this session's, or an action the person's role does not allow (a guest's)",
    404: "no such app, or not one this person may see (as the API answers); no such page",
    413: "the form is larger than the server reads (DOCSPACE_OAUTH_MAX_BODY_BYTES)",
}

_PAGE = frozenset({200, 303})  # shown, or to the sign-in page
_APP_PAGE = _PAGE | {404}
# Every POST: to the sign-in page without a session; 400 for a form the parser refuses;
# 403 for another site's post or a wrong token; 413 over the body limit.
_POST = frozenset({303, 400, 403, 413})
_APP_POST = _POST | {404}

STATUSES: Mapping[tuple[str, str], frozenset[int]] = {
    ("GET", "/console"): frozenset({303}),
    ("GET", "/console/clients"): _PAGE | {400},
    ("GET", "/console/clients/new"): _PAGE,
    ("POST", "/console/clients/new"): _POST | {200},
    ("GET", "/console/clients/{client_id}"): _APP_PAGE,
    ("GET", "/console/clients/{client_id}/edit"): _APP_PAGE,
    ("POST", "/console/clients/{client_id}/edit"): _APP_POST,
    ("GET", "/console/clients/{client_id}/disable"): _APP_PAGE,
    ("POST", "/console/clients/{client_id}/disable"): _APP_POST,
    ("POST", "/console/clients/{client_id}/enable"): _APP_POST,
    ("GET", "/console/clients/{client_id}/regenerate"): _APP_PAGE,
    ("POST", "/console/clients/{client_id}/regenerate"): _APP_POST | {200},
    ("GET", "/console/clients/{client_id}/delete"): _APP_PAGE,
    ("POST", "/console/clients/{client_id}/delete"): _APP_POST,
    ("GET", "/console/authorized"): _PAGE | {403},
    ("GET", "/console/authorized/{client_id}/revoke"): _APP_PAGE,
    ("POST", "/console/authorized/{client_id}/revoke"): _APP_POST,
    ("POST", "/console/sign-out"): _POST,
    ("GET", "/console/{rest:path}"): frozenset({303, 404}),
}
