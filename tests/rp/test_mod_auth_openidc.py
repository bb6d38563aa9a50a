"""Another widely deployed relying party against the live server: Apache's mod_auth_openidc, as
Debian packages it (apache2, libapache2-mod-auth-openidc 2.4.12), in front of a CGI page that
prints what the module hands the application (the id_token's claims and the id_token). The
module does the whole protocol itself, from our discovery document: the browser (httpx) only
follows redirects and fills in our pages. It signs in, steps up with prompt=login, logs out
through our end_session_endpoint, and takes a back-channel logout_token, which it verifies
with our JWKS before it ends its own session (and refuses when the signature is not ours)."""

from __future__ import annotations

import secrets
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import LiveServer, _free_port
from tests.factory import client_body
from tests.oauth2.conftest import Kit, form_data, hidden_fields, query_of
from tests.oauth2.test_sessions import PASSWORD

APACHE = Path("/usr/sbin/apache2")
MODULES = Path("/usr/lib/apache2/modules")
CALLBACK = "/protected/redirect_uri"  # the module's own endpoint: callback, logout, back-channel
PAGE = "/protected/claims"
SIGNED_OUT = "/signed-out.html"
EVENT = "http://schemas.openid.net/event/backchannel-logout"
# The CGI program: the module's environment variables, one NAME=value a line.
CLAIMS_CGI = "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\nenv | grep '^OIDC_' | sort\n"


def _conf(folder: Path, base: str, issuer: str, client: dict[str, Any]) -> str:
    port = base.rsplit(":", 1)[1]
    modules = ["mpm_prefork", "authn_core", "authz_core", "authz_user", "cgi", "auth_openidc"]
    loads = "\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in modules)
    return f"""
ServerRoot {folder}
DefaultRuntimeDir {folder}
PidFile {folder}/apache2.pid
ErrorLog {folder}/error.log
# The module's debug log says what it did with each logout_token.
LogLevel warn auth_openidc:debug
Listen 127.0.0.1:{port}
ServerName 127.0.0.1:{port}
{loads}
# One process (-X): an idle keep-alive connection of the browser's would hold it, and the
# back-channel POST would wait for it to time out.
KeepAlive Off
DocumentRoot {folder}/htdocs

OIDCProviderMetadataURL {issuer}/.well-known/openid-configuration
OIDCClientID {client["client_id"]}
OIDCClientSecret {client["client_secret"]}
OIDCRedirectURI {base}{CALLBACK}
OIDCCryptoPassphrase {secrets.token_hex(16)}
# Sessions kept by the module (not in a cookie), so that a back-channel logout can end one.
OIDCSessionType server-cache
OIDCScope "openid files:read"
OIDCPKCEMethod S256
OIDCPassClaimsAs environment
OIDCPassIDTokenAs claims serialized

<Location /protected>
  AuthType openid-connect
  Require valid-user
</Location>
<Directory {folder}/htdocs/protected>
  Options +ExecCGI
  SetHandler cgi-script
</Directory>
"""


@dataclass
class Trip:
    """One navigation, followed by hand: every URL the browser was sent to, and the end."""

    urls: list[str] = field(default_factory=list)
    signed_in: bool = False  # our sign-in page was shown, and filled in
    consented: bool = False
    page: httpx.Response | None = None

    def first(self, prefix: str) -> str:
        return next(url for url in self.urls if url.startswith(prefix))

    @property
    def env(self) -> dict[str, str]:
        assert self.page is not None and self.page.status_code == 200, self.page
        lines = self.page.text.splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    @property
    def claims(self) -> dict[str, str]:
        prefix = "OIDC_CLAIM_"
        return {k.removeprefix(prefix): v for k, v in self.env.items() if k.startswith(prefix)}


