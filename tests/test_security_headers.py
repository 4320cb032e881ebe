"""Headers a newsroom site sends, admin sign-in throttling and two-factor sign-in for staff."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_staff
from tests.test_faults import reader_urls

pytestmark = pytest.mark.django_db


def csp_directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def html_responses(newsroom, client):
    reader_pages = [url for url in reader_urls(newsroom) if "feed" not in url and "sitemap" not in url]
    pages = {url: Client().get(url) for url in reader_pages if not url.endswith(".txt")}
    pages["404"] = Client().get("/no/such/page/")
    pages["preview unavailable"] = Client().get(reverse("articles:preview", args=["not-a-token"]))
    pages["admin login"] = Client().get(reverse("admin:login"))
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))
    articles, _ = newsroom
    story = next(iter(articles.values()))
    for name in ("admin:index", "admin:articles_article_changelist", "admin:articles_article_add"):
        pages[name] = client.get(reverse(name))
    pages["admin change"] = client.get(reverse("admin:articles_article_change", args=[story.pk]))
    return pages


def test_every_html_page_carries_a_strict_content_security_policy(newsroom, client):
    for name, response in html_responses(newsroom, client).items():
        assert response["Content-Type"].startswith("text/html"), name
        directives = csp_directives(response)
        assert directives["default-src"] == ["'self'"], name
        if name.startswith("admin"):
            assert directives["script-src"] == ["'self'"], name  # Django's admin scripts, from this site
        else:
            # Only scripts carrying this response's nonce: nothing injected runs, inline or from elsewhere.
            # ('unsafe-inline' and https: are fallbacks for old browsers, ignored by those that know nonces.)
            nonce, *rest = directives["script-src"]
            assert re.fullmatch(r"'nonce-[A-Za-z0-9+/=]{20,}'", nonce), name
            assert rest == ["'strict-dynamic'", "'unsafe-inline'", "https:"], name
        assert directives["base-uri"] == ["'none'"], name
        assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"], name
        assert "'unsafe-inline'" not in directives["style-src"] + directives["default-src"], name
        # ...and the page has no inline script or style the policy would block.
        html = response.content.decode()
        inline_scripts = [
            match for match in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) if "ld+json" not in match
        ]
        assert not inline_scripts, (name, inline_scripts)
        assert not re.search(r"\sstyle=\"", html), name
        assert not re.search(r"\son[a-z]+=\"", html), name


def test_each_reader_page_gets_a_fresh_nonce(newsroom):
    first, second = (Client().get(reverse("articles:front_page")) for _ in range(2))
    assert csp_directives(first)["script-src"][0] != csp_directives(second)["script-src"][0]


def test_every_response_carries_the_isolation_headers(newsroom, client):
    for name, response in html_responses(newsroom, client).items():
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff", name


def test_server_errors_are_never_cached(client, settings, monkeypatch):
    from articles import views

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views.Article.objects, "for_listing", broken)
    client.raise_request_exception = False
    response = client.get(reverse("articles:front_page"))
    assert response.status_code == 500
    assert response["Cache-Control"] == "no-store"
    assert b"Something went wrong on our side" in response.content
    assert "Content-Security-Policy" in response


# --- sign-in throttling -----------------------------------------------------------------------


def sign_in(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"})


def test_wrong_passwords_lock_that_user_out_from_that_address_even_with_the_right_one(settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_staff("rita", "reporter")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert sign_in(attacker, "rita", "guess").status_code in (200, 429)
    locked = sign_in(attacker, "rita", "pw")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many wrong passwords" in page and "3 failed attempts" in page and "15 minutes" in page
    assert "_auth_user_id" not in attacker.session

    # The same user from elsewhere, and someone else from the same address, still get in.
    assert sign_in(Client(REMOTE_ADDR="198.51.100.7"), "rita", "pw").status_code == 302
    make_staff("otto", "reporter")
    assert sign_in(attacker, "otto", "pw").status_code == 302
    assert AccessAttempt.objects.filter(username="rita", ip_address="203.0.113.9").exists()


def test_the_lockout_ends_after_the_cool_off(settings):
    settings.AXES_FAILURE_LIMIT = 2
    make_staff("rita", "reporter")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(2):
        sign_in(client, "rita", "guess")
    assert sign_in(client, "rita", "pw").status_code == 429
    call_command("axes_reset", verbosity=0)  # what the cool-off (or an editor in the admin) does
    assert sign_in(client, "rita", "pw").status_code == 302


def test_a_success_before_the_limit_clears_the_count(settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_staff("rita", "reporter")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(2):
        sign_in(client, "rita", "typo")
    assert sign_in(client, "rita", "pw").status_code == 302
    client.logout()
    for _ in range(2):
        sign_in(client, "rita", "typo")
    assert sign_in(client, "rita", "pw").status_code == 302


# --- two-factor sign-in -------------------------------------------------------------------------


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def test_with_two_factor_on_staff_need_their_authenticator_code(settings, capsys):
    settings.STAFF_TWO_FACTOR = True
    make_staff("edna", "editor")
    call_command("add_totp_device", "edna")
    assert "otpauth://totp/" in capsys.readouterr().out
    device = TOTPDevice.objects.get(user__username="edna")

    client = Client()
    without_code = sign_in(client, "edna", "pw")
    assert without_code.status_code == 200 and "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302  # back to the sign-in page

    response = client.post(
        reverse("admin:login"),
        {"username": "edna", "password": "pw", "otp_device": device.persistent_id, "otp_token": current_code(device)},
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_with_two_factor_on_a_password_only_session_is_not_enough(settings, client):
    settings.STAFF_TWO_FACTOR = True
    client.force_login(make_staff("edna", "editor"))  # signed in, but not verified by a device
    assert client.get(reverse("admin:index")).status_code == 302
    settings.STAFF_TWO_FACTOR = False
    assert client.get(reverse("admin:index")).status_code == 200


def test_add_totp_device_refuses_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No staff user"):
        call_command("add_totp_device", "nobody")


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "198.51.100.1", "10.0.0.2"),  # no proxy of ours: the header is the client's say
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a forged entry in front is ignored
        (2, "198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "", "10.0.0.2"),
    ],
)
def test_throttling_counts_by_the_clients_address_behind_trusted_proxies(settings, rf, proxies, forwarded, expected):
    from newsroom.admin import client_ip_address

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/admin/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip_address(request) == expected
