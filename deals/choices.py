"""Choice lists of deal fields (values are codes; labels are what staff see)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Service(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Acceptance")
    STORAGE = "storage", _("Storage")
    LABELING = "labeling", _("Labeling")
    HONEST_SIGN = "honest_sign", _("«Честный знак» marking")
    PACKING = "packing", _("Packing")
    KITTING = "kitting", _("Kitting")
    SHIPMENT = "shipment", _("Shipment to marketplaces")
    RETURNS = "returns", _("Returns")


class Marketplace(models.TextChoices):
    WILDBERRIES = "wildberries", "Wildberries"
    OZON = "ozon", "Ozon"
    YANDEX_MARKET = "yandex_market", _("Yandex Market")
    MEGAMARKET = "megamarket", _("Megamarket")
    OTHER = "other", _("Other")


class DeliveryMethod(models.TextChoices):
    OWN_TRANSPORT = "own_transport", _("Own transport")
    TRANSPORT_COMPANY = "transport_company", _("Transport company")
    COURIER = "courier", _("Courier")


class AcceptanceType(models.TextChoices):
    BY_BOXES = "by_boxes", _("By boxes")
    BY_UNITS = "by_units", _("By units with recount")
    QUALITY_CHECK = "quality_check", _("With quality check")


class Operation(models.TextChoices):
    LABELING = "labeling", _("Labeling")
    HONEST_SIGN = "honest_sign", _("«Честный знак» marking")
    PACKING = "packing", _("Packing")
    KITTING = "kitting", _("Kitting")
    QUALITY_CHECK = "quality_check", _("Quality check")
    PHOTO = "photo", _("Photo")


class DestinationType(models.TextChoices):
    MARKETPLACE = "marketplace", _("Marketplace warehouse")
    ADDRESS = "address", _("Address")
