"""What other apps add to the deal card: panels and timeline entries.

The core never imports ``documents``, ``correspondence`` or ``warehouse``; each registers,
from its ``AppConfig.ready``, a ``CardPanel`` (a block of the card: its template and a function
giving its context, or ``None`` where it does not apply to this deal or user) and a
``TimelineSource`` (its entries of a deal's timeline, each rendered by the source's template
with ``item`` in the context). One query per source and card, never one per entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from deals.models import Deal
    from fulfillment.roles import AnyUser


@dataclass(frozen=True)
class CardPanel:
    template: str
    # The panel's context for this request and deal; None hides the panel.
    context: Callable[[HttpRequest, Deal], dict[str, Any] | None]
    order: int = 100  # panels show by order, then by registration


@dataclass(frozen=True)
class TimelineSource:
    kind: str  # the entries' kind: the CSS class ``entry-<kind>`` and the sort tie-breaker
    template: str  # renders one entry; ``item`` is what ``entries`` gave
    # The deal's entries this user may see, as (moment, item) pairs: one query, not one per item.
    entries: Callable[[Deal, AnyUser], Iterable[tuple[datetime.datetime, Any]]]


_PANELS: dict[str, CardPanel] = {}
_SOURCES: dict[str, TimelineSource] = {}


def register_card_panel(panel: CardPanel) -> None:
    """Registering the same template twice (a reloaded app) keeps one panel."""
    _PANELS[panel.template] = panel


def register_timeline_source(source: TimelineSource) -> None:
    _SOURCES[source.kind] = source


@dataclass(frozen=True)
class ShownPanel:
    template: str
    context: dict[str, Any]


def card_panels(request: HttpRequest, deal: Deal) -> list[ShownPanel]:
    """The registered panels that apply to this deal and user, in their order."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: p.order):
        context = panel.context(request, deal)
        if context is not None:
            shown.append(ShownPanel(panel.template, context))
    return shown


def timeline_sources() -> list[TimelineSource]:
    return list(_SOURCES.values())
