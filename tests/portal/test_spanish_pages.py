"""Every page in Spanish holds no English of the portal's own (issue #15).

Two kinds of check:

- **Rendered pages.** Every GET of the permission matrix that answers a page (each role that
  gets 200; the blank-form POSTs that answer the form again), allauth's pages, every admin page
  a superuser opens, and the error pages, asked for with the language cookie ``es``: each
  declares ``<html lang="es"`` and its visible text (and ``title``, ``alt``, ``aria-label``,
  ``placeholder``, ``data-confirm``, the ``value`` of buttons) holds no English sentence of the
  catalogue: no msgid of two words or more whose Spanish differs.
- **Static checks**, for what the catalogue cannot know: literal English in a template outside
  ``{% translate %}``/``{% blocktranslate %}``, and English strings in Python that reach pages
  without gettext (form labels, help texts, verbose names, choices, messages, admin actions and
  columns, validation errors, ``__str__``, the text of ``.ics`` files and charts).

Each check is seen failing on a sample of its own (the ``*_catches_*`` tests).
"""

import ast
import html
import re
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import allauth
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db.models import CharField, TextField
from django.template import engines
from django.template.base import Lexer, TokenType
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from members.models import County
from portal import dates
from tests import url_world
from tests.conftest import ROLES
from tests.members.test_permissions import (
    ALLAUTH_MATRIX,
    BLANK_FORM,
    MATRIX,
    SIGNED_IN,
    admin_expected,
)
from tests.portal.test_translations import PO, entries
from tests.url_world import ADMIN_ROUTES, admin_urls, allauth_url, url_for

world = url_world.world
admin_world = url_world.admin_world

ROOT = Path(__file__).resolve().parents[2]

# --- The catalogue's English -------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
WORD = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?")
# A token of letters, digits and joiners: a word only when it holds letters alone
# ("check-in", "CANCELLED"), not a code ("7KQ2-M4XD", "ABCD-2345") or a name ("agency_list").
TOKEN = re.compile(r"[\w'’-]+")


def normalise(text: str) -> str:
    """One space between words, none before closing punctuation or after opening."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" ([.,;:!?)\]»])", r"\1", text)
    return re.sub(r"([(\[«¿¡]) ", r"\1", text)


def _strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def english_phrases(*catalogues: Path) -> list[tuple[str, list[str], re.Pattern]]:
    """(msgid, its literal parts, pattern) for each msgid of at least two words whose Spanish
    differs."""
    phrases = {}
    found = [item for catalogue in catalogues for item in entries(catalogue.read_text()).items()]
    for (_ctx, msgid), entry in found:
        for english in filter(None, (msgid, entry["plural"])):
            if english in entry["strings"]:
                continue
            parts = [normalise(_strip_tags(part)) for part in PLACEHOLDER.split(english)]
            parts = [part for part in parts if part]
            if sum(len(WORD.findall(part)) for part in parts) < 2:
                continue
            body = r"[^\n]{0,200}?".join(re.escape(part) for part in parts)
            phrases[english] = (parts, re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])"))
    return [(msgid, parts, pattern) for msgid, (parts, pattern) in phrases.items()]


ENGLISH = english_phrases(PO)
# With allauth's catalogue, for the pages outside the admin: a sentence its Spanish lacks would
# be English on the account pages. (The admin's page of allauth's authenticators names a column
# from a field without a verbose name, "Last used at", which no catalogue holds.)
ALLAUTH_PO = Path(allauth.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po"
ENGLISH_AND_ALLAUTH = english_phrases(PO, ALLAUTH_PO)


def english_in(text: str, phrases=ENGLISH) -> list[str]:
    """The catalogues' English sentences found in ``text`` (one line per element)."""
    return [
        msgid
        for msgid, parts, pattern in phrases
        if all(part in text for part in parts) and pattern.search(text)
    ]


# --- What a page shows -------------------------------------------------------------------------

