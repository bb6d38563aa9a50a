"""Which database a local command opens (issue 14): it says so, never makes one by accident,
and fails in one line, password masked. No server needed: these run in-process."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from docspace_oauth.cli.main import app


def run(*args: str, database: str | None = None, cwd: Path | None = None) -> Result:
    env: dict[str, str | None] = {
        "DOCSPACE_OAUTH_DATABASE_URL": database,
        "DOCSPACE_OAUTH_ISSUER": None,
        "DOCSPACE_OAUTH_PRODUCTION": None,
        "COLUMNS": "250",
    }
    return CliRunner().invoke(app, list(args), env=env)


def test_a_command_in_the_wrong_folder_says_so_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "elsewhere" / "docspace-oauth.db"
    missing.parent.mkdir()
    for line in (["users", "list"], ["users", "create", "a@example.com"], ["keys", "list"]):
        result = run(*line, database=f"sqlite:///{missing}")
        assert result.exit_code == 9, result.output
        assert result.stderr.splitlines() == [
            f"Database: sqlite:///{missing}",
            f"Error: no docspace-oauth database at {missing}. Run this where the server's "
            "database is, name it with --database or DOCSPACE_OAUTH_DATABASE_URL, or pass "
            "--create.",
        ]
        assert list(missing.parent.iterdir()) == []

    created = run("users", "create", "a@example.com", "--create", database=f"sqlite:///{missing}")
    assert created.exit_code == 0, created.output
    assert missing.exists()
    # The global --database wins over the environment, anywhere on the line.
    listed = run("users", "list", "-q", "--database", f"sqlite:///{missing}", database="x://")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.split() == ["a@example.com"]


def test_database_errors_are_one_line_with_the_password_masked() -> None:
    cases = {
        "postgresql://postgres:hunter2@127.0.0.1:1/nowhere": "Connect call failed",
        "mysql://admin:hunter2@db.example.com/oauth": "unsupported database 'mysql'",
        # Refused by the test PostgreSQL (or unreachable, where there is none): one line either way.
        "postgresql://postgres:hunter2@127.0.0.1:5432/no_such_db_here": "",
    }
    for url, reason in cases.items():
        result = run("users", "list", database=url)
        assert result.exit_code == 9, (url, result.output)
        shown = url.replace(":hunter2@", ":***@")
        first, error = result.stderr.splitlines()
        assert first == f"Database: {shown}"
        assert error.startswith(f"Error: cannot use database {shown}: ")
        assert reason in error
        assert "hunter2" not in result.output
        assert "Traceback" not in result.output
