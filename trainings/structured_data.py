"""schema.org ``Event`` JSON-LD for a training page, so search engines can list it."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

from portal.content_language import language_tags

from .models import Format, Status, Training

_ATTENDANCE_MODE = {
    Format.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    Format.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
    Format.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}

# Same escapes as Django's json_script: the JSON can't close the <script> element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def event_data(training: Training) -> dict:
    url = settings.SITE_URL + training.get_absolute_url()
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": training.title,
        "description": training.summary,
        "url": url,
        "startDate": training.starts_at,
        "endDate": training.ends_at,
        "eventStatus": "https://schema.org/EventCancelled"
        if training.status == Status.CANCELLED
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": _ATTENDANCE_MODE[training.format],
    }
    tags = language_tags(training.language)
    data["inLanguage"] = tags[0] if len(tags) == 1 else tags
    locations = []
    if training.format != Format.ONLINE:
        locations.append(
            {
                "@type": "Place",
                "name": training.venue_name or training.get_county_display(),
                "address": training.venue_address or training.get_county_display(),
            }
        )
    if training.format != Format.IN_PERSON:
        # The join link is private; the public page stands in for it.
        locations.append({"@type": "VirtualLocation", "url": url})
    data["location"] = locations[0] if len(locations) == 1 else locations
    if training.host_agency:
        organizer = {"@type": "Organization", "name": training.host_agency.name}
        if training.host_agency.website:
            organizer["url"] = training.host_agency.website
        data["organizer"] = organizer
    data["maximumAttendeeCapacity"] = training.capacity
    return data


def event_jsonld(training: Training) -> SafeString:
    text = json.dumps(event_data(training), cls=DjangoJSONEncoder).translate(_SCRIPT_ESCAPES)
    return mark_safe(  # noqa: S308 - JSON with the script-closing characters escaped above.
        f'<script type="application/ld+json">{text}</script>'
    )
