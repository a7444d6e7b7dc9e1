"""gunicorn (deploy/gunicorn.conf.py) believes forwarded headers from the proxy only, and takes
SCRIPT_NAME from no request at all.

A forged X-Forwarded-Proto would make gunicorn call a plain-HTTP request HTTPS; a forged
SCRIPT_NAME would prefix every link Django builds, in the page cache too. The test starts
gunicorn with the project's configuration and a small app that echoes its WSGI environment, and
talks to it from two loopback addresses: 127.0.0.1, where the proxy is by default, and
127.0.0.2, anyone else.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from gunicorn.config import Config

ROOT = Path(settings.BASE_DIR)
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
PROXY = "127.0.0.1"
SOMEONE_ELSE = "127.0.0.2"
ECHO_APP = """
import json

def app(environ, start_response):
    keys = ("wsgi.url_scheme", "SCRIPT_NAME", "PATH_INFO")
    body = json.dumps({key: environ.get(key, "") for key in keys}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
"""


def gunicorn_settings(**environment: str) -> Config:
    """The configuration file's values as gunicorn reads and validates them."""
    namespace: dict = {}
    saved = dict(os.environ)
    os.environ.update(environment)
    try:
        exec(compile(GUNICORN_CONF.read_text(), str(GUNICORN_CONF), "exec"), namespace)  # noqa: S102
    finally:
        os.environ.clear()
        os.environ.update(saved)
    config = Config()
    for name in ("forwarded_allow_ips", "forwarder_headers", "header_map"):
        config.set(name, namespace[name])
    return config


def test_gunicorn_trusts_forwarded_headers_from_the_proxy_address_only(monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    config = gunicorn_settings()
    assert config.forwarded_allow_ips == ["127.0.0.1"]
    assert config.forwarder_headers == []  # SCRIPT_NAME and PATH_INFO from no one
    assert config.header_map == "drop"
    custom = gunicorn_settings(FORWARDED_ALLOW_IPS="172.16.0.0/12, 10.1.2.3")
    assert config.forwarded_allow_ips != custom.forwarded_allow_ips
    assert "*" not in custom.forwarded_allow_ips


def test_compose_trusts_the_private_networks_docker_uses_not_everyone():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    value = compose["x-portal"]["environment"]["FORWARDED_ALLOW_IPS"]
    assert value.startswith("${FORWARDED_ALLOW_IPS:-")
    assert "*" not in value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with deploy/gunicorn.conf.py and no FORWARDED_ALLOW_IPS: the default."""
    (tmp_path / "echo_app.py").write_text(ECHO_APP)
    port = free_port()
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(PORT=str(port), WEB_CONCURRENCY="1", LOG_FORMAT="plain")
    executable = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, the project's config.
            [
                executable,
                "--config",
                str(GUNICORN_CONF),
                "--pythonpath",
                str(tmp_path),
                "echo_app:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def echo(port: int, source: str) -> dict:
    """What the app sees of a request from ``source`` that forges both headers."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request(
            "GET",
            "/portal/trainings/",
            headers={"X-Forwarded-Proto": "https", "SCRIPT_NAME": "/portal"},
        )
        response = connection.getresponse()
        assert response.status == 200
        return json.loads(response.read())
    finally:
        connection.close()


def test_a_forged_scheme_and_script_name_from_anyone_but_the_proxy_are_ignored(gunicorn):
    assert echo(gunicorn, SOMEONE_ELSE) == {
        "wsgi.url_scheme": "http",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/portal/trainings/",
    }


def test_the_proxy_may_say_https_but_not_set_script_name(gunicorn):
    assert echo(gunicorn, PROXY) == {
        "wsgi.url_scheme": "https",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/portal/trainings/",
    }
