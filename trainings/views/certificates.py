"""Certificates of attendance: the public verification page, a person's certificates and
transcript, their evaluations, and an agency's certificates as one ZIP per training."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from members.models import Person
from members.permissions import coordinator_required
from portal.downloads import pdf_response, zip_response

from .. import selectors, services
from ..certificates import certificate_pdf, transcript_pdf
from ..forms import EvaluationForm
from ..models import CODE_LENGTH, normalize_code


@require_safe
def certificate_lookup(request):
    """Type a verification code: it leads to the certificate's page, or says what is wrong."""
    typed = request.GET.get("code", "")
    error = ""
    if typed:
        code = normalize_code(typed, length=CODE_LENGTH)
        if code:
            return redirect("trainings:certificate_verify", code=code)
        error = _("A verification code has 20 letters and digits, e.g. 7KQ2-M4XD-9PZA-HT3C-W8NB.")
    return render(
        request,
        "trainings/certificates/lookup.html",
        {"typed": typed, "error": error},
        status=400 if error else 200,
    )


@require_safe
def certificate_verify(request, code: str):
    """Public: what the certificate says, or that it was revoked. Nothing else about the
    person."""
    certificate = selectors.certificate_by_code(code)
    response = render(
        request,
        "trainings/certificates/verify.html",
        {
            "certificate": certificate,
            "dates": selectors.certificate_content(certificate).dates,
            "ce_statement": selectors.ce_statement(certificate),
            "hours": selectors.hours_display(certificate.hours),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
@login_required
def my_certificates(request):
    return render(
        request,
        "trainings/certificates/mine.html",
        selectors.my_certificates(user=request.user),
    )


@require_safe
@login_required
def my_certificate_pdf(request, code: str):
    certificate = selectors.my_certificate(user=request.user, code=code)
    body = certificate_pdf(selectors.certificate_content(certificate))
    return pdf_response(certificate.filename, body)


@require_safe
@login_required
def my_transcript_pdf(request):
    person = get_object_or_404(Person, user=request.user)
    body = transcript_pdf(**selectors.transcript(person=person))
    return pdf_response("transcript.pdf", body)


@login_required
def my_evaluation(request, registration_id: int):
    registration = selectors.evaluation_registration(
        user=request.user, registration_id=registration_id
    )
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_submit(
                registration=registration, user=request.user, **form.cleaned_data
            )
        except services.EvaluationError as error:
            form.add_error(error.extra.get("field"), error.message)
        else:
            messages.success(request, _("Thank you for your evaluation."))
            return redirect("trainings:my_certificates")
    return render(
        request,
        "trainings/certificates/evaluation.html",
        {
            "registration": registration,
            "training": registration.training,
            "form": form,
            "done": hasattr(registration, "evaluation"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_safe
@coordinator_required
def agency_certificates(request, agency):
    return render(
        request,
        "trainings/certificates/agency.html",
        {"agency": agency, "trainings": selectors.agency_certificate_trainings(agency=agency)},
    )


@require_safe
@coordinator_required
def agency_certificates_zip(request, agency, training_slug: str):
    """Every valid certificate of the agency's staff for one training, as a ZIP that streams:
    each PDF is made as the previous one goes out."""
    training, certificates = selectors.agency_training_certificates(
        agency=agency, training_slug=training_slug
    )
    members = [
        (
            f"{certificate.name} {certificate.code}.pdf".replace("/", "-"),
            lambda certificate=certificate: certificate_pdf(
                selectors.certificate_content(certificate)
            ),
        )
        for certificate in certificates
    ]
    return zip_response(f"certificates-{training.slug}.zip", members)
