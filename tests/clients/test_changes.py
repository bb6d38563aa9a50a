"""Update, activation and secret regeneration: what changes and what never does."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from docspace_oauth.models import Client
from docspace_oauth.security.hashing import keyed_hash
from tests.factory import BASES, create_client, field_codes


@pytest.mark.parametrize("base", BASES)
def test_update_changes_given_fields_and_keeps_the_rest(live_server, base):
    with live_server.client(live_server.keys["user"]) as http:
        created = create_client(http, base)
        client_id = created["client_id"]
    with live_server.client(live_server.keys["admin"]) as admin:
        response = admin.put(
            f"{base}/{client_id}",
            json={
                "name": "  Renamed app  ",
                "allow_pkce": True,
                "redirect_uris": ["https://new.example.com/cb"],
                "scopes": ["rooms:read"],
                # Fields that never change, whatever the body says:
                "client_id": "00000000-0000-4000-8000-000000000000",
                "tenant": 99,
                "created_by": "mallory",
                "created_on": "2000-01-01T00:00:00Z",
            },
        )
        assert response.status_code == 200, response.text
        updated = response.json()
    assert updated["name"] == "Renamed app"
    assert updated["authentication_methods"] == ["client_secret_post", "none"]
    assert updated["redirect_uris"] == ["https://new.example.com/cb"]
    assert updated["scopes"] == ["rooms:read"]
    assert updated["client_secret"] is None
    for unchanged in (
        "client_id",
        "tenant",
        "created_on",
        "created_by",
        "description",
        "logo",
        "allowed_origins",
        "website_url",
        "is_public",
    ):
        assert updated[unchanged] == created[unchanged], unchanged
    assert updated["modified_on"] > created["modified_on"]
    assert updated["modified_by"] != created["created_by"]  # the admin changed it


def test_update_null_keeps_every_field_and_only_the_description_clears(live_server):
    # The links and the logo are required, as DocSpace requires them: null keeps them, as it
    # keeps the name, and only the description may be made empty.
    with live_server.client(live_server.keys["user"]) as http:
        created = create_client(http)
        response = http.put(
            f"/api/2.0/clients/{created['client_id']}",
            json={"terms_url": None, "logo": None, "name": None},
        )
        assert response.status_code == 200
        assert response.json()["terms_url"] == created["terms_url"]
        assert response.json()["logo"] == created["logo"]
        assert response.json()["name"] == created["name"]
        cleared = http.put(f"/api/2.0/clients/{created['client_id']}", json={"description": ""})
        assert cleared.status_code == 200
        assert cleared.json()["description"] == ""
        assert cleared.json()["terms_url"] == created["terms_url"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "no"}, "name", "ErrorName"),
        ({"scopes": []}, "scopes", "EmptyFieldError"),
        ({"scopes": ["everything"]}, "scopes", "ErrorInvalidScope"),
        ({"allowed_origins": ["nope"]}, "allowed_origins", "ErrorWrongURL"),
        ({"logo": "data:text/html;base64,PGI+"}, "logo", "ErrorPattern"),
        ({"logo": ""}, "logo", "EmptyFieldError"),
        ({"terms_url": ""}, "terms_url", "EmptyFieldError"),
        ({"website_url": "  "}, "website_url", "EmptyFieldError"),
        ({"logout_redirect_uri": ""}, "logout_redirect_uri", "EmptyFieldError"),
    ],
)
def test_invalid_update_changes_nothing(live_server, body, field, code):
    with live_server.client(live_server.keys["user"]) as http:
        created = create_client(http)
        response = http.put(
            f"/api/2.0/clients/{created['client_id']}", json={"description": "new", **body}
        )
        assert response.status_code == 400
        assert field_codes(response)[field] == code
        after = http.get(f"/api/2.0/clients/{created['client_id']}").json()
        assert after == {**created, "client_secret": None}


def test_activation_toggles_enabled(live_server):
    with live_server.client(live_server.keys["user"]) as http:
        client_id = create_client(http)["client_id"]
        off = http.patch(f"/api/2.0/clients/{client_id}/activation", json={"status": False})
        assert off.status_code == 200
        assert off.json() == {"client_id": client_id, "enabled": False}
        assert http.get(f"/api/2.0/clients/{client_id}").json()["enabled"] is False
        on = http.patch(f"/api/2.0/oauth2/clients/{client_id}/activation", json={"status": True})
        assert on.json()["enabled"] is True
        assert http.get(f"/api/2.0/clients/{client_id}").json()["enabled"] is True
        bad = http.patch(f"/api/2.0/clients/{client_id}/activation", json={"status": "off"})
        assert bad.status_code == 400
        assert http.patch(f"/api/2.0/clients/{client_id}/activation", json={}).status_code == 400


async def _stored(db, client_id):
    async with db() as session:
        row = await session.scalar(select(Client).where(Client.client_id == client_id))
        assert row is not None
        return row


async def test_regenerate_kills_the_old_secret_at_once(live_server, db, server_keys):
    with live_server.client(live_server.keys["user"]) as http:
        created = create_client(http)
        client_id = created["client_id"]
        response = http.patch(f"/api/2.0/clients/{client_id}/regenerate")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        new_secret = response.json()["client_secret"]
        assert len(new_secret) >= 36 and new_secret.isalnum()
        assert new_secret != created["client_secret"]
        assert response.json()["previous_secret_expires_at"] is None
        assert http.get(f"/api/2.0/clients/{client_id}").json()["client_secret"] is None
    row = await _stored(db, client_id)
    assert row.secret_hash == keyed_hash(server_keys.hash_key, new_secret)
    assert row.previous_secret_hash is None


async def test_regenerate_with_grace_period_keeps_the_previous_secret(live_server, db, server_keys):
    with live_server.client(live_server.keys["user"]) as http:
        created = create_client(http)
        client_id = created["client_id"]
        response = http.patch(
            f"/api/2.0/clients/{client_id}/regenerate", params={"grace_period": 3600}
        )
        assert response.status_code == 200
        until = datetime.fromisoformat(response.json()["previous_secret_expires_at"])
        second = http.patch(
            f"/api/2.0/clients/{client_id}/regenerate", params={"grace_period": 600}
        ).json()
    row = await _stored(db, client_id)
    # Only the secret just replaced survives a second rotation.
    assert row.secret_hash == keyed_hash(server_keys.hash_key, second["client_secret"])
    assert row.previous_secret_hash == keyed_hash(
        server_keys.hash_key, response.json()["client_secret"]
    )
    assert row.previous_secret_hash != keyed_hash(server_keys.hash_key, created["client_secret"])
    assert abs((until - row.previous_secret_expires_at) - timedelta(seconds=3000)) < timedelta(
        seconds=30
    )


@pytest.mark.parametrize("grace", ["-1", "604801", "soon"])
def test_grace_period_out_of_range_is_400(live_server, grace):
    with live_server.client(live_server.keys["user"]) as http:
        client_id = create_client(http)["client_id"]
        response = http.patch(
            f"/api/2.0/clients/{client_id}/regenerate", params={"grace_period": grace}
        )
        assert response.status_code == 400
        assert field_codes(response) == {"grace_period": "ErrorPattern"}


def test_delete_then_everything_is_404(live_server):
    with live_server.client(live_server.keys["user"]) as http:
        client_id = create_client(http)["client_id"]
        assert http.delete(f"/api/2.0/clients/{client_id}").json() == {"client_id": client_id}
        assert http.get(f"/api/2.0/clients/{client_id}").status_code == 404
        assert http.delete(f"/api/2.0/clients/{client_id}").status_code == 404
        assert http.get(f"/api/2.0/clients/{client_id}/public/info").status_code == 404
