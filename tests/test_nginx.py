"""The edge (deploy/nginx.conf and the compose `proxy` service) agrees with the portal behind it.

The configuration is parsed as text into its directives and blocks (no nginx needed), and each
value that must match the portal is compared with the portal's own: the upload limit of the
settings, gunicorn's timeout, the forwarded headers that Django, gunicorn and allauth believe.
bench/scaleout.py runs the same file with nginx in front of two replicas.
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from resources.uploads import MAX_BYTES as LIBRARY_UPLOAD_MAX_BYTES
from tests.processes import run_python
from tests.test_deployment import production_env

ROOT = Path(settings.BASE_DIR)
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
TOKEN = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[{};]|[^\s{};'"]+""")


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list["Directive"] = field(default_factory=list)

    def all(self, name: str) -> list["Directive"]:
        return [d for d in self.block if d.name == name]

    def one(self, name: str) -> "Directive":
        (found,) = self.all(name)
        return found

    def value(self, name: str) -> list[str]:
        return self.one(name).args


def parse(text: str) -> Directive:
    """nginx's syntax: `name args;` or `name args { … }`, # comments, quoted strings."""
    text = "\n".join(re.sub(r"^\s*#.*$|\s+#[^'\"]*$", "", line) for line in text.splitlines())
    tokens = [t[1:-1] if t[0] in "'\"" else t for t in TOKEN.findall(text)]
    root = Directive("main", [])
    stack, words = [root], []
    for token in tokens:
        if token == ";":
            stack[-1].block.append(Directive(words[0], words[1:]))
            words = []
        elif token == "{":
            block = Directive(words[0], words[1:])
            stack[-1].block.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"unterminated directive {words}"
            stack.pop()
        else:
            words.append(token)
    assert len(stack) == 1, "unbalanced braces"
    assert not words, f"unterminated directive {words}"
    return root


def seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(s|m)?", value).groups()
    return int(number) * (60 if unit == "m" else 1)


def size_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmM])?", value).groups()
    return int(number) * {None: 1, "k": 1024, "K": 1024, "m": 1024**2, "M": 1024**2}[unit]


@pytest.fixture(scope="module")
def http() -> Directive:
    return parse(NGINX_CONF.read_text()).one("http")


@pytest.fixture(scope="module")
def tls_server(http) -> Directive:
    (server,) = [s for s in http.all("server") if any("ssl" in d.args for d in s.all("listen"))]
    return server


@pytest.fixture(scope="module")
def portal_location(tls_server) -> Directive:
    (location,) = [d for d in tls_server.all("location") if d.args == ["/"]]
    return location


def gunicorn_timeout() -> int:
    namespace: dict = {}
    saved = dict(os.environ)
    os.environ.pop("GUNICORN_TIMEOUT", None)
    try:
        exec(compile(GUNICORN_CONF.read_text(), str(GUNICORN_CONF), "exec"), namespace)  # noqa: S102
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return namespace["timeout"]


def test_the_parser_reads_blocks_arguments_and_quoted_strings():
    conf = parse("a 1;  # note\nb { c 'x y' \"z;\"; d; }\n")
    assert conf.value("a") == ["1"]
    assert conf.one("b").one("c").args == ["x y", "z;"]
    assert conf.one("b").all("d") == [Directive("d", [])]


def test_tls_is_terminated_with_http2_and_plain_http_is_redirected(http, tls_server):
    (listen,) = tls_server.all("listen")
    assert listen.args == ["443", "ssl", "http2"]
    assert tls_server.value("ssl_certificate") == ["/etc/nginx/tls/fullchain.pem"]
    assert tls_server.value("ssl_certificate_key") == ["/etc/nginx/tls/privkey.pem"]
    assert set(http.value("ssl_protocols")) == {"TLSv1.2", "TLSv1.3"}
    (plain,) = [s for s in http.all("server") if s is not tls_server]
    assert plain.value("listen") == ["80"]
    (redirect,) = [d for d in plain.all("location") if d.args == ["/"]]
    assert redirect.value("return") == ["301", "https://$host$request_uri"]


def test_the_body_limit_is_the_settings_upload_limit(http):
    limit = size_bytes(http.value("client_max_body_size")[0])
    # Above the library's largest file, so the form (not nginx) says a file is too large.
    assert limit == settings.DATA_UPLOAD_MAX_MEMORY_SIZE > LIBRARY_UPLOAD_MAX_BYTES


def test_nginx_waits_longer_than_gunicorn_lets_a_request_run(tls_server):
    timeout = gunicorn_timeout()
    assert timeout == 30
    for name in ("proxy_read_timeout", "proxy_send_timeout"):
        assert timeout < seconds(tls_server.value(name)[0]) <= timeout + 10, name
    # A replica that does not even accept the connection is given up on quickly.
    assert seconds(tls_server.value("proxy_connect_timeout")[0]) <= 5


