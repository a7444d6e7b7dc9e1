from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from trainings.models import Training


class StaticSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["home", "trainings:list", "trainings:calendar", "trainings:past"]

    def location(self, item):
        return reverse(item)


class TrainingSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return Training.objects.listed().order_by("-starts_at", "pk").only("slug", "updated_at")

    def lastmod(self, training):
        return training.updated_at


SITEMAPS = {"static": StaticSitemap, "trainings": TrainingSitemap}
