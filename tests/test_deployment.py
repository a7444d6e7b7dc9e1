"""Deployment: the image, the compose stack, its environment, the production settings, and uploaded
files that go through Django's storage API only (so S3 works as well as a local folder).

There is no Docker engine where the suite runs, so the Dockerfile and docker-compose.yml are
checked as files (parsed YAML, the Dockerfile's instructions), and what the image runs is run
here instead: collectstatic and `check --deploy` with the production settings, gunicorn with
deploy/gunicorn.conf.py, and the healthchecks of deploy/healthcheck.py.
"""

import ast
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Agency, AgencyKind, County, NmtStatus, Role
from resources import services as resource_services
from resources.models import Resource, ResourceKind, Topic, Visibility
from tests.factories import AgencyFactory, MembershipFactory, PersonFactory, UserFactory
from tests.processes import manage, run_python
from tests.resources.factories import PDF_BYTES, image_bytes, pdf_upload

ROOT = Path(settings.BASE_DIR)
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"
# Only what a shell and Python need; nothing from the test run (DJANGO_SETTINGS_MODULE,
# DATABASE_URL and REDIS_URL point at the test settings here).
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
# A real-looking secret: `check --deploy` refuses short or low-entropy keys.
PRODUCTION_SECRET = "k3Jq9vXr2LmT8wPz5NcY7bHd4FsG6aUe1RiOoQx0VtKjMnBpZlWyCu-_AbCdEfGh"
SERVICES = {"migrate", "web", "worker", "beat", "db", "redis", "mailpit", "proxy"}


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production container: the settings' required values and nothing
    else from this process."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="portal.example.org",
        SITE_URL="https://portal.example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/test"),
        # Explicit, so that a developer's .env (which the settings read) cannot change them.
        USE_HTTPS="true",
        FILE_STORAGE="local",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("deploy_healthcheck", HEALTHCHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def documented() -> set[str]:
    """The variables .env.example documents, set or commented out (`# NAME=value`)."""
    pattern = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
    return set(pattern.findall(ENV_EXAMPLE.read_text()))


# --- docker-compose.yml ------------------------------------------------------------------------


def test_compose_has_every_service_each_with_a_healthcheck(compose):
    services = compose["services"]
    assert set(services) == SERVICES
    for name, service in services.items():
        if name == "migrate":
            # One-shot: it exits when done, so the image's /healthz check is switched off.
            assert service["healthcheck"] == {"disable": True}
        else:
            assert service["healthcheck"]["test"], name
            assert service.get("restart") == "unless-stopped", name


def test_the_portal_services_run_the_image_with_production_settings(compose):
    for name in ("migrate", "web", "worker", "beat"):
        service = compose["services"][name]
        assert service["build"] == "."
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"
        assert "media:/app/media" in service["volumes"]
    web = compose["services"]["web"]
    assert web["healthcheck"]["test"] == ["CMD", "python", "/app/deploy/healthcheck.py", "web"]
    # gunicorn is published on the loopback only: the TLS proxy is the way in.
    assert web["ports"] == ["${WEB_PUBLISH:-127.0.0.1:8000}:8000"]


def test_db_is_postgres_15_with_a_named_volume(compose):
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:15")
    volume, _, target = db["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data"
    assert volume in compose["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert "ports" not in db


def test_migrate_is_a_one_shot_step_that_web_worker_and_beat_wait_for(compose):
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    command = " ".join(migrate["command"])
    assert "manage.py migrate --no-input" in command
    # The cache tables (allauth's rate limits, the page cache) must exist before any request.
    assert "manage.py createcachetable" in command
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert "migrate" not in " ".join(services[name].get("command", []))


def test_worker_consumes_both_queues_the_settings_route_to(compose):
    command = compose["services"]["worker"]["command"]
    queues = set(command[command.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert queues == {"email", "default"} == routed | {settings.CELERY_TASK_DEFAULT_QUEUE}
    assert "inspect ping" in " ".join(compose["services"]["worker"]["healthcheck"]["test"])


def test_exactly_one_beat_and_nothing_scaled_past_one(compose):
    services = compose["services"]
    beats = [name for name, service in services.items() if "beat" in service.get("command", [])]
    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    for name, service in services.items():
        assert service.get("deploy", {}).get("replicas", 1) <= 1, name
    assert "beat" in services["beat"]["healthcheck"]["test"]


def test_no_secret_is_written_in_the_compose_file(compose):
    text = COMPOSE.read_text()
    for name in ("migrate", "web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
        # The bundled database's password comes from .env as well.
        assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
    assert compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    assert "SECRET_KEY=" not in text
    assert not re.search(r"POSTGRES_PASSWORD: [^$]", text)


def test_every_variable_the_compose_file_uses_is_in_env_example(documented):
    used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE.read_text()))
    assert used, "the compose file reads its settings from the environment"
    assert used - documented == set()


DOCKER = shutil.which("docker")


def docker_compose_available() -> bool:
    if DOCKER is None:
        return False
    # S603: the docker CLI found on PATH, with fixed arguments.
    version = subprocess.run([DOCKER, "compose", "version"], capture_output=True, check=False)  # noqa: S603
    return version.returncode == 0


@pytest.mark.skipif(
    not docker_compose_available(),
    reason="docker compose is not installed here; the YAML checks above stand in for it",
)
def test_docker_compose_config_accepts_the_file():
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(SECRET_KEY=PRODUCTION_SECRET, POSTGRES_PASSWORD="not-a-real-password")
    result = subprocess.run(  # noqa: S603 - as above, on the project's compose file.
        [DOCKER, "compose", "--file", str(COMPOSE), "config", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- Dockerfile and .dockerignore ----------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), " ".join(rest.split())))
    return instructions


def test_dockerfile_builds_in_two_stages_and_runs_gunicorn_as_a_non_root_user():
    instructions = dockerfile_instructions()
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(stages) >= 2
    assert stages[0].endswith("AS builder")
    # The builder installs exactly uv.lock, without the dev tools; the runtime copies its venv.
    assert (
        "RUN",
        "--mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-install-project",
    ) in instructions
    final = instructions[
        max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM") :
    ]
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final
    runs = [args for keyword, args in final if keyword == "RUN"]
    assert any("manage.py collectstatic --no-input" in run for run in runs)
    users = [args for keyword, args in final if keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}
    # The user is set after the build steps that need root, and with a fixed uid.
    keywords = [keyword for keyword, _ in final]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert any("useradd --system --uid" in run for run in runs)
    healthcheck = next(args for keyword, args in final if keyword == "HEALTHCHECK")
    assert '["python", "/app/deploy/healthcheck.py", "web"]' in healthcheck
    command = json.loads(next(args for keyword, args in final if keyword == "CMD"))
    assert command[0] == "gunicorn"
    config = command[command.index("--config") + 1]
    assert config == "/app/deploy/gunicorn.conf.py"
    assert (ROOT / "deploy" / "gunicorn.conf.py").exists()
    # gunicorn would load a ./gunicorn.conf.py by itself, in benchmark runs too.
    assert not (ROOT / "gunicorn.conf.py").exists()


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", ".env", "media", "staticfiles", "tests", "bench"} <= ignored
    assert "db.sqlite3*" in ignored
    # What the image needs is in the context.
    assert not ignored & {"deploy", "static", "templates", "portal", "uv.lock", "manage.py"}


def test_gunicorn_config_is_what_the_container_needs():
    namespace: dict = {}
    exec(compile(GUNICORN_CONF.read_text(), str(GUNICORN_CONF), "exec"), namespace)  # noqa: S102
    assert namespace["workers"] == int(os.environ.get("WEB_CONCURRENCY", "3"))
    assert namespace["bind"] == "0.0.0.0:8000" or "PORT" in os.environ
    assert namespace["worker_tmp_dir"] == "/dev/shm"  # noqa: S108
    assert namespace["accesslog"] == "-"
    assert namespace["errorlog"] == "-"
    assert namespace["forwarded_allow_ips"]
    assert namespace["timeout"] > 0
    handler = namespace["logconfig_dict"]["handlers"]["console"]
    assert handler["stream"] == "ext://sys.stdout"


# --- .env.example ------------------------------------------------------------------------------


def variables_read_by(path: Path) -> set[str]:
    """Names passed to env(...), env.<cast>(...) and os.environ.get(...) in a module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        func = node.func
        if (
            (isinstance(func, ast.Name) and func.id == "env")
            or (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id == "env"
            )
            or (isinstance(func, ast.Attribute) and ast.unparse(func) == "os.environ.get")
        ):
            names.add(first.value)
    return names


def test_every_variable_the_settings_read_is_in_env_example(documented):
    read = set()
    for module in sorted((ROOT / "portal" / "settings").glob("*.py")):
        if module.name != "test.py":
            read |= variables_read_by(module)
    assert {"SECRET_KEY", "DATABASE_URL", "FILE_STORAGE", "AWS_STORAGE_BUCKET_NAME"} <= read
    assert read - documented == set()


def test_every_variable_gunicorn_and_the_healthcheck_read_is_in_env_example(documented):
    read = variables_read_by(GUNICORN_CONF) | variables_read_by(HEALTHCHECK)
    assert "WEB_CONCURRENCY" in read
    assert read - documented == set()


def test_env_example_sets_no_secret_and_marks_the_required_ones():
    lines = ENV_EXAMPLE.read_text().splitlines()
    assert "SECRET_KEY=" in lines
    assert "POSTGRES_PASSWORD=" in lines
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "POSTGRES_PASSWORD", "EMAIL_URL"):
        index = next(i for i, line in enumerate(lines) if re.match(rf"#? ?{name}=", line))
        comment = []
        while index > 0 and lines[index - 1].startswith("#"):
            index -= 1
            comment.append(lines[index])
        assert "REQUIRED" in " ".join(comment), name


# --- Production settings ----------------------------------------------------------------------


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_production_without_https():
    """The negative control: the same check fails once HTTPS is off."""
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(USE_HTTPS="false")
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output


def test_a_managed_postgresql_url_carries_tls_and_pgbouncer_options():
    """README "Managed PostgreSQL": sslmode and disable_server_side_cursors go in DATABASE_URL;
    kept connections are checked before reuse (CONN_HEALTH_CHECKS) in production too."""
    code = (
        "import django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "db = settings.DATABASES['default']\n"
        "print(db['OPTIONS']['sslmode'], db['DISABLE_SERVER_SIDE_CURSORS'], db['CONN_MAX_AGE'],"
        " db['CONN_HEALTH_CHECKS'])\n"
    )
    url = "postgres://portal:pw@db.example.net:5432/portal"
    env = production_env(
        DATABASE_URL=f"{url}?sslmode=require&disable_server_side_cursors=True", CONN_MAX_AGE="0"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "require True 0 True"


def test_collectstatic_builds_the_manifest_with_production_settings(tmp_path):
    """What the Dockerfile runs at build time, into a throwaway STATIC_ROOT: every file a
    stylesheet refers to must exist, or the manifest storage fails the build."""
    static_root = tmp_path / "static"
    code = (
        "import django\n"
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "django.setup()\n"
        f"settings.STATIC_ROOT = {str(static_root)!r}\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    env = production_env(
        SECRET_KEY="collectstatic-at-build-time-only",
        ALLOWED_HOSTS="localhost",
        SITE_URL="http://localhost",
        DATABASE_URL=f"sqlite:///{tmp_path / 'never-created.sqlite3'}",
    )
    result = run_python(code, env, timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert "css/portal.css" in manifest["paths"]
    assert (static_root / manifest["paths"]["css/portal.css"]).exists()
    assert not (tmp_path / "never-created.sqlite3").exists()  # no database at build time


# --- FILE_STORAGE ------------------------------------------------------------------------------

STORAGE_PROBE = (
    "import django\n"
    "django.setup()\n"
    "from django.core.files.storage import storages\n"
    "s = storages['default']\n"
    "print(type(s).__module__ + '.' + type(s).__name__)\n"
    "print(s.bucket_name, s.location, s.default_acl, s.querystring_auth, s.file_overwrite)\n"
)


def test_file_storage_s3_makes_the_default_storage_a_private_s3_bucket():
    env = production_env(
        FILE_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="nmt-media", AWS_S3_REGION_NAME="us-west-2"
    )
    result = run_python(STORAGE_PROBE, env)
    assert result.returncode == 0, result.stderr
    backend, options = result.stdout.splitlines()
    assert backend == "storages.backends.s3.S3Storage"
    assert options == "nmt-media media private True False"


def test_file_storage_local_is_the_filesystem():
    result = run_python(
        "import django\ndjango.setup()\nfrom django.core.files.storage import storages\n"
        "print(type(storages['default']).__name__)\n",
        production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "FileSystemStorage"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"FILE_STORAGE": "bogus"}, "FILE_STORAGE must be 'local' or 's3'"),
        ({"FILE_STORAGE": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
    ],
    ids=["unknown-backend", "s3-without-bucket"],
)
def test_a_wrong_file_storage_stops_the_start_with_a_clear_message(extra, message):
    result = run_python("import django\ndjango.setup()\n", production_env(**extra))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


class PathlessStorage(InMemoryStorage):
    """Files in memory and, like S3Storage, no path(): code that wants a file on the local disk
    fails here as it would on S3."""

    def path(self, name):
        raise NotImplementedError("This backend doesn't support absolute paths.")

    def _relative_path(self, name):
        # InMemoryStorage maps names to its tree through path(); keep that for itself.
        return os.path.relpath(InMemoryStorage.path(self, name), self.location)


@pytest.fixture
def storage_in_memory(settings, tmp_path):
    """The default storage keeps files in memory and has no local path. MEDIA_ROOT points at a
    folder that must never appear."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.PathlessStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media-must-stay-empty"
    yield settings.MEDIA_ROOT
    assert not Path(settings.MEDIA_ROOT).exists()


def content_of(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


@pytest.mark.django_db
def test_a_shared_file_round_trips_through_the_storage_api_to_a_members_only_download(
    client, storage_in_memory, django_capture_on_commit_callbacks
):
    contributor = MembershipFactory(
        agency=AgencyFactory(name="Bayside Clinic", slug="bayside"),
        person=PersonFactory(user=UserFactory(email="casey@example.org"), display_name="Casey"),
    ).person
    topic = Topic.objects.get_or_create(slug="supervision", defaults={"name": "Supervision"})[0]
    client.force_login(contributor.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("resources:share"),
            {
                "title": "Regulation first",
                "kind": ResourceKind.GUIDE,
                "summary": "A one-page guide.",
                "body": "",
                "model": "nmt",
                "topics": [topic.pk],
                "file": pdf_upload("regulation-first.pdf"),
            },
        )
    assert response.status_code == 302
    resource = Resource.objects.get(title="Regulation first")
    assert isinstance(default_storage._wrapped, PathlessStorage)
    assert default_storage.exists(resource.file.name)
    with pytest.raises(NotImplementedError):
        default_storage.path(resource.file.name)  # no local path exists, and none is needed
    curator = UserFactory(email="curator@example.org", is_staff=True)
    resource_services.resource_publish(resource=resource, reviewed_by=curator)
    Resource.objects.filter(pk=resource.pk).update(visibility=Visibility.MEMBERS)
    download = reverse("resources:download", kwargs={"slug": resource.slug})

    client.logout()
    anonymous = client.get(download)  # a redirect: no file is opened
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))

    client.force_login(UserFactory(email="reader@example.org"))
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="regulation-first.pdf"'
    assert content_of(response) == PDF_BYTES


@pytest.mark.django_db
def test_an_agency_logo_is_stored_and_served_through_the_storage_api(client, storage_in_memory):
    agency = AgencyFactory(name="Agency A", slug="agency-a")
    coordinator = MembershipFactory(
        agency=agency,
        person=PersonFactory(user=UserFactory(email="cora@example.org"), display_name="Cora"),
        role=Role.COORDINATOR,
    ).person.user
    png = image_bytes("PNG")
    client.force_login(coordinator)
    response = client.post(
        reverse("members:manage_profile", kwargs={"slug": agency.slug}),
        {
            "name": agency.name,
            "kind": AgencyKind.CBO,
            "county": County.SOLANO,
            "city": "Vallejo",
            "description": "We practise NMT.",
            "nmt_status": NmtStatus.IMPLEMENTING,
            "practises_nmt": "on",
            "sensory_spaces": "0",
            "logo": SimpleUploadedFile("logo.png", png, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert default_storage.exists(agency.logo.name)
    client.logout()

    page = client.get(reverse("members:agency_detail", kwargs={"slug": agency.slug}))
    src = re.search(r'<img src="([^"]+)" alt="" class="agency-logo">', page.content.decode())
    assert src, "the agency page shows its logo"
    # From this host (the page's Content-Security-Policy allows images from 'self' only), never
    # from the storage's own address.
    assert src[1].startswith(reverse("members:agency_logo", kwargs={"slug": agency.slug}) + "?v=")
    assert settings.MEDIA_URL not in page.content.decode()

    response = client.get(src[1].replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert content_of(response) == png


@pytest.mark.django_db
def test_an_agency_logo_is_not_found_without_a_logo_or_with_a_stored_non_image(
    client, storage_in_memory
):
    AgencyFactory(slug="no-logo")
    odd = AgencyFactory(slug="odd-logo")
    odd.logo.save("logo.png", ContentFile(b"<svg onload='alert(1)'></svg>"), save=True)
    for slug in ("no-logo", "odd-logo", "no-such-agency"):
        response = client.get(reverse("members:agency_logo", kwargs={"slug": slug}))
        assert response.status_code == 404, slug


@pytest.mark.django_db
def test_an_admin_import_keeps_its_sheet_in_the_shared_file_storage(client, settings, tmp_path):
    """Between the preview and the confirmation, the uploaded sheet waits in the default
    storage (the media volume or S3), not in one web process's /tmp: the confirmation may reach
    another web replica."""
    shared = tmp_path / "shared-storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(shared)},
        },
    }
    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))
    form = client.get(reverse("admin:members_agency_import")).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    preview = client.post(
        reverse("admin:members_agency_import"),
        {
            "resource": "0",
            "format": formats["csv"],
            "import_file": SimpleUploadedFile(
                "agencies.csv",
                b"slug,name,kind,county,nmt_status,practises_nmt\n"
                b"bay-cbo,Bay CBO,cbo,alameda,implementing,1\n",
                content_type="text/csv",
            ),
        },
    )
    assert preview.status_code == 200
    waiting = list((shared / "django-import-export").iterdir())
    assert len(waiting) == 1

    done = client.post(
        reverse("admin:members_agency_process_import"), preview.context["confirm_form"].initial
    )
    assert done.status_code == 302
    assert Agency.objects.get(slug="bay-cbo").name == "Bay CBO"
    assert list((shared / "django-import-export").iterdir()) == []


# --- gunicorn and the healthchecks ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_allowed_host_picks_a_name_django_accepts():
    healthcheck = load_healthcheck()
    assert healthcheck.allowed_host("portal.example.org,www.example.org") == "portal.example.org"
    assert healthcheck.allowed_host(" .example.org ") == "example.org"
    assert healthcheck.allowed_host("*,portal.example.org") == "portal.example.org"
    assert healthcheck.allowed_host("") == "localhost"


def test_beat_is_healthy_while_its_schedule_file_is_fresh(tmp_path):
    healthcheck = load_healthcheck()
    schedule = tmp_path / "celerybeat-schedule"
    assert not healthcheck.check_beat(str(schedule))  # beat never started
    (tmp_path / "celerybeat-schedule.dat").write_bytes(b"")  # dbm adds its own suffixes
    now = time.time()
    os.utime(tmp_path / "celerybeat-schedule.dat", (now - 60, now - 60))
    assert healthcheck.check_beat(str(schedule), now=now)
    assert not healthcheck.check_beat(str(schedule), now=now + healthcheck.BEAT_MAX_AGE_SECONDS)
    assert healthcheck.main(["beat", str(schedule)]) == 0
    assert healthcheck.main(["nonsense"]) == 2


@pytest.mark.django_db
def test_gunicorn_serves_healthz_with_production_settings_and_logs_json_on_stdout(
    tmp_path, monkeypatch
):
    """The image's command and healthcheck, run here: gunicorn with deploy/gunicorn.conf.py and
    the production settings (HTTPS on, a real host name) answers the healthcheck script, which
    needs no proxy header and sends an allowed Host."""
    database = settings.DATABASES["default"]
    database_url = "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=quote(database["USER"] or ""),
        password=f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else "",
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        name=database["NAME"],
    )
    port = str(free_port())
    env = production_env(
        DATABASE_URL=database_url,
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        PORT=port,
        WEB_CONCURRENCY="1",
        ALLOWED_HOSTS=".portal.example.org",
    )
    log_path = tmp_path / "gunicorn.log"
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    assert gunicorn, "gunicorn is installed beside this Python"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, the project's config.
            [gunicorn, "--config", str(GUNICORN_CONF), "portal.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.DEVNULL,
        )
    try:
        check = [sys.executable, str(HEALTHCHECK), "web"]
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_path.read_text()
            result = subprocess.run(check, env=env, capture_output=True, check=False)  # noqa: S603
            if result.returncode == 0:
                break
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        healthcheck = load_healthcheck()
        monkeypatch.setenv("ALLOWED_HOSTS", "portal.example.org")
        assert healthcheck.check_web(port)
        # With a Host that Django refuses (400), the check fails: the header matters.
        monkeypatch.setenv("ALLOWED_HOSTS", "elsewhere.example.net")
        assert not healthcheck.check_web(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = log_path.read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    access = [r for r in records if r.get("logger") == "gunicorn.access"]
    assert any("GET /healthz" in r["message"] and '" 200 ' in r["message"] for r in access)
    assert {"time", "level", "logger", "message"} <= set(access[0])
