"""The curators' admin for trainings, by subdomain. Importing the modules registers them."""

from . import catalogue, certificates, registrations, series

__all__ = ["catalogue", "certificates", "registrations", "series"]
