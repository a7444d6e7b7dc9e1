"""The admin's imports (ImportResource, and the import page's template): a file that can't be
imported is refused with a message a curator can act on, never a traceback with server paths."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.admin import AgencyResource
from members.models import Agency
from trainings.models import Training

pytestmark = pytest.mark.django_db

IMPORTS = {
    "members_agency": (Agency, b"name,kind,county,nmt_status\nBay CBO,cbo,alameda,implementing\n"),
    "trainings_training": (Training, b"title,kind,model\nA new training,concepts,nmt\n"),
}


def _upload(client, model: str, content: bytes):
    url = reverse(f"admin:{model}_import")
    form = client.get(url).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    return client.post(
        url,
        {
            "resource": "0",
            "format": formats["csv"],
            "import_file": SimpleUploadedFile("sheet.csv", content, content_type="text/csv"),
        },
    )


def _shows_no_internals(page: str) -> bool:
    return "Traceback" not in page and str(settings.BASE_DIR) not in page and ".py" not in page


@pytest.mark.parametrize("model", IMPORTS)
def test_a_file_without_a_slug_column_is_refused_with_a_message(client, superuser, model):
    client.force_login(superuser)
    entity, content = IMPORTS[model]

    response = _upload(client, model, content)

    page = response.content.decode()
    assert response.status_code == 200
    assert "The file has no “slug” column." in page
    assert _shows_no_internals(page)
    assert response.context.get("confirm_form") is None
    assert not entity.objects.exists()


@pytest.mark.parametrize("model", IMPORTS)
def test_a_file_with_a_nul_byte_is_refused_with_a_message(client, superuser, model):
    client.force_login(superuser)
    entity, content = IMPORTS[model]

    response = _upload(client, model, b"slug," + content.replace(b"\n", b"\nnul\x00slug,", 1))

    page = response.content.decode()
    assert response.status_code == 200
    assert "The file holds NUL bytes" in page
    assert _shows_no_internals(page)
    assert not entity.objects.exists()


def test_an_error_that_stops_an_import_shows_its_message_without_the_traceback(
    client, superuser, monkeypatch
):
    """Whatever stops a whole file (here a fault in a resource's hook) is listed by its message
    alone: django-import-export's own template would print the traceback, server paths and all."""

    def fault(self, dataset, **kwargs):
        raise ValueError("The sheet could not be read.")

    monkeypatch.setattr(AgencyResource, "before_import", fault)
    client.force_login(superuser)

    response = _upload(client, "members_agency", b"slug," + IMPORTS["members_agency"][1])

    page = response.content.decode()
    assert response.status_code == 200
    assert "The sheet could not be read." in page
    assert _shows_no_internals(page)
