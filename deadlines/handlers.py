"""The stage deadline's reminder as an action of the automation outbox: recorded by
``deadlines.services.reminders_sweep`` once the deadline has passed, run exactly once."""

from django.utils.translation import gettext_lazy as _

from deadlines.services import REMINDER_ACTION, reminder_send
from deals.automation import on_demand

on_demand(key=REMINDER_ACTION, label=_("Reminder: the stage deadline has passed"))(reminder_send)
