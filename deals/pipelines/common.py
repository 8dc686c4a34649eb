"""Requirements that several pipelines share (invoicing and payment, the client's details)."""

from deals.pipelines.base import req

COMPANY = req("company")
INVOICE = (
    req("invoice_number"),
    req("amount"),
    req("invoice_file"),
)
PAYMENT = (req("payment_date"), req("paid_amount"))

CLIENT_GROUP_FIELDS = ("title", "company", "contact", "responsible", "comment")
INVOICE_GROUP_FIELDS = ("invoice_number", "amount", "invoice_file", "payment_date", "paid_amount")