def test_the_proxy_sets_the_forwarded_headers_itself_and_drops_underscored_ones(
    http, portal_location
):
    headers = {d.args[0].lower(): d.args[1] for d in portal_location.all("proxy_set_header")}
    assert headers["host"] == "$host"
    assert headers["x-forwarded-proto"] == "$scheme"
    # Appended, never replaced by what the client sent: the last entry is the peer's address.
    assert headers["x-forwarded-for"] == "$proxy_add_x_forwarded_for"
    assert headers["x-forwarded-host"] == headers["forwarded"] == ""
    assert http.value("underscores_in_headers") == ["off"]
    assert portal_location.value("proxy_pass") == ["http://portal"]


def test_django_and_allauth_trust_exactly_the_one_proxy_in_front(portal_location):
    appending = [
        d
        for d in portal_location.all("proxy_set_header")
        if d.args == ["X-Forwarded-For", "$proxy_add_x_forwarded_for"]
    ]
    code = (
        "import django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, *settings.SECURE_PROXY_SSL_HEADER)\n"
    )
    env = production_env()
    env.pop("ALLAUTH_TRUSTED_PROXY_COUNT", None)
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    count, header, value = result.stdout.split()
    assert int(count) == len(appending) == 1
    assert (header, value) == ("HTTP_X_FORWARDED_PROTO", "https")


def test_only_idempotent_requests_are_retried_on_the_next_replica(tls_server):
    assert tls_server.value("proxy_next_upstream") == ["error", "timeout", "http_502", "http_503"]
    assert tls_server.value("proxy_next_upstream_tries") == ["2"]


def test_every_replica_has_a_passive_health_check(http):
    upstream = http.one("upstream")
    assert upstream.args == ["portal"]
    servers = upstream.all("server")
    assert servers
    for server in servers:
        options = dict(arg.split("=", 1) for arg in server.args[1:])
        assert int(options["max_fails"]) >= 1
        assert seconds(options["fail_timeout"]) >= 1


def test_no_replica_answering_is_a_503_with_retry_after_in_both_languages(tls_server):
    assert tls_server.value("error_page") == ["502", "504", "=503", "@unavailable"]
    (page,) = [d for d in tls_server.all("location") if d.args == ["@unavailable"]]
    assert ["Retry-After", "5", "always"] in [d.args for d in page.all("add_header")]
    status, body = page.value("return")
    assert status == "503"
    assert "try again" in body
    assert 'lang="es"' in body


def test_pages_are_compressed_on_the_way_out(http):
    assert http.value("gzip") == ["on"]
    # Every answer here is proxied: without this nginx compresses none of them.
    assert http.value("gzip_proxied") == ["any"]
    assert {"text/calendar", "application/json", "text/css"} <= set(http.value("gzip_types"))


def test_compose_runs_the_proxy_with_this_file_behind_a_profile():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    proxy = compose["services"]["proxy"]
    assert proxy["profiles"] == ["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert "${TLS_DIR:-./deploy/tls}:/etc/nginx/tls:ro" in proxy["volumes"]
    assert proxy["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert "/_proxy/healthz" in " ".join(proxy["healthcheck"]["test"])
    # The upstream's one server line names the compose service and the port gunicorn binds.
    (server,) = parse(NGINX_CONF.read_text()).one("http").one("upstream").all("server")
    assert server.args[0] == "web:8000"
    # Every other service runs without the profile: `docker compose up` is unchanged.
    others = [s for name, s in compose["services"].items() if name != "proxy"]
    assert all("profiles" not in s for s in others)


@pytest.mark.skipif(
    not (shutil.which("nginx") and shutil.which("openssl")),
    reason="nginx is not installed here (bench/scaleout.py installs it for the drill)",
)
def test_nginx_accepts_the_file_as_the_drill_runs_it(tmp_path):
    """The drill's copy: this file with only the user, ports, certificate and servers put in."""
    from bench.scaleout import nginx_conf, self_signed

    cert, key = self_signed(tmp_path)
    text = nginx_conf(
        upstreams=[18001, 18002], http_port=18080, https_port=18443, cert=cert, key=key
    )
    assert text.count("server 127.0.0.1:1800") == 2
    assert "max_fails=3 fail_timeout=10s;" in text
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    result = subprocess.run(  # noqa: S603 - nginx found on PATH, a fixed command line.
        [shutil.which("nginx"), "-t", "-q", "-c", str(conf), "-p", f"{tmp_path}/",
         "-g", f"pid {tmp_path / 'nginx.pid'};"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
