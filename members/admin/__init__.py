"""The curators' admin for members, by subdomain. Importing the modules registers them."""

from . import agencies, claims, credentials, digests, people

__all__ = ["agencies", "claims", "credentials", "digests", "people"]
