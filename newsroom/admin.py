"""The admin site: Django's, with optional TOTP two-factor sign-in for staff (django-otp).

With settings.STAFF_TWO_FACTOR on, signing in asks for the code of the user's authenticator app and
only a session verified by it may use the admin. Read per request, so switching the setting needs no
other change. Devices are added with `manage.py add_totp_device USERNAME` or in the admin.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class NewsroomAdminSite(AdminSite):
    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.STAFF_TWO_FACTOR else None

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.STAFF_TWO_FACTOR else None

    def has_permission(self, request):
        allowed = super().has_permission(request)
        if settings.STAFF_TWO_FACTOR:
            return allowed and request.user.is_verified()
        return allowed


def client_ip_address(request):
    """The address sign-in throttling counts failures by (django-axes' AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT proxies (CDN, load balancer) REMOTE_ADDR is the nearest proxy's: each of ours
    appended the address it was reached from to X-Forwarded-For, so the client's is that many entries from
    the end. Entries before it are the client's own say and are never trusted.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return request.META.get("REMOTE_ADDR")
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    return forwarded[-proxies] if len(forwarded) >= proxies else request.META.get("REMOTE_ADDR")
