from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.commands import makemessages


class MakeMessages(makemessages.Command):
    # A new string starts empty rather than with a neighbour's translation marked fuzzy: the
    # catalogue test names every empty one, and no wrong guess can slip through.
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]


class Command(BaseCommand):
    help = (
        "Update the Spanish catalogue (locale/es) from the code and templates, then compile it "
        "and the hand-kept overrides of allauth's strings (locale/allauth). "
        "Needs GNU gettext; the compiled catalogue is committed, so running the portal does not."
    )

    def handle(self, *args, **options):
        call_command(
            MakeMessages(),
            locale=["es"],
            ignore_patterns=settings.MAKEMESSAGES_IGNORE,
            no_location=True,
            verbosity=options["verbosity"],
        )
        # Spanish, and the English of locale/allauth (allauth's strings in sentence case).
        call_command(
            "compilemessages",
            locale=["es", "en"],
            ignore_patterns=settings.MAKEMESSAGES_IGNORE,
            verbosity=options["verbosity"],
        )
