"""PgBouncer in transaction pooling: the setting, and a portal that keeps no session state.

In transaction pooling each transaction may run on another server connection, shared with
other clients. What a session sets (``SET`` without ``LOCAL``, a session advisory lock, a
prepared statement, a cursor WITH HOLD) stays on that server connection and meets someone
else's next transaction. ``DATABASE_PGBOUNCER=true`` turns off what Django would keep there
(server-side cursors, prepared statements); the code is read for the rest; and a PgBouncer of
the test's own with a pool of one server connection shows both what holds (``SET LOCAL``, the
time zone Django sets) and, as negative controls, what would leak.

``make test-pgbouncer`` runs the concurrency tests of the whole suite through a PgBouncer as
well (``pytest --pgbouncer -m concurrency``, ``tests/conftest.py``).
"""

import ast
import shutil
import threading
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.portal.components import PgBouncer
from tests.processes import run_python
from tests.test_deployment import production_env

ROOT = Path(settings.BASE_DIR)
APPS = ("portal", "members", "trainings", "resources", "community")
SETTINGS_CODE = (
    "import django\n"
    "django.setup()\n"
    "from django.conf import settings\n"
    "db = settings.DATABASES['default']\n"
    "print(db.get('DISABLE_SERVER_SIDE_CURSORS', False),"
    " db.get('OPTIONS', {}).get('prepare_threshold', 'unset'),"
    " db.get('OPTIONS', {}).get('server_side_binding', 'unset'))\n"
)


@pytest.mark.parametrize("module", ["portal.settings.production", "portal.settings.local"])
def test_database_pgbouncer_turns_off_server_side_cursors_and_prepared_statements(module):
    env = production_env(DJANGO_SETTINGS_MODULE=module, DATABASE_PGBOUNCER="true")
    result = run_python(SETTINGS_CODE, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "None", "False"]
    env["DATABASE_PGBOUNCER"] = "false"
    result = run_python(SETTINGS_CODE, env)
    assert result.stdout.split() == ["False", "unset", "unset"]


# --- The code keeps no session state -----------------------------------------------------------


def session_state(source: str) -> list[str]:
    """What in this Python source would outlive a transaction on a pooled server connection."""
    found = []
    tree = ast.parse(source)
    # Docstrings talk about these things; only code does them.
    prose = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    for node in ast.walk(tree):
        if id(node) in prose:
            continue
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "iterator":
            found.append(f"line {node.lineno}: .iterator() (a server-side cursor)")
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        sql = node.value.strip()
        # SQL is written in capitals here; "Set up two-factor…" is not a statement.
        if sql.startswith(("SET ", "RESET ")) and not sql.startswith("SET LOCAL "):
            found.append(f"line {node.lineno}: {sql[:40]!r} (session-level SET)")
        for marker in ("pg_advisory_lock", "pg_try_advisory_lock", "LISTEN ", "PREPARE ",
                       "WITH HOLD", "CREATE TEMP"):  # fmt: skip
            if marker in sql:
                found.append(f"line {node.lineno}: {marker.strip()} in {sql[:40]!r}")
    return found


def test_the_reader_finds_each_kind_of_session_state():
    source = """
cursor.execute("SET lock_timeout = '5s'")
cursor.execute(f"SET statement_timeout = {n}")
cursor.execute("SELECT pg_advisory_lock(%s)", [key])
cursor.execute("SELECT pg_try_advisory_lock(1)")
cursor.execute("LISTEN outbox")
for row in Training.objects.all().iterator():
    pass
cursor.execute("SET LOCAL lock_timeout = '5s'")
cursor.execute("SELECT pg_advisory_xact_lock(1)")
title = _("Set up two-factor sign-in")
"""
    found = session_state(source)
    lines = sorted(int(line.split(":")[0].removeprefix("line ")) for line in found)
    assert lines == [2, 3, 4, 5, 6, 7]


