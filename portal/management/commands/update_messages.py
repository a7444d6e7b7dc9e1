from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Update the Spanish catalogue (locale/es) from the code and templates, then compile it. "
        "Needs GNU gettext; the compiled catalogue is committed, so running the portal does not."
    )

    def handle(self, *args, **options):
        call_command(
            "makemessages",
            locale=["es"],
            ignore_patterns=settings.MAKEMESSAGES_IGNORE,
            no_location=True,
            verbosity=options["verbosity"],
        )
        call_command("compilemessages", locale=["es"], verbosity=options["verbosity"])
