"""Form posts turned into the API's own request models, and their failures into messages
shown beside each field.

There is no second copy of the rules here: a form becomes the very dict a JSON client would
send, `CreateClientRequest` / `UpdateClientRequest` validate it, and
`validation.field_errors_from_pydantic` names each failure exactly as the API's problem
details do. The only things this module adds are what a form needs and JSON does not: lines
of a textarea become a list, ticked boxes become booleans, and an uploaded image becomes the
logo's data URI (then checked by the same `validation.logo`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from docspace_oauth.clients.schemas import (
    DEFAULT_GRANT_TYPES,
    CreateClientRequest,
    GrantType,
    UpdateClientRequest,
)
from docspace_oauth.errors import FieldError
from docspace_oauth.models import Client
from docspace_oauth.validation import (
    EMPTY_FIELD,
    MAX_LOGO_BYTES,
    field_errors_from_pydantic,
)

TEXT_FIELDS = (
    "name",
    "description",
    "website_url",
    "terms_url",
    "policy_url",
    "logout_redirect_uri",
    "backchannel_logout_uri",
)
LINE_FIELDS = ("redirect_uris", "allowed_origins")
CHOICE_FIELDS = ("scopes", "grant_types")
FLAG_FIELDS = ("allow_pkce", "is_public", "backchannel_logout_session_required")
FIELDS = frozenset({*TEXT_FIELDS, *LINE_FIELDS, *CHOICE_FIELDS, *FLAG_FIELDS, "logo"})
FORM_ERRORS = "_form"  # failures that belong to no field
LOGO_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
GRANT_TYPES = tuple(g.value for g in GrantType)

_SVG_STARTS = (b"<?xml", b"<svg", b"<!--", b"<!doctype svg")


def sniff_image(data: bytes) -> str | None:
    """The logo's media type from its first bytes, never from what the browser claims."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith(_SVG_STARTS) and b"<svg" in head:
        return "image/svg+xml"
    return None


RequestT = TypeVar("RequestT", bound=BaseModel)


@dataclass
class ParsedForm:
    """What the person typed (to show it back) and what went wrong, field by field."""

    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        bucket = self.errors.setdefault(name, [])
        if message not in bucket:
            bucket.append(message)


@dataclass
class CreateForm(ParsedForm):
    request: CreateClientRequest | None = None


@dataclass
class UpdateForm(ParsedForm):
    request: UpdateClientRequest | None = None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _choices(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: _text(form, name) for name in TEXT_FIELDS}
    values.update({name: _text(form, name) for name in LINE_FIELDS})
    values.update({name: _choices(form, name) for name in CHOICE_FIELDS})
    values.update({name: _text(form, name) in {"on", "true", "1"} for name in FLAG_FIELDS})
    values["logo_data"] = ""
    return values


