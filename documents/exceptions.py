"""Refusals of document generation (shown on the card, 400 on the API)."""

from fulfillment.exceptions import ApplicationError


class DocumentError(ApplicationError):
    """A document cannot be made: a wrong stage, missing requisites, no price, a broken
    template. Nothing was saved and no number was used."""
