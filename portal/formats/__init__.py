"""Each language's own date and time formats (``FORMAT_MODULE_PATH``), used by ``portal.dates``
and by templates as ``|date:"SHORT_DATE_FORMAT"``: no page or email writes an English pattern.
Names Django does not override here (input formats, number grouping) keep Django's locale data."""
