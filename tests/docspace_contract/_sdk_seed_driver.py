"""Drive ONLYOFFICE's Python SDK of the seed's release (`docspace-api-sdk` 3.6.0) for a test.

3.6.0 and the 3.7.0 the test environment installs cannot share a process, so the tests run
this module as a script with `PYTHONPATH=<a directory holding 3.6.0>` and talk to it over
its standard streams, one JSON document a line (`tests/docspace_contract/
test_official_sdk_seed_release.py`, `SeedRelease`):

- On start it prints the release it imported: version, file, and for every OAuth 2.0
  operation of the SDK the method, path and security schemes its generated code declares
  (read from the operation's `_<name>_serialize` source: `_auth_settings = [...]`).
- Then, for every line it reads (a list of steps), it prints one line: the list of results.

A step is one of

- `{"do": "configure", "as": NAME, "host": URL, "api_key": {...}}`: a member with its own
  `Configuration(host=URL, api_key={...})` (no `api_key` key: `Configuration(host=URL)`),
  `ApiClient` and API objects, exactly as ONLYOFFICE's docs configure the SDK. Result: the
  configuration's `auth_settings()`.
- `{"do": "call", "as": NAME, "api": "ClientManagementApi", "operation": "create_client",
  "args": [...], "kwargs": {...}}`: one SDK operation, called with nothing but its own
  arguments (no `_request_auth`, `_headers` or other per-call override). An argument
  `{"$model": "CreateClientRequest", "fields": {...}}` is built as that SDK model;
  `{"$datetime": ISO}` becomes a datetime.
- `{"do": "generic", "as": NAME, "method": ..., "path": ..., "auth_settings": [...],
  "response_types": {...}}`: an operation the SDK does not offer, sent through its generic
  layer (`param_serialize` / `call_api` / `response_deserialize`) as its generated
  operations send theirs.

Each call's result holds what the SDK returned, serialised (`returned`), or the exception it
raised (`error`: class, status, body and parsed data; for a pydantic ValidationError its
model and errors), and the requests the SDK put on the wire for it (`wire`: method, URL,
headers, body and the answer's status), recorded by a pass-through on its urllib3 pool.

This module imports only the standard library and the SDK (with its own dependencies).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import json
import re
import sys
import traceback
import warnings
from typing import Any

with warnings.catch_warnings():
    # The SDK's models for other APIs shadow BaseModel.copy; nothing of ours.
    warnings.simplefilter("ignore")
    import docspace_api_sdk as sdk
    from docspace_api_sdk.api.o_auth20.authorization_api import AuthorizationApi
    from docspace_api_sdk.api.o_auth20.client_management_api import ClientManagementApi
    from docspace_api_sdk.api.o_auth20.client_querying_api import ClientQueryingApi
    from docspace_api_sdk.api.o_auth20.scope_management_api import ScopeManagementApi
    from pydantic import BaseModel, ValidationError

APIS = {
    api.__name__: api
    for api in (ClientManagementApi, ClientQueryingApi, ScopeManagementApi, AuthorizationApi)
}
_VARIANTS = ("_with_http_info", "_without_preload_content")
_AUTH = re.compile(r"_auth_settings: List\[str\] = \[(.*?)\]", re.S)
_METHOD = re.compile(r"method='([A-Z]+)'")
_PATH = re.compile(r'resource_path = "([^"]+)"')


def declared(api: type) -> dict[str, dict[str, Any]]:
    """Every operation of an API class, with the method, path and schemes it declares."""
    operations: dict[str, dict[str, Any]] = {}
    for name, _ in inspect.getmembers(api, inspect.isfunction):
        if name.startswith("_") or name.endswith(_VARIANTS):
            continue
        source = inspect.getsource(getattr(api, f"_{name}_serialize"))
        auth, method, path = _AUTH.search(source), _METHOD.search(source), _PATH.search(source)
        assert auth and method and path, name
        operations[name] = {
            "method": method.group(1),
            "path": path.group(1),
            "auth": re.findall(r"'([^']+)'", auth.group(1)),
        }
    return operations


class Member:
    """One integrator's SDK: a Configuration, its ApiClient, the API objects, the wire."""

    def __init__(self, host: str, api_key: dict[str, str] | None) -> None:
        if api_key is None:
            self.configuration = sdk.Configuration(host=host)
        else:
            self.configuration = sdk.Configuration(host=host, api_key=api_key)
        self.api_client = sdk.ApiClient(self.configuration)
        self.apis = {name: api(self.api_client) for name, api in APIS.items()}
        self.wire: list[dict[str, Any]] = []
        pool = self.api_client.rest_client.pool_manager
        original = pool.request

        @functools.wraps(original)
        def request(method: str, url: str, **kwargs: Any) -> Any:
            body = kwargs.get("body")
            sent: dict[str, Any] = {
                "method": method,
                "url": url,
                "headers": dict(kwargs.get("headers") or {}),
                "body": body.decode() if isinstance(body, bytes) else body,
                "fields": kwargs.get("fields"),
            }
            self.wire.append(sent)
            response = original(method, url, **kwargs)
            sent["status"] = response.status
            return response

        pool.request = request