# Elements whose text runs on in the line around them; any other tag starts a new line.
INLINE = {"a", "abbr", "b", "bdi", "cite", "code", "em", "i", "kbd", "mark", "q", "s", "small"}
INLINE |= {"span", "strong", "sub", "sup", "time", "u", "var", "wbr", "br", "data", "dfn"}
SHOWN_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "data-confirm", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}


class VisibleText(HTMLParser):
    """The text a person reads or hears: element text (not script or style), and the
    attributes shown as text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.attributes: list[str] = []
        self.hidden = 0
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in {"script", "style", "template"}:
            self.hidden += 1
        if tag not in INLINE:
            self.lines.append("")
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.attributes.append(attrs[name])
        if tag == "input" and (attrs.get("type") or "").lower() in BUTTON_TYPES:
            self.attributes.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"}:
            self.hidden = max(self.hidden - 1, 0)
        if tag not in INLINE:
            self.lines.append("")

    def handle_data(self, data):
        if not self.hidden:
            self.lines[-1] += data

    def text(self) -> str:
        return "\n".join(
            line for line in (normalise(line) for line in self.lines + self.attributes) if line
        )


def visible(page: str) -> VisibleText:
    parser = VisibleText()
    parser.feed(page)
    parser.close()
    return parser


# The apps whose rows hold curated content: shown in the language it was written in.
CONTENT_APPS = ("members", "trainings", "resources", "portal", "community")


def curated_texts() -> list[str]:
    """The texts of the database's rows (titles, summaries, names, milestones): content,
    written in one language and never translated, longest first. The check leaves them out,
    so an English training title that happens to hold a sentence of the catalogue is no
    finding. (Permissions' names are Django's rows, not content: they stay in.)"""
    texts = set()
    for label in CONTENT_APPS:
        for model in apps.get_app_config(label).get_models():
            fields = [
                field.name
                for field in model._meta.concrete_fields
                if isinstance(field, CharField | TextField) and not field.choices
            ]
            for values in model.objects.values_list(*fields) if fields else ():
                texts.update(value for value in values if value and " " in value.strip())
    return sorted(texts, key=len, reverse=True)


def _without(text: str, curated: list[str]) -> str:
    for content in curated:
        text = text.replace(normalise(html.unescape(content)), "\x00")
    return text


# English no catalogue can translate: allauth's authenticators' admin names a column from a
# field without a verbose name. (Left out as a whole, so "Last used" of the portal's own
# catalogue does not match inside it.)
UNTRANSLATABLE = ("Last used at", "last used at")


def page_problems(
    label: str, response, curated: list[str] = (), phrases=ENGLISH_AND_ALLAUTH
) -> list[str]:
    """What is wrong with one Spanish page: its lang, and each English sentence on it
    (``curated``: the database's content, left out)."""
    content_type = response.get("Content-Type", "")
    if getattr(response, "streaming", False):
        # Read to the end, which closes the file (the test client's wrapper does, without
        # closing the test's database connection as response.close() would).
        b"".join(response.streaming_content)
        return []
    if content_type.startswith("text/calendar"):
        # Unfolded text lines; PRODID names the program that wrote the file, for machines.
        lines = response.content.decode().replace("\r\n ", "").replace("\\n", "\n").splitlines()
        body = "\n".join(line for line in lines if not line.startswith("PRODID:"))
        return [f"{label}: {found!r}" for found in english_in(_without(body, curated), phrases)]
    if not content_type.startswith("text/html"):
        return []
    body = response.content.decode()
    shown = visible(body)
    text = _without(shown.text(), [*curated, *UNTRANSLATABLE])
    problems = [f"{label}: {found!r}" for found in english_in(text, phrases)]
    if not (shown.lang or "").startswith("es"):
        problems.insert(0, f'{label}: <html lang="{shown.lang}">, not "es"')
    return problems


def spanish_client(user=None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    if user is not None:
        client.force_login(user)
    return client


# --- The pages ---------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db

# What the blank-form POSTs of the matrix answer with the form again (with its messages).
FORM_AGAIN = {200, 400}


# The API's reference (Swagger UI, django-ninja's page) is developer documentation in English,
# like the field names it documents; it declares lang="en" (templates/ninja/swagger.html).
ENGLISH_ONLY = {"api:api-root", "api:openapi-view"}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_matrix_is_in_spanish(request, world, role):
    user = request.getfixturevalue(role)
    client = spanish_client(user)
    problems, pages = [], 0
    curated = curated_texts()
    for method in ("GET", "POST"):
        for name, row in MATRIX.items():
            expected = row[method][role]
            if expected != 200 and not (method == "POST" and expected in FORM_AGAIN):
                continue
            if name in ENGLISH_ONLY:
                continue
            url = url_for(name, world)
            response = client.get(url) if method == "GET" else client.post(url, BLANK_FORM)
            assert response.status_code == expected, (method, url, response.status_code)
            if response.get("Content-Type", "").startswith("text/html"):
                pages += 1
            problems += page_problems(f"{method} {url}", response, curated)
    assert pages >= 10
    assert not problems, "English on Spanish pages:\n" + "\n".join(problems)


def _recently_signed_in(client, user):
    """As if ``user`` had just typed their password: allauth's pages that change a sign-in
    method (two-factor) open instead of asking to confirm it."""
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": user.email, "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


# Pages of allauth a signed-in person opens once they have just confirmed their password.
AFTER_REAUTHENTICATION = ("mfa_activate_totp", "mfa_generate_recovery_codes")


@pytest.mark.parametrize("role", ["anonymous", SIGNED_IN])
def test_every_account_page_is_in_spanish(member, role):
    client = spanish_client()
    if role == SIGNED_IN:
        member.emailaddress_set.create(email=member.email, verified=True, primary=True)
        client.force_login(member)
        _recently_signed_in(client, member)
    problems, pages = [], 0
    for name, row in ALLAUTH_MATRIX.items():
        if row["GET"][role] != 200 and not (role == SIGNED_IN and name in AFTER_REAUTHENTICATION):
            continue
        url = allauth_url(name)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages += 1
        problems += page_problems(f"GET {url}", response)
        if name in {"account_login", "account_signup", "account_reset_password"}:
            # The form again, with its messages beside the fields.
            response = client.post(url, BLANK_FORM)
            problems += page_problems(f"POST {url}", response)
    assert pages >= (8 if role == SIGNED_IN else 7)
    assert not problems, "English on Spanish pages:\n" + "\n".join(problems)


def test_every_admin_page_is_in_spanish(admin_world, superuser):
    client = spanish_client(superuser)
    problems, pages = [], 0
    curated = curated_texts()
    for route in ADMIN_ROUTES:
        if route.name in {"admin:login", "admin:jsi18n"}:
            continue
        for url in admin_urls(route, admin_world):
            if admin_expected(route, url, superuser) != 200:
                continue
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            pages += 1
            problems += page_problems(f"GET {url}", response, curated, phrases=ENGLISH)
    assert pages > 80
    assert not problems, "English on Spanish pages:\n" + "\n".join(problems)


def test_the_error_pages_are_in_spanish(world, staff_a):
    client = spanish_client()
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    problems = page_problems("404", response)
    # A manage page of their own agency, to staff who don't coordinate it.
    response = spanish_client(staff_a).get(url_for("members:manage_home", world))
    assert response.status_code == 403
    assert "Solo los coordinadores de la agencia" in response.content.decode()
    problems += page_problems("403", response)
    with translation.override("es"):
        for template in ("500.html", "503.html"):
            page = render_to_string(template)
            shown = visible(page)
            assert shown.lang == "es", template
            problems += [f"{template}: {found!r}" for found in english_in(shown.text())]
    assert not problems, "English on Spanish pages:\n" + "\n".join(problems)


def test_the_page_check_catches_english_left_on_a_spanish_page(world):
    """The check fails on a Spanish page holding a sentence of the catalogue left in English
    (in its text or in an attribute), and on a page in English; content is left out."""
    msgid = "Browse upcoming trainings"
    assert msgid in [found for found, _parts, _pattern in ENGLISH]
    with translation.override("es"):
        spanish = render_to_string("404.html")
    assert page_problems("404", _FakeResponse(spanish)) == []
    in_text = spanish.replace("</main>", f"<p>{msgid}</p></main>")
    assert page_problems("404", _FakeResponse(in_text)) == [f"404: {msgid!r}"]
    in_title = spanish.replace("</main>", f'<p title="{msgid}">—</p></main>')
    assert page_problems("404", _FakeResponse(in_title)) == [f"404: {msgid!r}"]
    with_placeholder = spanish.replace(
        "</main>",
        "<p>You are signed in as a@b.org, which "
        "cannot use the curation area. Ask the portal's administrators if you need it.</p></main>",
    )
    assert len(page_problems("404", _FakeResponse(with_placeholder))) == 1
    # A training titled with a sentence of the catalogue is content, not a finding.
    world.training.title = f"{msgid} with us"
    world.training.save()
    as_content = spanish.replace("</main>", f"<h2>{world.training.title}</h2></main>")
    assert page_problems("404", _FakeResponse(as_content), curated_texts()) == []
    with translation.override("en"):
        english = render_to_string("404.html")
    problems = page_problems("404", _FakeResponse(english))
    assert problems[0] == '404: <html lang="en">, not "es"'
    assert f"404: {msgid!r}" in problems


class _FakeResponse(dict):
    def __init__(self, content: str):
        super().__init__({"Content-Type": "text/html; charset=utf-8"})
        self.content = content.encode()


# --- Templates: no literal English outside the translate tags ----------------------------------

TEMPLATES = ROOT / "templates"
# Machine-read files, not pages.
NOT_PAGES = {"robots.txt"}
NOT_CHECKED_YET: set[str] = set()
# Words a template may hold as they are, in every language.
ALLOWED_WORDS = {"NMT", "NME", "CE", "PDF", "CSV", "XLSX", "QR", "ICS", "iCal", "ZIP", "ID"}
ALLOWED_WORDS |= {"PST", "PDT", "URL", "BHRS", "Neurosequential", "Network"}
# Tags whose content is no text at all (or translated as a whole).
VERBATIM_OPEN = {"blocktranslate", "blocktrans", "comment", "verbatim"}
# Blocks that fill an attribute no one reads.
UNSHOWN_BLOCKS = {"body_class"}


def template_text_nodes(source: str) -> list[str]:
    """The literal text a template shows: its text outside the translate tags and comments,
    with the shown attributes, template tags and variables left out."""
    kept, skipping = [], None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            bits = token.contents.split()
            command = bits[0] if bits else ""
            if skipping:
                if command == f"end{skipping}":
                    skipping = None
            elif command in VERBATIM_OPEN:
                skipping = command
            elif command == "block" and bits[1:2] and bits[1] in UNSHOWN_BLOCKS:
                skipping = "block"
            continue
        if skipping:
            continue
        if token.token_type == TokenType.VAR:
            so_far = "".join(kept)
            if so_far.rfind("<") > so_far.rfind(">"):
                kept.append(' data-value=""')  # a value inside a tag: attributes it writes
            else:
                kept.append("\x00")  # a value, whatever its words
        elif token.token_type == TokenType.TEXT:
            kept.append(token.contents)
    shown = visible("".join(kept))
    return [
        line.replace("\x00", " ")
        for line in shown.text().splitlines()
        if not line.startswith("\x00") or line.strip("\x00 ")
    ]


def english_words(text: str) -> list[str]:
    """The words of ``text`` that are no code, identifier or allowed name."""
    return [
        token
        for token in TOKEN.findall(text)
        if re.fullmatch(r"[A-Za-z]+(?:['’-][A-Za-z]+)*", token)
        and token not in ALLOWED_WORDS
        and len(token) > 1
    ]


def literal_english(source: str) -> list[str]:
    return [line for line in template_text_nodes(source) if english_words(line)]


def test_no_template_shows_literal_english():
    found = []
    for path in sorted(TEMPLATES.rglob("*")):
        relative = str(path.relative_to(ROOT))
        if path.is_file() and path.name not in NOT_PAGES and relative not in NOT_CHECKED_YET:
            found += [
                f"{path.relative_to(ROOT)}: {line!r}" for line in literal_english(path.read_text())
            ]
    assert found == []


def test_the_template_check_catches_literal_english():
    source = (
        "{% load i18n %}<h1>{% translate 'Trainings' %}</h1>"
        "{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}"
        "{% comment %}A note{% endcomment %}<p>{{ count }} · 3</p>"
        '<a href="{% url "home" %}" class="button">NMT</a>'
        '<p>Sign in</p><img alt="A logo"><input type="submit" value="Send">'
    )
    assert literal_english(source) == ["Sign in", "A logo", "Send"]
    # The check itself compiles what it reads: a broken sample would prove nothing.
    engines["django"].from_string(source.replace('"home"', "'home'"))


# --- Python: no English reaching a page without gettext ----------------------------------------

# Not api/: its OpenAPI texts (titles, summaries, field descriptions) are developer
# documentation in English, like the field names; its messages to people go through gettext.
PYTHON_ROOTS = ("portal", "members", "trainings", "resources", "community")
# Not pages: the demo data (curated content, English as written), settings, migrations.
PYTHON_SKIPPED = ("migrations", "management", "settings")
# Modules that show nothing to a person: the workers' watchdog (a Celery bootstep, its label is
# a name in the worker's log).
NOT_SHOWN_MODULES = {"portal/watchdog.py"}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext"}
GETTEXT |= {"pgettext_lazy", "npgettext", "npgettext_lazy", "format_lazy"}
# Keyword arguments and class attributes a person reads.
SHOWN_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label"}
SHOWN_KEYWORDS |= {"description", "short_description", "empty_value_display", "title"}
SHOWN_KEYWORDS |= {"message", "error_message", "summary", "name"}
SHOWN_ATTRIBUTE_NAMES = {"short_description", "title", "verbose_name", "verbose_name_plural"}
SHOWN_ATTRIBUTE_NAMES |= {"empty_value_display", "label", "help_text", "parameter_title"}
# Calls whose argument (by position) a person reads.
SHOWN_CALLS = {
    "success": 1,
    "info": 1,
    "warning": 1,
    "error": 1,
    "debug": 1,
    "add_message": 2,
    "message_user": 1,
    "ValidationError": 0,
    "add_error": 1,
    "format_html": 0,
    "bar_chart": 0,
    "build_calendar": None,
    "HttpResponseBadRequest": 0,
    "PermissionDenied": 0,
    "Http404": 0,
}
# Calls on these names are log lines, not messages to a person.
LOGGERS = {"logger", "log", "logging", "_log", "LOG"}
# .ics text: every string the calendar file carries.
CALENDAR_MODULES = {"trainings/ics.py"}


def _name(func) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _receiver(func) -> str:
    if isinstance(func, ast.Attribute):
        return _name(func.value)
    return ""


def _is_words(node) -> str | None:
    """The English of a string literal or an f-string's literal parts, if it has words."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = " ".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    else:
        return None
    text = _strip_tags(PLACEHOLDER.sub(" ", text)).strip()
    if text in PROPER_NAMES:
        return None
    if re.fullmatch(r'(?:[a-z-]+="[^"]*"\s*)+', text):
        return None  # an HTML attribute a helper writes (' lang="{}"'), no words
    words = english_words(text)
    # Words a person reads run with others, or one starts with a capital: "agency_list",
    # "utf-8" or "Y-m" are not read.
    if words and (" " in text or text[:1].isupper()):
        return text
    return None


def _strings_in(node) -> list[ast.AST]:
    """The string literals of an expression, stopping at gettext calls."""
    if isinstance(node, ast.Call) and _name(node.func) in GETTEXT:
        return []
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return [node]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [inner for element in node.elts for inner in _strings_in(element)]
    if isinstance(node, ast.Dict):
        return [inner for value in node.values for inner in _strings_in(value)]
    if isinstance(node, ast.BinOp | ast.IfExp):
        children = (
            (node.left, node.right) if isinstance(node, ast.BinOp) else (node.body, node.orelse)
        )
        return [inner for child in children for inner in _strings_in(child)]
    return []


def _choices_class(node: ast.ClassDef) -> bool:
    return any(_name(base) in {"TextChoices", "IntegerChoices", "Choices"} for base in node.bases)


def python_english(source: str, *, calendar: bool = False) -> list[tuple[int, str]]:
    """(line, text) of each English string ``source`` shows a person without gettext."""
    tree = ast.parse(source)
    found = []

    def report(nodes):
        for node in nodes:
            text = _is_words(node)
            if text:
                found.append((node.lineno, text))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in GETTEXT or _receiver(node.func) in LOGGERS:
                continue
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYWORDS or keyword.arg == "choices":
                    report(_strings_in(keyword.value))
            if name in SHOWN_CALLS:
                index = SHOWN_CALLS[name]
                args = node.args if index is None else node.args[index : index + 1]
                for arg in args:
                    report(_strings_in(arg))
            # A model field's first argument is its verbose name; a domain error's, its message.
            if name.endswith(("Field", "Error")) and name not in BUILTIN_ERRORS:
                for arg in node.args[:1]:
                    report(_strings_in(arg))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                attribute = target.attr if isinstance(target, ast.Attribute) else _name(target)
                if attribute in SHOWN_ATTRIBUTE_NAMES or attribute.endswith("CHOICES"):
                    report(_strings_in(node.value))
        elif isinstance(node, ast.ClassDef) and _choices_class(node):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    report(_strings_in(statement.value.elts[-1]))
        elif isinstance(node, ast.FunctionDef) and node.name == "__str__":
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and inner.value is not None:
                    report(_strings_in(inner.value))
        elif calendar and isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return | ast.Assign) and inner.value is not None:
                    report(_strings_in(inner.value))
    return sorted(set(found))


# The counties' names, the same in every language.
PROPER_NAMES = set(County.labels)
# Errors that never reach a page as a message (the program's own).
BUILTIN_ERRORS = {"ValueError", "TypeError", "RuntimeError", "KeyError", "LookupError"}
BUILTIN_ERRORS |= {"AttributeError", "AssertionError", "NotImplementedError", "OSError"}
BUILTIN_ERRORS |= {"ImproperlyConfigured", "OperationalError", "ImportError"}


def project_modules():
    for top in PYTHON_ROOTS:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if str(relative) in NOT_SHOWN_MODULES:
                continue
            if not any(part in PYTHON_SKIPPED for part in relative.parts):
                yield relative, path


def test_no_python_string_reaches_a_page_without_gettext():
    found = []
    for relative, path in project_modules():
        calendar = str(relative) in CALENDAR_MODULES
        for line, text in python_english(path.read_text(), calendar=calendar):
            found.append(f"{relative}:{line}: {text!r}")
    assert found == []


def test_the_python_check_catches_english_without_gettext():
    source = """
from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    TALK = "talk", "Talk"
    WORKSHOP = "workshop", _("Workshop")


class SignUp(forms.Form):
    email = forms.EmailField(label="Email address", help_text=_("We write to it."))
    nickname = forms.CharField(label=_("Nickname"))


@admin.action(description="Mark as done")
def mark_done(modeladmin, request, queryset):
    modeladmin.message_user(request, f"{queryset.count()} marked as done.")
    messages.success(request, _("Done."))
    logger.warning("Could not mark %s", queryset)


class Report:
    def __str__(self):
        return f"Report for {self.pk}"


def summary(training):
    return f"{training.title} (session 1 of 2)"
"""
    found = [text for _line, text in python_english(source)]
    assert found == ["Talk", "Email address", "Mark as done", "marked as done.", "Report for"]
    assert [text for _line, text in python_english(source, calendar=True)][-1] == (
        "(session 1 of 2)"
    )


def test_the_admin_registry_is_what_the_admin_page_check_opened():
    """Every registered model's pages are among the admin pages checked above."""
    names = {route.name for route in ADMIN_ROUTES}
    for model in admin.site._registry:
        label = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        assert label in names
    assert reverse("admin:index") == "/admin/"


# --- Dates: the language's own formats, never a hand-written pattern --------------------------

# Machine formats (URLs, ISO cells, datetime attributes) and the standard format names.
MACHINE_PATTERNS = {"Y-m", "Y-m-d", "Ymd", "c", "U", "%Y-%m", "%Y-%m-%d", "%Y-%m-%d %H:%M"}
FORMAT_NAME = re.compile(r"[A-Z_]+_FORMAT")
TEMPLATE_PATTERN = re.compile(r"\|(?:date|time):(?:\"([^\"]*)\"|'([^']*)')")
PATTERN_CALLS = {"date_format", "time_format", "strftime", "pattern_format", "format"}
# portal.dates is where the formats are applied (its "T" is the zone's name).
DATE_MODULES = {"portal/dates.py"}


def hand_written_patterns_in_template(source: str) -> list[str]:
    return [
        pattern
        for pair in TEMPLATE_PATTERN.findall(source)
        for pattern in [pair[0] or pair[1]]
        if pattern not in MACHINE_PATTERNS and not FORMAT_NAME.fullmatch(pattern)
    ]


def hand_written_patterns_in_python(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node.func) in PATTERN_CALLS:
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    pattern = arg.value
                    if pattern not in MACHINE_PATTERNS and not FORMAT_NAME.fullmatch(pattern):
                        if re.search(r"%[a-zA-Z]|^[DdFjlMmNnYyGgHhiAaPT ,.:\\-]+$", pattern):
                            found.append(pattern)
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(
                part.value for part in node.format_spec.values if isinstance(part, ast.Constant)
            )
            if "%" in spec and spec not in MACHINE_PATTERNS:
                found.append(spec)
    return found


def test_no_hand_written_date_pattern():
    found = [
        f"{path.relative_to(ROOT)}: {pattern!r}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for pattern in hand_written_patterns_in_template(path.read_text())
    ]
    found += [
        f"{relative}: {pattern!r}"
        for relative, path in project_modules()
        if str(relative) not in DATE_MODULES and "formats" not in relative.parts
        for pattern in hand_written_patterns_in_python(path.read_text())
    ]
    assert found == []


def test_the_date_check_catches_hand_written_patterns():
    template = (
        '{{ a|date:"F j, Y" }} {{ b|date:"SHORT_DATE_FORMAT" }} {{ c|date:\'Y-m\' }} '
        '{{ d|time:"g:i A" }}'
    )
    assert hand_written_patterns_in_template(template) == ["F j, Y", "g:i A"]
    python = (
        'date_format(day, "M j, Y"); date_format(day, "DATE_FORMAT"); '
        'value.strftime("%B %d"); value.strftime("%Y-%m-%d"); f"{day:%b %Y}"'
    )
    assert hand_written_patterns_in_python(python) == ["M j, Y", "%B %d", "%b %Y"]


# --- The account pages: sentence case, and allauth's strings in the portal's words -------------

ALLAUTH_OVERRIDES = ROOT / "locale" / "allauth"


class Labels(VisibleText):
    """The headings, buttons, labels and links of a page's main part, and its title."""

    LABELS = {"h1", "h2", "h3", "button", "label", "legend", "a", "title"}

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.labels: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.LABELS:
            self.open.append(tag)
            self.labels.append("")
        if tag == "input" and (dict(attrs).get("type") or "") in BUTTON_TYPES:
            self.labels.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            self.labels[-1] += data


# Names that keep their capital in a sentence.
PROPER_WORDS = {"Phase", "Pacific", "Bay", "Area", "Neurosequential", "Network", "Model"}


def title_case(label: str) -> bool:
    """ "Sign In", "Reset My Password": a word after the first capitalized, as English sentence
    case does not (names and abbreviations aside)."""
    words = re.findall(r"[A-Za-z][\w'’-]*", label.split("·")[0])
    return any(
        word[0].isupper() and not word.isupper() and word not in ALLOWED_WORDS | PROPER_WORDS
        for word in words[1:]
    )


def title_case_labels(page: str) -> list[str]:
    parser = Labels()
    main = page.split("<main", 1)[-1].split("</main>", 1)[0]
    head = page.split("</title>", 1)[0] + "</title>" if "</title>" in page else ""
    parser.feed(head + "<main" + main)
    return [normalise(label) for label in parser.labels if title_case(normalise(label))]


@pytest.mark.parametrize("role", ["anonymous", SIGNED_IN])
def test_the_account_pages_use_sentence_case(member, role):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if role == SIGNED_IN:
        member.emailaddress_set.create(email=member.email, verified=True, primary=True)
        client.force_login(member)
        _recently_signed_in(client, member)
    found = []
    for name, row in ALLAUTH_MATRIX.items():
        if row["GET"][role] != 200 and not (role == SIGNED_IN and name in AFTER_REAUTHENTICATION):
            continue
        page = client.get(allauth_url(name)).content.decode()
        assert 'lang="en"' in page
        found += [f"{name}: {label!r}" for label in title_case_labels(page)]
    assert found == []


def test_the_sentence_case_check_catches_title_case():
    page = (
        "<title>Sign In · NMT Community of Practice</title><main><h1>Sign In</h1>"
        "<label>Remember Me</label><button>Sign in</button><a>Forgot your password?</a>"
        '<input type="submit" value="Reset My Password"><h2>NMT Phase I</h2></main>'
    )
    assert title_case_labels(page) == [
        "Sign In · NMT Community of Practice",
        "Sign In",
        "Remember Me",
        "Reset My Password",
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_overrides_of_allauths_strings_are_allauths_and_compiled(language, tmp_path):
    """Each msgid of locale/allauth is one of allauth's (an upgrade that renames one makes
    this fail, not the page quietly fall back), placeholders are kept, and the committed .mo is
    what the .po compiles to (``make messages`` compiles them)."""
    po = ALLAUTH_OVERRIDES / language / "LC_MESSAGES" / "django.po"
    ours = entries(po.read_text())
    theirs = entries(ALLAUTH_PO.read_text())
    assert len(ours) >= 10
    assert sorted(set(ours) - set(theirs)) == []
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for (_ctx, msgid), entry in ours.items():
        assert sorted(placeholder.findall(entry["strings"][0])) == sorted(
            placeholder.findall(msgid)
        ), msgid
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)  # noqa: S603, S607
    assert po.with_suffix(".mo").read_bytes() == compiled.read_bytes(), "run make messages"


# --- Dates on Spanish pages -------------------------------------------------------------------

SPANISH_DAY = r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo) \d{1,2} de [a-z]+ de \d{4}"


def test_dates_on_spanish_pages_are_spanish_with_the_zone_named(world, coordinator_a):
    client = spanish_client(coordinator_a)
    training = world.training
    start = timezone.localtime(training.starts_at)
    with translation.override("es"):
        when = dates.time_range(training.starts_at, training.ends_at)
        month = dates.month(start)
        clock = f"{dates.clock(start)} {dates.zone(start)}"
    assert re.fullmatch(rf"{SPANISH_DAY} · \d+:\d\d – \d+:\d\d P[SD]T", when)

    detail = visible(client.get(training.get_absolute_url()).content.decode()).text()
    assert when in detail
    # In a sentence, the day keeps the lowercase Spanish gives it.
    assert re.search(rf"Cierre de la inscripción {SPANISH_DAY}, \d+:\d\d P[SD]T", detail)

    calendar = client.get(reverse("trainings:calendar") + f"?month={start:%Y-%m}")
    calendar_text = visible(calendar.content.decode()).text()
    assert f"Capacitaciones en {month}" in calendar_text
    assert re.fullmatch(r"[a-z]+ de \d{4}", month)
    assert clock in calendar_text

    check_in = visible(
        client.get(url_for("trainings:agency_hosted_check_in", world)).content.decode()
    ).text()
    assert when in check_in


def test_the_english_only_pages_say_so(world):
    """What the Spanish check leaves out declares its language, so a screen reader reads it
    with an English voice."""
    for name in ENGLISH_ONLY:
        page = spanish_client(None).get(url_for(name, world)).content.decode()
        assert '<html lang="en">' in page, name
