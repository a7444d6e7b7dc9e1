"""The public pages of the monthly community digest: subscribe, confirm, unsubscribe.

Confirming and unsubscribing take a POST: mail scanners fetch the links in an email (GET), and
must not confirm or cancel anything by doing so. The pages say the same thing whether or not an
address is subscribed already.
"""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from portal import languages
from portal.origins import from_another_site

from .. import selectors, services
from ..forms import DigestSubscribeForm


# CSRF-exempt so that the footer of every page can subscribe in one POST: the public pages are
# cached whole and shared by anonymous visitors (portal/pagecache.py), so they carry no token.
# Safe, because all a subscription does is send the address a link to confirm it (double
# opt-in, at most once per CONFIRMATION_RESEND_AFTER): a forged request could do no more than
# anyone can do on this page, and cross-site cookies are SameSite=Lax, so it comes signed out.
# A POST from another site's page (its Origin) is refused all the same. The address travels
# only in the POST body: never in a URL, so in no access log.
@csrf_exempt
def digest_subscribe(request):
    """GET shows the form (with a member's own address filled in); POST, from this page or the
    footer of any page, subscribes."""
    if request.method == "POST" and from_another_site(request):
        return HttpResponseForbidden(
            _("Subscribe from the portal's own pages."), content_type="text/plain; charset=utf-8"
        )
    initial = {"email": request.user.email} if request.user.is_authenticated else {}
    form = DigestSubscribeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.digest_subscribe(email=email, user=request.user, language=languages.current())
        except services.DigestError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _(
                    "Thank you. Check your inbox at %(email)s: if the address still needs "
                    "confirming, a link to confirm it is on its way. Subscribing again is "
                    "harmless."
                )
                % {"email": email},
            )
            return redirect(reverse("members:digest_subscribe") + "?sent=1")
    return render(
        request,
        "members/digest/subscribe.html",
        {"form": form, "sent": request.method == "GET" and request.GET.get("sent") == "1"},
        status=400 if form.errors else 200,
    )


def digest_confirm(request, token: str):
    subscription = selectors.digest_subscription(token=token)
    if request.method == "POST":
        try:
            services.digest_confirm(subscription=subscription)
        except services.DigestError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your address is confirmed: the digest is on its way."))
        return redirect("members:digest_confirm", token=token)
    return render(request, "members/digest/confirm.html", {"subscription": subscription})


# Mail apps unsubscribe with a POST of "List-Unsubscribe=One-Click" (RFC 8058), from no page
# of ours, so there is no CSRF token. The token in the URL is the proof, and the worst a forged
# request could do is unsubscribe someone whose link it already holds.
@csrf_exempt
def digest_unsubscribe(request, token: str):
    subscription = selectors.digest_subscription(token=token)
    if request.method == "POST":
        services.digest_unsubscribe(subscription=subscription)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse(
                _("You are unsubscribed from the community digest."),
                content_type="text/plain; charset=utf-8",
            )
        messages.success(request, _("You are unsubscribed. No more digests will be sent."))
        return redirect("members:digest_unsubscribe", token=token)
    return render(request, "members/digest/unsubscribe.html", {"subscription": subscription})
