"""The REST API for agencies' own systems (``/api/v1/``, django-ninja): the top layer, above
community. It reads through the apps' selectors and writes through their services, as the
pages do: the same rules, the same errors, the same 404 across agencies."""
