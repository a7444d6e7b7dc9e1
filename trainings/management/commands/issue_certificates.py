import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from trainings.services import certificates_issue_due


class Command(BaseCommand):
    help = (
        "Issue the certificates of attendance that are due for trainings ended in the last "
        "--days days (the dispatcher looks back 14 days by itself). Each attendee is emailed "
        "a link once; running it again issues nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14)

    def handle(self, *args, days: int = 14, **options):
        if not 1 <= days <= 3660:
            raise CommandError("--days must be between 1 and 3660.")
        issued = total = certificates_issue_due(since=dt.timedelta(days=days))
        while issued:
            issued = certificates_issue_due(since=dt.timedelta(days=days))
            total += issued
        self.stdout.write(f"Issued {total} certificates of attendance.")