class Apache:
    def __init__(self, kit: Kit, folder: Path, port: int) -> None:
        self.kit = kit
        self.folder = folder
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.client: dict[str, Any] = {}

    def start(self, client: dict[str, Any]) -> None:
        self.client = client
        (self.folder / "htdocs" / "protected").mkdir(parents=True)
        (self.folder / "htdocs" / SIGNED_OUT.lstrip("/")).write_text("Signed out of the app\n")
        script = self.folder / "htdocs" / PAGE.lstrip("/")
        script.write_text(CLAIMS_CGI)
        script.chmod(0o755)
        conf = self.folder / "apache2.conf"
        conf.write_text(_conf(self.folder, self.base, self.kit.base, client))
        self.process = subprocess.Popen(
            [str(APACHE), "-X", "-f", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"apache2 exited:\n{self.error_log()}")
            try:
                if httpx.get(f"{self.base}{SIGNED_OUT}", timeout=1).is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"apache2 did not answer:\n{self.error_log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def visit(self, browser: httpx.Client, path: str, email: str) -> Trip:
        """Go to `path` on the app and follow every redirect, as a browser does; our sign-in
        page is filled in and our consent page approved when they appear."""
        trip, url, ours = Trip(), f"{self.base}{path}", self.kit.base
        for _ in range(20):
            trip.urls.append(url)
            answer = browser.get(url)
            if answer.status_code in (302, 303):
                url = str(httpx.URL(url).join(answer.headers["location"]))
                continue
            if url.startswith(f"{ours}/oauth2/login?") and answer.status_code == 200:
                trip.signed_in = True
                fields = {**dict(hidden_fields(answer.text)), "email": email, "password": PASSWORD}
                answer = browser.post(f"{ours}/oauth2/login", data=fields, headers={"Origin": ours})
            elif url.startswith(f"{ours}/oauth2/consent?") and answer.status_code == 200:
                trip.consented = True
                decision = form_data([*hidden_fields(answer.text), ("decision", "allow")])
                answer = browser.post(
                    f"{ours}/oauth2/authorize", data=decision, headers={"Origin": ours}
                )
            else:
                trip.page = answer
                return trip
            assert answer.status_code in (302, 303), answer.text
            url = str(httpx.URL(ours).join(answer.headers["location"]))
        raise AssertionError(f"too many redirects: {trip.urls}")

    def wait_for_log(self, text: str, *, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.error_log():
            assert time.monotonic() < deadline, f"{text!r} not in apache's log"
            time.sleep(0.2)


@pytest.fixture
def apache(kit: Kit, live_server: LiveServer, tmp_path: Path) -> Iterator[Apache]:
    if not (MODULES / "mod_auth_openidc.so").exists():
        pytest.fail(
            "Apache's mod_auth_openidc is required (`.ci/run` installs it: "
            "apt-get install apache2 libapache2-mod-auth-openidc)"
        )
    rp = Apache(kit, tmp_path, _free_port())
    body = client_body(
        scopes=["files:read", "openid"],
        website_url=rp.base,
        redirect_uris=[f"{rp.base}{CALLBACK}"],
        allowed_origins=[rp.base],
        logout_redirect_uri=f"{rp.base}{SIGNED_OUT}",
        # The module's back-channel endpoint is its callback with a query (section 2.2
        # allows one).
        backchannel_logout_uri=f"{rp.base}{CALLBACK}?logout=backchannel",
    )
    with live_server.client(live_server.keys["owner"]) as owner:
        created = owner.post("/api/2.0/clients", json=body)
    assert created.status_code == 201, created.text
    try:
        rp.start(created.json())
        yield rp
    finally:
        rp.stop()


@pytest.fixture
def email(live_server: LiveServer) -> str:
    address = f"apache-{secrets.token_hex(4)}@example.com"
    live_server.create_user(address, "user", 1, password=PASSWORD)
    return address


def _forged_logout_token(kit: Kit, rp: Apache, claims: dict[str, str], id_token: str) -> str:
    """A logout_token for the session, in every way ours but its signature: the kid of our
    signing key, a key of the attacker's."""
    now = int(time.time())
    payload = {
        "iss": kit.base,
        "aud": rp.client["client_id"],
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "sub": claims["sub"],
        "sid": claims["sid"],
        "events": {EVENT: {}},
    }
    kid = pyjwt.get_unverified_header(id_token)["kid"]
    key = ec.generate_private_key(ec.SECP256R1())
    headers = {"kid": kid, "typ": "logout+jwt"}
    return pyjwt.encode(payload, key, algorithm="ES256", headers=headers)


def _sign_in_and_step_up(kit: Kit, rp: Apache, browser: httpx.Client, email: str) -> Trip:
    first = rp.visit(browser, PAGE, email)
    assert first.signed_in and first.consented, first.urls
    request = query_of(first.first(f"{kit.base}/oauth2/authorize?"))
    assert request["code_challenge_method"] == "S256" and request["nonce"], request
    claims = first.claims
    assert {"auth_time", "sid", "sub", "amr"} <= set(claims), claims
    # What the module handed the page is our id_token, as issued.
    issued = kit.verify(first.env["OIDC_id_token"], audience=rp.client["client_id"])
    assert (str(issued["sid"]), str(issued["auth_time"])) == (claims["sid"], claims["auth_time"])

    # Step-up: the app sends the signed-in user through the module's login initiation with
    # prompt=login; our sign-in page is shown again and auth_time moves.
    time.sleep(1.1)  # auth_time has a one-second grain
    step_up = urlencode(
        {
            "iss": kit.base,
            "target_link_uri": f"{rp.base}{PAGE}",
            "auth_request_params": "prompt=login",
        }
    )
    stepped = rp.visit(browser, f"{CALLBACK}?{step_up}", email)
    assert query_of(stepped.first(f"{kit.base}/oauth2/authorize?"))["prompt"] == "login"
    assert stepped.signed_in and not stepped.consented, stepped.urls
    assert int(stepped.claims["auth_time"]) > int(claims["auth_time"])
    assert stepped.claims["sid"] == claims["sid"]
    return stepped


def test_mod_auth_openidc_signs_in_steps_up_and_logs_out(
    kit: Kit, apache: Apache, email: str
) -> None:
    with kit.browser() as browser:
        stepped = _sign_in_and_step_up(kit, apache, browser, email)

        # Logout: the module's logout sends the browser to our end_session_endpoint with its
        # id_token as the hint, and we send it back to the registered address.
        back_to = f"{apache.base}{SIGNED_OUT}"
        out = apache.visit(browser, f"{CALLBACK}?{urlencode({'logout': back_to})}", email)
        request = query_of(out.first(f"{kit.base}/oauth2/logout?"))
        assert request["post_logout_redirect_uri"] == back_to
        assert request["id_token_hint"] == stepped.env["OIDC_id_token"]
        assert out.urls[-1] == back_to and out.page is not None
        assert out.page.text == "Signed out of the app\n"
        assert not out.signed_in
        # The next visit goes through our sign-in page again: a new session of ours.
        again = apache.visit(browser, PAGE, email)
        assert again.signed_in and not again.consented, again.urls
        session = again.claims
        assert session["sid"] != stepped.claims["sid"]

        _back_channel(kit, apache, browser, again)


def _back_channel(kit: Kit, rp: Apache, browser: httpx.Client, signed_in: Trip) -> None:
    claims, id_token = signed_in.claims, signed_in.env["OIDC_id_token"]
    endpoint = f"{rp.base}{CALLBACK}?logout=backchannel"
    # A logout_token not signed by us is refused, and the app's session lives on.
    forged = httpx.post(
        endpoint, data={"logout_token": _forged_logout_token(kit, rp, claims, id_token)}
    )
    assert forged.status_code == 400, forged.text
    still = browser.get(f"{rp.base}{PAGE}")
    assert still.status_code == 200 and f"OIDC_CLAIM_sid={claims['sid']}" in still.text

    # The tenant's admin ends the user's session: we POST a logout_token to the module, which
    # verifies it with our JWKS and ends its own session for that sid.
    with kit.live.client(kit.live.keys["owner"]) as owner:
        ended = owner.delete(f"/api/2.0/sessions/{claims['sid']}")
    assert ended.status_code == 200, ended.text
    cleanup = f"oidc_cleanup_by_sid: enter (sid={claims['sid']},iss={kit.base})"
    rp.wait_for_log(cleanup)
    # The module's log of that delivery, from its start to the session's end: the signature
    # was checked against our JWKS and held.
    delivery = rp.error_log().split(cleanup)[0].rsplit("oidc_handle_logout_backchannel: enter", 1)
    assert len(delivery) == 2, rp.error_log()
    assert 'signature verification with algorithm "ES256" was successful' in delivery[1]
    # Its cookie is still in the browser, and no longer opens the page: the module sends the
    # browser to us to sign in again.
    assert "mod_auth_openidc_session" in browser.cookies
    gone = browser.get(f"{rp.base}{PAGE}")
    assert gone.status_code == 302, gone.text
    assert gone.headers["location"].startswith(f"{kit.base}/oauth2/authorize?")
