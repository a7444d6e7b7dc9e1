import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.db import connection
from django.urls import reverse

from members.models import Person, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-2026"  # UserFactory's
LINK = re.compile(r"https?://\S+")


def _link(message, contains: str) -> str:
    """The path of the first link in an email whose path contains ``contains``."""
    for url in LINK.findall(message.body):
        if contains in url:
            return urlsplit(url).path
    raise AssertionError(f"no {contains} link in: {message.body}")


def _verified_user(email="ana@example.org"):
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM portal_cache")
        return cursor.fetchone()[0]


# --- Sign-up and verification -----------------------------------------------------------------


def test_signup_requires_following_the_emailed_confirmation_link(
    client, django_capture_on_commit_callbacks
):
    # allauth's emails go through the outbox, sent once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new.person@example.org",
                "password1": "a-long-pass-2026",
                "password2": "a-long-pass-2026",
                "display_name": "New Person",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.person@example.org")
    assert Person.objects.get(user=user).display_name == "New Person"
    assert not EmailAddress.objects.get(user=user).verified

    # Not signed in yet: my page sends them to sign in, and signing in asks to verify first.
    me = client.get(reverse("members:me"))
    assert me.status_code == 302
    assert me["Location"].startswith(reverse("account_login"))
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _login(client, "new.person@example.org", "a-long-pass-2026")
    assert attempt["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("members:me")).status_code == 302

    [*_, message] = mail.outbox
    assert message.to == ["new.person@example.org"]
    confirm = _link(message, "/accounts/confirm-email/")
    assert client.get(confirm).status_code == 200  # a page with a button: GET changes nothing
    assert not EmailAddress.objects.get(user=user).verified
    client.post(confirm)

    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("members:me")).status_code == 200


def test_signup_asks_for_the_display_name(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "x@example.org",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
        },
    )
    assert response.status_code == 200
    assert 'id="id_display_name"' in response.content.decode()
    assert not User.objects.filter(email="x@example.org").exists()


def test_login_is_by_email(client):
    _verified_user("ana@example.org")
    page = client.get(reverse("account_login")).content.decode()
    assert 'name="login"' in page
    assert 'type="email"' in page
    response = _login(client, "ANA@example.org", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("members:me")
    assert client.get(reverse("members:me")).status_code == 200


def test_login_with_a_wrong_password_is_refused_with_a_message(client):
    _verified_user("ana@example.org")
    response = _login(client, "ana@example.org", "wrong-password")
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert client.get(reverse("members:me")).status_code == 302


# --- Rate limits, counted in the database cache ----------------------------------------------


def test_failed_logins_for_one_address_lock_it_even_for_the_right_password(client):
    _verified_user("ana@example.org")
    assert _cache_rows() == 0
    for _ in range(5):
        assert _login(client, "ana@example.org", "wrong-password").status_code == 200
    assert _cache_rows() > 0  # the counts live in the shared database cache

    response = _login(client, "ana@example.org", PASSWORD)

    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert client.get(reverse("members:me")).status_code == 302


def test_repeated_login_attempts_from_one_address_eventually_answer_429(client):
    statuses = [
        _login(client, f"nobody{n}@example.org", "wrong-password").status_code for n in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    # Another client address is not affected.
    other = client.post(
        reverse("account_login"),
        {"login": "nobody@example.org", "password": "x"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 200


# --- Password reset ---------------------------------------------------------------------------


def test_password_reset_emails_a_link_that_sets_a_new_password(
    client, django_capture_on_commit_callbacks
):
    _verified_user("ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "ana@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    link = _link(message, "/accounts/password/reset/key/")

    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_password_url = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(
        set_password_url, {"password1": "brand-new-pass-2026", "password2": "brand-new-pass-2026"}
    )
    assert done.status_code == 302
    assert User.objects.get(email="ana@example.org").check_password("brand-new-pass-2026")


def test_password_reset_for_an_unknown_address_sends_no_reset_link(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)


# --- Two-factor sign-in for staff -------------------------------------------------------------


def test_staff_without_totp_are_sent_to_set_it_up_when_it_is_required(client, settings, curator):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(curator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index") + "?required=1"
    assert client.get(reverse("admin:members_agency_changelist")).status_code == 302
    # Pages outside the admin are not affected.
    assert client.get(reverse("members:me")).status_code == 200


def test_staff_with_only_recovery_codes_are_still_sent_to_set_up_totp(client, settings, curator):
    settings.MFA_REQUIRED_FOR_STAFF = True
    Authenticator.objects.create(
        user=curator, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"}
    )
    client.force_login(curator)
    assert client.get(reverse("admin:index")).status_code == 302


def test_staff_with_a_totp_authenticator_reach_the_admin(client, settings, curator):
    settings.MFA_REQUIRED_FOR_STAFF = True
    Authenticator.objects.create(user=curator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(curator)
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_reach_the_admin_when_two_factor_is_not_required(client, settings, curator):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(curator)
    assert client.get(reverse("admin:index")).status_code == 200