def _body(values: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body an API client would send for these form values."""
    body: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        text = str(values[name])
        body[name] = text.strip() if name != "name" else text
    for name in LINE_FIELDS:
        body[name] = _lines(str(values[name]))
    for name in (*CHOICE_FIELDS, *FLAG_FIELDS):
        body[name] = values[name]
    return body


async def _uploaded_logo(form: FormData) -> tuple[str | None, str | None]:
    """(the data URI of a newly chosen file, or None; an error message, or None)."""
    upload = form.get("logo")
    if not isinstance(upload, UploadFile):
        return None, None
    try:
        # One byte over the limit is enough for the validator to say the file is too large.
        data = await upload.read(MAX_LOGO_BYTES + 1)
    finally:
        await upload.close()
    if not data:
        return (None, None) if not upload.filename else (None, "the chosen file is empty")
    media_type = sniff_image(data)
    if media_type is None:
        return None, "the logo must be a PNG, JPEG or SVG image"
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}", None


def _sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return "Invalid value."
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def _message(problem: FieldError, loc: Sequence[Any]) -> str:
    if problem.code == EMPTY_FIELD:
        if problem.field in CHOICE_FIELDS:
            return "Choose at least one."
        if problem.field in LINE_FIELDS:
            return "Give at least one, one per line."
        return "This field is required."
    # Our precise reason first where there is one ("must not contain a fragment"), then
    # DocSpace's words for the failure, as the API's problem details give both.
    text = _sentence(problem.message)
    if problem.reason:
        text = f"{_sentence(problem.reason)} {text}"
    index = next((part for part in loc if isinstance(part, int)), None)
    if problem.field in LINE_FIELDS and index is not None:
        text = f"Line {index + 1}: {text}"
    return text


def record_failures(parsed: ParsedForm, exc: ValidationError) -> None:
    """The model's failures, named as the API's problem details name them."""
    for raw in exc.errors():
        for problem in field_errors_from_pydantic([raw]):
            name = problem.field if problem.field in FIELDS else FORM_ERRORS
            parsed.add(name, _message(problem, raw.get("loc", ())))


def record_problems(parsed: ParsedForm, problems: Sequence[FieldError]) -> None:
    """Field errors raised by a service (a ValidationFailed), shown like the model's."""
    for problem in problems:
        name = problem.field if problem.field in FIELDS else FORM_ERRORS
        parsed.add(name, _message(problem, ()))


async def _logo_into(parsed: ParsedForm, form: FormData, body: dict[str, Any]) -> None:
    uploaded, error = await _uploaded_logo(form)
    if error is not None:
        parsed.add("logo", _sentence(error))
    elif uploaded is not None:
        body["logo"] = uploaded
    elif _text(form, "logo_data"):
        # A logo uploaded with an earlier attempt of this form that failed on another field.
        body["logo"] = _text(form, "logo_data")


def _keep_logo(parsed: ParsedForm, body: Mapping[str, Any]) -> None:
    """Carry a valid upload over to the next attempt, so the person need not choose it again."""
    if "logo" not in parsed.errors and body.get("logo"):
        parsed.values["logo_data"] = body["logo"]


async def _parsed(form: FormData, parsed: ParsedForm, model: type[RequestT]) -> RequestT | None:
    """The form validated as `model` (None with `parsed.errors` saying why), the logo
    carried over to the next attempt when something else was wrong."""
    body = _body(parsed.values)
    await _logo_into(parsed, form, body)
    request: RequestT | None = None
    try:
        request = model.model_validate(body)
    except ValidationError as exc:
        record_failures(parsed, exc)
    if parsed.errors:
        _keep_logo(parsed, body)
        return None
    return request


async def parse_create(form: FormData) -> CreateForm:
    parsed = CreateForm(values=_values(form))
    parsed.request = await _parsed(form, parsed, CreateClientRequest)
    return parsed


async def parse_update(form: FormData) -> UpdateForm:
    """Every field of the edit form is sent; the logo only changes when a file is chosen (a
    client always has one, as DocSpace requires)."""
    parsed = UpdateForm(values=_values(form))
    parsed.request = await _parsed(form, parsed, UpdateClientRequest)
    return parsed


def blank_values() -> dict[str, Any]:
    """A new app's form: the default grants ticked, nothing else chosen."""
    values: dict[str, Any] = {name: "" for name in (*TEXT_FIELDS, *LINE_FIELDS)}
    values.update(
        scopes=[],
        grant_types=list(DEFAULT_GRANT_TYPES),
        allow_pkce=False,
        is_public=False,
        backchannel_logout_session_required=False,
        logo_data="",
    )
    return values


def values_of(client: Client) -> dict[str, Any]:
    """An existing app's form, filled in with what is stored."""
    values: dict[str, Any] = {name: getattr(client, name) or "" for name in TEXT_FIELDS}
    values.update(
        redirect_uris="\n".join(client.redirect_uris),
        allowed_origins="\n".join(client.allowed_origins),
        scopes=list(client.scopes),
        grant_types=list(client.grant_types),
        allow_pkce=client.allow_pkce,
        is_public=client.is_public,
        backchannel_logout_session_required=client.backchannel_logout_session_required,
        logo_data="",
    )
    return values
