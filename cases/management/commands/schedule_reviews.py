"""`manage.py schedule_reviews`: give clients approved before periodic review existed their
next review date (docs/risk.md). Safe to run again: it only adds what is missing."""

from django.core.management.base import BaseCommand

from cases.reviews.backfill import schedule_missing_reviews


class Command(BaseCommand):
    help = "Schedule the next periodic review of approved clients that have no date yet."

    def handle(self, *args, **options) -> None:
        scheduled = schedule_missing_reviews()
        self.stdout.write(f"scheduled={len(scheduled)}")
