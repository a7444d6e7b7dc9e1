"""Screenshots of the main pages in one language, at a phone's width and a desktop's, for review.

Not a test and not a benchmark: it serves the portal with the demo data (`seed_demo`) from a
scratch database (``SCREENS_DATABASE_URL``, e.g. an empty PostgreSQL database of its own;
a SQLite file in a temporary folder by default), signs in as the demo practitioner and coordinator, and saves full-page
screenshots to ``SCREENS_DIR`` (``/work/screens/<language>`` by default):

    .venv/bin/python bench/screens.py            # SCREENS_LANGUAGE=es by default

Each page is named ``<width>-<nn>-<page>.png``. The practitioner registers for a training on
the way (the registration confirmation page), in the scratch database only.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = os.environ.get("SCREENS_LANGUAGE", "es")
OUT = Path(os.environ.get("SCREENS_DIR", f"/work/screens/{LANGUAGE}"))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
WIDTHS = {390: 844, 1280: 900}
PASSWORD = "nmt-demo-2026"  # noqa: S105 - the demo sign-ins' (README)
# Register buttons, by language: the confirmation page comes after one of them.
REGISTER = {"en": "Register", "es": "Inscribirse"}
SIGN_IN = {"en": "Sign in", "es": "Iniciar sesión"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def slugs(env: dict) -> dict:
    """The demo data's addresses to visit, read through the ORM of the scratch database."""
    code = """
from members.models import Agency
from resources.models import Resource
from trainings.models import Training
agency = Agency.objects.get(slug="san-mateo-county-bhrs")
resource = Resource.objects.published().order_by("-published_at").first()
trainings = (
    Training.objects.published().upcoming()
    .exclude(registrations__person__user__email="practitioner@example.org")
    .order_by("starts_at").values_list("slug", flat=True)[:15]
)
print(agency.slug, resource.slug, *trainings)
"""
    # The last line: Django 5.2's shell says first how many objects it imported.
    agency, resource, *trainings = manage(env, "shell", "-c", code).strip().splitlines()[-1].split()
    return {"agency": agency, "resource": resource, "trainings": trainings}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="nmt-screens-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DATABASE_URL": os.environ.get(
            "SCREENS_DATABASE_URL", f"sqlite:///{scratch / 'db.sqlite3'}"
        ),
        "MEDIA_ROOT": str(scratch / "media"),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_URL": "dummymail://",
    }
    env.pop("REDIS_URL", None)  # tasks in-process
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "createcachetable")
    manage(env, "seed_demo")
    where = slugs(env)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        shoot(f"http://127.0.0.1:{port}", where)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"Screenshots in {OUT}")


def shoot(base: str, where: dict) -> None:
    public = [
        ("home", "/"),
        ("catalogue", "/trainings/"),
        ("training", f"/trainings/{where['trainings'][0]}/"),
        ("library", "/resources/"),
        ("resource", f"/resources/{where['resource']}/"),
        ("directory", "/agencies/"),
        ("agency", f"/agencies/{where['agency']}/"),
        ("sign-in", "/accounts/login/"),
        ("sign-up", "/accounts/signup/"),
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for width, height in WIDTHS.items():
            number = 0

            def save(page, name, width=width):
                nonlocal number
                number += 1
                page.screenshot(path=OUT / f"{width}-{number:02d}-{name}.png", full_page=True)

            for who in (None, "practitioner@example.org", "coordinator@example.org"):
                context = browser.new_context(
                    base_url=base, viewport={"width": width, "height": height}
                )
                context.add_cookies([{"name": "django_language", "value": LANGUAGE, "url": base}])
                page = context.new_page()
                if who is None:
                    for name, path in public:
                        page.goto(path)
                        save(page, name)
                else:
                    page.goto("/accounts/login/")
                    page.locator("input[name=login]").fill(who)
                    page.locator("input[name=password]").fill(PASSWORD)
                    page.get_by_role("button", name=SIGN_IN[LANGUAGE]).click()
                    page.wait_for_load_state()
                    if who.startswith("practitioner"):
                        page.goto("/me/")
                        save(page, "me")
                        # The first training the practitioner may register for.
                        for slug in where["trainings"]:
                            page.goto(f"/trainings/{slug}/")
                            button = page.get_by_role("button", name=REGISTER[LANGUAGE], exact=True)
                            if button.count():
                                button.click()
                                page.wait_for_load_state()
                                break
                        save(page, "registration-confirmation")
                        page.goto("/me/trainings/")
                        save(page, "my-trainings")
                    else:
                        for name, path in (
                            ("manage-home", ""),
                            ("manage-staff", "staff/"),
                            ("manage-registrations", "registrations/"),
                        ):
                            page.goto(f"/agencies/{where['agency']}/manage/{path}")
                            save(page, name)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