def test_the_portal_keeps_no_session_state_a_transaction_pooler_would_lose():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            # Migrations run in one transaction each, straight on PostgreSQL (README).
            if "migrations" in path.parts:
                continue
            found += [f"{path.relative_to(ROOT)}: {f}" for f in session_state(path.read_text())]
    assert found == []


# --- Through a PgBouncer with one server connection ---------------------------------------------


@pytest.fixture
def one_server_connection(request, tmp_path):
    """A PgBouncer of this test's own, in transaction pooling with a pool of one: every client
    shares the same server connection, one transaction after another."""
    if not shutil.which("pgbouncer") and not Path("/usr/sbin/pgbouncer").exists():
        if request.config.getoption("pgbouncer"):
            pytest.fail("pgbouncer is not installed (apt-get install pgbouncer)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    params = connection.get_connection_params()
    tmp_path.chmod(0o755)
    bouncer = PgBouncer(
        tmp_path,
        server_host=params.get("host") or "127.0.0.1",
        server_port=int(params.get("port") or 5432),
        user=params["user"],
        pool_size=1,
    )
    bouncer.start()
    opened: list[psycopg.Connection] = []

    def connect(**options) -> psycopg.Connection:
        opened.append(
            psycopg.connect(
                host="127.0.0.1",
                port=bouncer.port,
                user=params["user"],
                dbname=params["dbname"],
                autocommit=True,
                **{"prepare_threshold": None, **options},
            )
        )
        return opened[-1]

    yield connect
    for conn in opened:
        conn.close()
    bouncer.stop()


def setting(conn: psycopg.Connection, name: str) -> str:
    return conn.execute("SELECT current_setting(%s)", [name]).fetchone()[0]


def backend(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT pg_backend_pid()").fetchone()[0]


@pytest.mark.django_db
@pytest.mark.concurrency
def test_set_local_and_the_time_zone_stay_with_their_client_on_a_shared_server_connection(
    one_server_connection,
):
    a, b = one_server_connection(), one_server_connection()
    assert backend(a) == backend(b)  # one server connection for both clients
    # The portal's lock timeouts: SET LOCAL, gone with the transaction.
    with a.transaction():
        a.execute("SET LOCAL lock_timeout = '3s'")
        assert setting(a, "lock_timeout") == "3s"
    assert setting(b, "lock_timeout") == "0"
    # Django sets the connection's time zone when it connects (a session SET, in autocommit):
    # PgBouncer keeps TimeZone per client and sets it again whenever a client comes back.
    a.execute("SET TIME ZONE 'UTC'")
    b.execute("SET TIME ZONE 'America/Los_Angeles'")
    for _ in range(3):
        assert setting(a, "TimeZone") == "UTC"
        assert setting(b, "TimeZone") == "America/Los_Angeles"
    assert backend(a) == backend(b)


@pytest.mark.django_db
@pytest.mark.concurrency
def test_negative_controls_a_session_set_and_a_prepared_statement_leak_to_the_next_client(
    one_server_connection,
):
    a, b = one_server_connection(), one_server_connection()
    a.execute("SET lock_timeout = '7s'")
    assert setting(b, "lock_timeout") == "7s"  # someone else's timeout: why only SET LOCAL
    b.execute("RESET lock_timeout")
    # psycopg preparing every statement (prepare_threshold=0): the first client's statement is
    # left on the server connection, and the second client's of the same name collides.
    c, d = one_server_connection(prepare_threshold=0), one_server_connection(prepare_threshold=0)
    c.execute("SELECT 1 + %s", [1])
    with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
        d.execute("SELECT 2 + %s", [2])


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_with_the_option_every_connection_goes_through_the_runs_pgbouncer(through_pgbouncer):
    """``pytest --pgbouncer``: the main thread's connection and a new thread's alike."""
    ports = []

    def connect() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        ports.append(connection.connection.info.port)
        connection.close()

    thread = threading.Thread(target=connect)
    thread.start()
    thread.join()
    connect()
    assert ports == [through_pgbouncer.port] * 2
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] is None
