import time

from django.core.management.base import BaseCommand

from portal.services import outbox_dispatch
from trainings.services.reminders import reminders_enqueue_due


class Command(BaseCommand):
    help = (
        "Queue every due reminder and send every due email, once. Needs no Redis: it runs the "
        "same code as the beat-scheduled dispatcher. With --loop, repeats every --interval seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running (embedded default).")
        parser.add_argument("--interval", type=float, default=30.0)

    def handle(self, *args, loop: bool = False, interval: float = 30.0, **options):
        while True:
            reminders = reminders_enqueue_due()
            sent = outbox_dispatch()
            if reminders or sent or not loop:
                self.stdout.write(f"Queued {reminders} reminders, sent {sent} emails.")
            if not loop:
                return
            time.sleep(interval)
