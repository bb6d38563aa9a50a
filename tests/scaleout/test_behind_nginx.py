"""Behind a real reverse proxy: Debian's nginx terminating TLS in front of two `serve`
instances, over one PostgreSQL and one Redis, as docs/deployment.md describes.

Loopback is a whole /8 on Linux, so every party gets an address of its own on this machine:
nginx connects upstream from 127.0.0.2 (`proxy_bind`), the one address the instances trust
(DOCSPACE_OAUTH_TRUSTED_PROXIES); clients connect to nginx from 127.0.0.1x; and a request
sent straight to an instance comes from 127.0.0.1, an untrusted peer. Without the setting,
every request through nginx would seem to come from 127.0.0.2, and the lock-out test below
fails: one attacker's failures would block the client for everyone.

nginx is /usr/sbin/nginx, which `.ci/run` installs with apt when it is missing.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import (
    API_KEY_LINE,
    ServerProcess,
    _free_port,
    run_cli,
    server_env,
    start_server,
)
from tests.factory import client_body

# One worker builds the stack (it runs with the PostgreSQL tests).
pytestmark = [pytest.mark.timeout(240), pytest.mark.xdist_group("postgresql")]

NGINX = Path("/usr/sbin/nginx")
PROXY = "127.0.0.2"  # nginx's side of its upstream connections
CLIENT, OTHER_CLIENT, ATTACKER = "127.0.0.11", "127.0.0.12", "127.0.0.66"
FAILURE_LIMIT = 3
WINDOW = 3600


@dataclass
class Stack:
    public: str  # nginx, https
    instances: dict[str, ServerProcess]  # by "127.0.0.1:port", as nginx's $upstream_addr
    ca: ssl.SSLContext
    admin_key: str

    def via_nginx(self, source: str) -> httpx.Client:
        transport = httpx.HTTPTransport(local_address=source, verify=self.ca)
        return httpx.Client(base_url=self.public, transport=transport, timeout=30)

    def client_app(self) -> tuple[str, str]:
        response = httpx.post(
            f"{next(iter(self.instances.values())).url}/api/2.0/clients",
            json=client_body(grant_types=["client_credentials"]),
            headers={"Authorization": f"Bearer {self.admin_key}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return response.json()["client_id"], response.json()["client_secret"]

    def audit_ips(self, client_id: str) -> list[str]:
        response = httpx.get(
            f"{next(iter(self.instances.values())).url}/api/2.0/audit",
            params={"client_id": client_id, "action": "client_auth.failed", "limit": 50},
            headers={"Authorization": f"Bearer {self.admin_key}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return [event["actor_ip"] for event in response.json()["data"]]


def _token(client: httpx.Client, client_id: str, secret: str, **headers: str) -> httpx.Response:
    return client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        headers=headers,
    )


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _nginx_conf(folder: Path, port: int, upstreams: list[str]) -> Path:
    cert, key = _self_signed(folder)
    # As root, nginx's workers would run as www-data, which cannot enter a 0700 temp folder.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    servers = "\n".join(f"    server {address};" for address in upstreams)
    conf = f"""
{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body;
  proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi;
  uwsgi_temp_path {folder}/uwsgi;
  scgi_temp_path {folder}/scgi;
  upstream docspace_oauth {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / {{
      proxy_pass http://docspace_oauth;
      proxy_bind {PROXY};
      # As docs/deployment.md configures it.
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # Which instance answered, so the test can see that both did.
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
"""
    path = folder / "nginx.conf"
    path.write_text(conf)
    return path


@pytest.fixture(scope="module")
def nginx_folder() -> Iterator[Path]:
    if not NGINX.exists():
        pytest.fail(f"{NGINX} is required (`.ci/run` installs it: apt-get install nginx)")
    folder = Path(tempfile.mkdtemp(prefix="docspace-oauth-nginx-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _start_nginx(folder: Path, port: int, upstreams: list[str]) -> subprocess.Popen[bytes]:
    conf = _nginx_conf(folder, port, upstreams)
    process = subprocess.Popen(
        [str(NGINX), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    ca = ssl.create_default_context(cafile=str(folder / "tls.crt"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited:\n{(folder / 'error.log').read_text()}")
        try:
            if httpx.get(f"https://127.0.0.1:{port}/ready", verify=ca, timeout=1).is_success:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"nginx did not answer:\n{(folder / 'error.log').read_text()}")


@pytest.fixture(scope="module")
def stack(postgres_url: str, redis_url: str, nginx_folder: Path) -> Iterator[Stack]:
    port_a, port_b, public_port = _free_port(), _free_port(), _free_port()
    overrides = {
        # The instances' own address, not nginx's https one: with an https issuer every
        # cookie is Secure anyway, and the test could not see what X-Forwarded-Proto did.
        "DOCSPACE_OAUTH_ISSUER": f"http://127.0.0.1:{port_a}",
        "DOCSPACE_OAUTH_REDIS_URL": redis_url,
        "DOCSPACE_OAUTH_RATE_LIMIT_ENABLED": "true",
        "DOCSPACE_OAUTH_CLIENT_AUTH_FAILURE_LIMIT": str(FAILURE_LIMIT),
        "DOCSPACE_OAUTH_AUTH_FAILURE_WINDOW_SECONDS": str(WINDOW),
        "DOCSPACE_OAUTH_TRUSTED_PROXIES": PROXY,
    }
    started: list[ServerProcess] = []
    nginx: subprocess.Popen[bytes] | None = None
    try:
        for port in (port_a, port_b):  # info: one log line per request, naming its client
            started.append(start_server(postgres_url, port=port, log_level="info", **overrides))
        upstreams = [f"127.0.0.1:{port_a}", f"127.0.0.1:{port_b}"]
        nginx = _start_nginx(nginx_folder, public_port, upstreams)
        admin = ["users", "create", "admin@example.com", "--role", "admin", "--tenant", "1"]
        made = run_cli(started[0].env, *admin)
        assert made.returncode == 0, made.stderr
        assert API_KEY_LINE.match(made.stdout.strip().splitlines()[-1]), made.stdout
        yield Stack(
            public=f"https://127.0.0.1:{public_port}",
            instances=dict(zip(upstreams, started, strict=True)),
            ca=ssl.create_default_context(cafile=str(nginx_folder / "tls.crt")),
            admin_key=made.stdout.strip().splitlines()[-1],
        )
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        for server in started:
            server.stop()


@pytest.fixture(autouse=True)
def _whole_window() -> None:
    # The failure counters' windows are aligned to the clock: do not start in a window's last
    # seconds, or the count would restart half-way through a test.
    left = WINDOW - time.time() % WINDOW
    if left < 30:
        time.sleep(left + 1)


def _logged_clients(server: ServerProcess, route: str) -> set[str]:
    clients = set()
    for line in server.log().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("route") == route:
            clients.add(entry.get("client"))
    return clients


def _logged(server: ServerProcess, route: str, client: str) -> set[str]:
    """The clients the instance's log lines name for `route`, once `client` is among them
    (a line is written just after its response, so it may lag the response a moment)."""
    deadline = time.monotonic() + 10
    while True:
        clients = _logged_clients(server, route)
        if client in clients or time.monotonic() > deadline:
            return clients
        time.sleep(0.1)


def test_both_instances_see_the_client_address(stack: Stack) -> None:
    client_id, secret = stack.client_app()
    with stack.via_nginx(CLIENT) as browser:
        # The left-most X-Forwarded-For entry is whatever the client wrote: never believed.
        failed = [
            _token(browser, client_id, "wrong", **{"X-Forwarded-For": "198.51.100.7"})
            for _ in range(2)
        ]
        fine = [_token(browser, client_id, secret) for _ in range(2)]
    assert [r.status_code for r in failed] == [401, 401], failed[0].text
    assert [r.status_code for r in fine] == [200, 200], fine[0].text
    assert {r.headers["x-upstream"] for r in failed} == set(stack.instances)
    assert {r.headers["x-upstream"] for r in fine} == set(stack.instances)

    assert stack.audit_ips(client_id) == [CLIENT, CLIENT]
    for server in stack.instances.values():
        logged = _logged(server, "/oauth2/token", CLIENT)
        assert CLIENT in logged, server.log()
        assert PROXY not in logged and "198.51.100.7" not in logged, logged


def test_a_lockout_locks_out_only_that_address(stack: Stack) -> None:
    client_id, secret = stack.client_app()
    with stack.via_nginx(ATTACKER) as attacker:
        # Naming the victim's address in X-Forwarded-For does not charge it to the victim.
        spoof = {"X-Forwarded-For": CLIENT}
        guesses = [_token(attacker, client_id, "guess", **spoof) for _ in range(FAILURE_LIMIT)]
        over = [_token(attacker, client_id, "guess", **spoof) for _ in range(2)]
        # Blocked on both instances, even with the right secret: guessing gets nowhere.
        right = [_token(attacker, client_id, secret) for _ in range(2)]
    assert [r.status_code for r in guesses] == [401] * FAILURE_LIMIT, guesses[-1].text
    for refused in (over, right):
        assert [r.status_code for r in refused] == [429, 429], refused[-1].text
        assert {r.headers["x-upstream"] for r in refused} == set(stack.instances)

    # Everyone else, the client's own address included, still gets tokens on both instances.
    for source in (CLIENT, OTHER_CLIENT):
        with stack.via_nginx(source) as browser:
            served = [_token(browser, client_id, secret) for _ in range(2)]
        assert [r.status_code for r in served] == [200, 200], (source, served[-1].text)
        assert {r.headers["x-upstream"] for r in served} == set(stack.instances)
    assert set(stack.audit_ips(client_id)) == {ATTACKER}


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(stack: Stack) -> None:
    client_id, secret = stack.client_app()
    instance = next(iter(stack.instances.values()))
    # Straight to an instance, from 127.0.0.1: each forged address would be a fresh budget
    # if it were believed.
    with httpx.Client(base_url=instance.url, timeout=30) as direct:
        answers = [
            _token(direct, client_id, "guess", **{"X-Forwarded-For": f"203.0.113.{i}"})
            for i in range(FAILURE_LIMIT + 1)
        ]
    assert [r.status_code for r in answers] == [401] * FAILURE_LIMIT + [429], answers[-1].text
    assert set(stack.audit_ips(client_id)) == {"127.0.0.1"}
    with stack.via_nginx(CLIENT) as browser:
        assert _token(browser, client_id, secret).status_code == 200


def test_x_forwarded_proto_is_believed_from_the_proxy_only(stack: Stack) -> None:
    sign_in = "/oauth2/login?next=/console"
    with stack.via_nginx(CLIENT) as browser:
        proxied = browser.get(sign_in)
    instance = next(iter(stack.instances.values()))
    direct = httpx.get(
        f"{instance.url}{sign_in}", headers={"X-Forwarded-Proto": "https"}, timeout=30
    )
    for response in (proxied, direct):
        assert response.status_code == 200, response.text
    # nginx terminated TLS and said so: the cookie is for https only. The forged header,
    # sent over plain http by an untrusted peer, changes nothing.
    assert "; secure" in proxied.headers["set-cookie"].lower()
    assert "secure" not in direct.headers["set-cookie"].lower()


@pytest.mark.parametrize("entry", ["*", "nginx", "10.0.0.300"])
def test_serve_refuses_a_trusted_proxy_it_cannot_parse(tmp_path: Path, entry: str) -> None:
    # uvicorn alone would take these as a literal no peer equals, or ("*") as trust in
    # every peer's X-Forwarded-For, read from the left.
    database = tmp_path / "docspace-oauth.db"
    env = server_env(f"sqlite:///{database}", DOCSPACE_OAUTH_TRUSTED_PROXIES=f"10.0.0.1,{entry}")
    result = run_cli(env, "serve", "--port", str(_free_port()))
    assert result.returncode != 0
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1 and "DOCSPACE_OAUTH_TRUSTED_PROXIES" in lines[0], lines
    assert repr(entry) in lines[0]
    assert not database.exists()
