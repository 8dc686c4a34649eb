"""Print a fresh VAPID key pair for Web Push, as environment variable lines."""

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management.base import BaseCommand
from py_vapid import Vapid02, b64urlencode


class Command(BaseCommand):
    help = "Generate the VAPID keys that enable phone push notifications."

    def handle(self, *args, **options) -> None:
        vapid = Vapid02()
        vapid.generate_keys()
        private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        public = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={b64urlencode(public)}")
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={b64urlencode(private)}")
        self.stdout.write("WEBPUSH_VAPID_SUBJECT=mailto:admin@example.com")
