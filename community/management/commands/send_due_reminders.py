import time

from django.core.management.base import BaseCommand

from community.services import dispatch_due


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
            done = dispatch_due()
            if done["reminders"] or done["certificates"] or done["sent"] or not loop:
                self.stdout.write(
                    f"Queued {done['reminders']} reminders, issued {done['certificates']} "
                    f"certificates, sent {done['sent']} emails."
                )
            if not loop:
                return
            time.sleep(interval)
