"""The curators' admin for trainings, by subdomain. Importing the modules registers them."""

from . import catalogue, registrations, series

__all__ = ["catalogue", "registrations", "series"]
