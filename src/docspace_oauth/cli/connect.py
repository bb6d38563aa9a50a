"""The remote commands' connection: an SDK client for the global --url and credentials, and
the SDK's errors turned into messages on stderr and exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.text import Text

from docspace_oauth.cli.login import stored_token
from docspace_oauth.cli.options import current
from docspace_oauth.cli.output import ExitCode, stderr
from docspace_oauth.sdk import (
    APIError,
    AuthenticationError,
    Client,
    ConflictError,
    DocSpaceOAuthError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    UnsupportedMediaTypeError,
    ValidationError,
)

NO_CREDENTIALS = (
    "no API key: run `docspace-oauth login`, pass --api-key KEY or set DOCSPACE_OAUTH_API_KEY "
    "(or give a DocSpace x-signature with --signature or DOCSPACE_OAUTH_SIGNATURE)."
)


def exit_code_for(error: DocSpaceOAuthError) -> ExitCode:
    if isinstance(error, NotFoundError):
        return ExitCode.NOT_FOUND
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return ExitCode.AUTH
    if isinstance(error, ValidationError | UnsupportedMediaTypeError):
        return ExitCode.VALIDATION
    if isinstance(error, RateLimitError):
        return ExitCode.RATE_LIMITED
    if isinstance(error, ConflictError):
        return ExitCode.CONFLICT
    # A 200 whose body is not the contract's means the URL points at
    # something that is not this API: a server problem, not the caller's.
    if isinstance(error, ServerError | TransportError | UnexpectedResponseError):
        return ExitCode.SERVER
    return ExitCode.UNEXPECTED


def print_error(error: DocSpaceOAuthError, *, had_credentials: bool = True) -> None:
    console = stderr()
    if isinstance(error, AuthenticationError) and not had_credentials:
        # The server can only say "authentication required"; the fix is on this side.
        console.print(Text(f"Error: {NO_CREDENTIALS}", style="red"))
        return
    if not isinstance(error, APIError):
        console.print(Text(f"Error: {error}", style="red"))
        return
    problem = error.problem
    console.print(Text(f"Error {problem.status}: {problem.title}", style="bold red"))
    # A validation problem's detail restates its field errors; print those alone.
    if problem.detail and not problem.errors:
        console.print(Text(problem.detail))
    for field_error in problem.errors:
        console.print(Text(f"  {field_error.field}: {field_error.message} ({field_error.code})"))
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        console.print(Text(f"Retry after {error.retry_after:g} seconds."))


@contextmanager
def connect() -> Iterator[Client]:
    """Open an SDK client, and turn its errors into messages and exit codes."""
    options = current()
    api_key = options.api_key
    if not (api_key or options.signature):
        # `docspace-oauth login` stored an access token for this server (cli/login.py).
        token = stored_token(options.url)
        api_key = f"Bearer {token}" if token else None
    had_credentials = bool(api_key or options.signature)
    try:
        with Client(options.url, api_key=api_key, signature=options.signature) as client:
            yield client
    except DocSpaceOAuthError as error:
        print_error(error, had_credentials=had_credentials)
        raise typer.Exit(exit_code_for(error)) from error
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:
        # Typer's own handler could print locals, which hold the API key.
        stderr().print(Text(f"Unexpected error: {type(error).__name__}: {error}", style="red"))
        raise typer.Exit(ExitCode.UNEXPECTED) from error
