"""Every write to the library: proposals, curation actions and file checks."""

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import selectors as member_selectors
from members.models import Agency, Person, User
from portal import notifications
from portal.exceptions import ApplicationError
from portal.models import ContentLanguage
from portal.slugs import unique_slug

from . import emails, uploads
from .models import Resource, ResourceStatus


class ResourceError(ApplicationError):
    pass


def _attach_file(resource: Resource, upload) -> None:
    """Check the upload's content and attach it under a name whose extension is the detected
    type's (an ``x.html`` that holds a PDF is stored as ``x.pdf``)."""
    resource.file_type = uploads.detect(upload)
    resource.file_size = upload.size
    name = uploads.file_name(upload.name or "", resource.file_type, default=resource.slug or "file")
    resource.file = File(upload, name=name)


@transaction.atomic
def resource_propose(
    *,
    person: Person,
    title: str,
    summary: str,
    body: str,
    kind: str,
    model: str,
    language: str = ContentLanguage.EN,
    topics=(),
    audiences=(),
    upload=None,
    external_url: str = "",
    agency: Agency | None = None,
) -> Resource:
    """A member proposes a resource or practice: saved as submitted, curators are emailed."""
    if bool(upload) == bool(external_url):
        raise ResourceError(_("Attach a file or give a link (one of the two)."))
    resource = Resource(
        title=title.strip(),
        slug=unique_slug(Resource, title, fallback="resource"),
        summary=summary.strip(),
        body=body,
        kind=kind,
        model=model,
        language=language,
        external_url=external_url,
        status=ResourceStatus.SUBMITTED,
        contributed_by=person,
        contributed_agency=agency,
    )
    if upload:
        _attach_file(resource, upload)
    resource.save()
    resource.topics.set(topics)
    resource.audiences.set(audiences)
    for language, curators in notifications.by_language(member_selectors.curator_recipients()):
        notifications.queue(
            emails.resource_submitted(
                resource=resource, person=person, curators=curators, language=language
            )
        )
    return resource


@transaction.atomic
def resource_save(*, resource: Resource, upload=None) -> Resource:
    """Save a resource edited as a whole (the admin form); a new file is checked first.

    A submission published here (its status changed in the form) emails its contributor, as
    the publish action does."""
    was_submitted = (
        resource.pk is not None
        and Resource.objects.filter(pk=resource.pk, status=ResourceStatus.SUBMITTED).exists()
    )
    if not resource.slug:
        resource.slug = unique_slug(Resource, resource.title, fallback="resource")
    if upload is not None:
        _attach_file(resource, upload)
    if resource.status == ResourceStatus.PUBLISHED and resource.published_at is None:
        resource.published_at = timezone.now()
    resource.save()
    if was_submitted and resource.status == ResourceStatus.PUBLISHED:
        _notify_contributor(resource, "resource_published")
    return resource


def _notify_contributor(resource: Resource, name: str) -> None:
    if resource.contributed_by is not None:
        notifications.queue(emails.resource_reviewed(resource=resource, name=name))


@transaction.atomic
def resource_publish(*, resource: Resource, reviewed_by: User) -> Resource:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.status == ResourceStatus.PUBLISHED:
        return resource
    was_submitted = resource.status == ResourceStatus.SUBMITTED
    resource.status = ResourceStatus.PUBLISHED
    resource.published_at = resource.published_at or timezone.now()
    resource.reviewed_by = reviewed_by
    resource.save(update_fields=["status", "published_at", "reviewed_by", "updated_at"])
    if was_submitted:
        _notify_contributor(resource, "resource_published")
    return resource


@transaction.atomic
def resource_decline(*, resource: Resource, reviewed_by: User, note: str) -> Resource:
    """Decline a submission with a note for the contributor (it goes back to draft)."""
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.status != ResourceStatus.SUBMITTED:
        raise ResourceError(_("Only submitted resources can be declined."))
    if not note.strip():
        raise ResourceError(_("Write a note for the contributor."))
    resource.status = ResourceStatus.DRAFT
    resource.review_note = note.strip()
    resource.reviewed_by = reviewed_by
    resource.save(update_fields=["status", "review_note", "reviewed_by", "updated_at"])
    _notify_contributor(resource, "resource_declined")
    return resource


def resource_archive(*, resource: Resource) -> Resource:
    resource.status = ResourceStatus.ARCHIVED
    resource.featured = False
    resource.save(update_fields=["status", "featured", "updated_at"])
    return resource


def resource_feature(*, resource: Resource, featured: bool) -> Resource:
    if featured and resource.status != ResourceStatus.PUBLISHED:
        raise ResourceError(_("Only published resources can be featured."))
    resource.featured = featured
    resource.save(update_fields=["featured", "updated_at"])
    return resource
