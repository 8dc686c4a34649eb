"""Which uploaded files a client may download through ``/files/`` and the portal's own
download views (``fulfillment.files.register_file_access``): the files the portal shows on
their own company's requests — invoices and acts, the recount file, the discrepancy act and
the recount photos — and nothing else. Anyone without an enabled client account is not
answered here (staff are answered by the other apps' checks)."""

from __future__ import annotations

from portal.accounts import client_account_of
from portal.selectors import client_may_download


def client_file_access(user, name: str) -> bool:
    account = client_account_of(user)
    if account is None:
        return False
    return client_may_download(account, name)