def decode(value: Any) -> Any:
    """An argument from the test: SDK models and datetimes are tagged."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if "$model" in value:
            return getattr(sdk, value["$model"])(**decode(value["fields"]))
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        return {key: decode(item) for key, item in value.items()}
    return value


def _body(data: bytes | None) -> Any:
    if not data:
        return None
    text = data.decode()
    try:
        return json.loads(text)
    except ValueError:
        return text


def encode(value: Any) -> Any:
    """What the SDK returned, as JSON: models tagged with their class."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, sdk.ApiResponse):  # a BaseModel too: first
        return {
            "$api_response": {
                "status_code": value.status_code,
                "headers": dict(value.headers or {}),
                "data": encode(value.data),
                "raw": _body(value.raw_data),
            }
        }
    if isinstance(value, BaseModel):
        return {"$model": type(value).__name__, "fields": value.model_dump(mode="json")}
    if hasattr(value, "status") and hasattr(value, "data") and hasattr(value, "getheaders"):
        # A `*_without_preload_content` answer: the urllib3 response itself.
        return {
            "$http": {
                "status": value.status,
                "headers": dict(value.getheaders()),
                "body": _body(value.data),
            }
        }
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return {"$repr": repr(value), "$type": type(value).__name__}


def failure(error: BaseException) -> dict[str, Any]:
    found: dict[str, Any] = {"class": type(error).__name__, "message": str(error)}
    if isinstance(error, sdk.ApiException):
        found.update(
            status=error.status,
            reason=error.reason,
            body=error.body,
            data=encode(error.data),
            headers=dict(error.headers or {}),
        )
    elif isinstance(error, ValidationError):
        found.update(
            title=error.title,
            errors=[
                {
                    "loc": list(item["loc"]),
                    "type": item["type"],
                    "input_type": type(item["input"]).__name__,
                }
                for item in error.errors()
            ],
        )
    return found


def generic(member: Member, step: dict[str, Any]) -> Any:
    """As a generated operation sends its request (e.g. `_delete_client_serialize`)."""
    client = member.api_client
    params = client.param_serialize(
        method=step["method"],
        resource_path=step["path"],
        header_params={"Accept": client.select_header_accept(["application/json"])},
        auth_settings=step["auth_settings"],
    )
    response = client.call_api(*params)
    response.read()
    return client.response_deserialize(
        response_data=response, response_types_map=step["response_types"]
    ).data


def run(members: dict[str, Member], step: dict[str, Any]) -> dict[str, Any]:
    if step["do"] == "configure":
        member = Member(step["host"], step.get("api_key"))
        members[step["as"]] = member
        return {"returned": member.configuration.auth_settings(), "error": None, "wire": []}
    member = members[step["as"]]
    start = len(member.wire)
    returned: Any = None
    error: dict[str, Any] | None = None
    try:
        if step["do"] == "call":
            operation = getattr(member.apis[step["api"]], step["operation"])
            args = decode(step.get("args", []))
            kwargs = decode(step.get("kwargs", {}))
            returned = encode(operation(*args, **kwargs))
        elif step["do"] == "generic":
            returned = encode(generic(member, step))
        else:
            raise ValueError(f"unknown step {step['do']!r}")
    except Exception as exc:
        error = failure(exc)
    return {"returned": returned, "error": error, "wire": member.wire[start:]}


def main() -> None:
    hello = {
        "version": sdk.__version__,
        "file": sdk.__file__,
        "user_agent": sdk.ApiClient(sdk.Configuration()).user_agent,
        "operations": {name: declared(api) for name, api in APIS.items()},
    }
    print(json.dumps(hello), flush=True)
    members: dict[str, Member] = {}
    for line in sys.stdin:
        try:
            results = [run(members, step) for step in json.loads(line)]
            print(json.dumps({"results": results}), flush=True)
        except Exception:
            print(json.dumps({"crash": traceback.format_exc()}), flush=True)


if __name__ == "__main__":
    main()
