"""Small HTML building blocks where every value is escaped unless it is already trusted markup."""

from __future__ import annotations

import html
from typing import Any, Iterable, Sequence


#: Elements that have no content and no end tag.
_VOID = frozenset({"input", "meta", "link", "br", "hr", "img"})


class Markup(str):
    """Text that is already HTML (built here from escaped parts, or a chart's SVG)."""


def esc(value: Any) -> Markup:
    """``value`` as HTML: markup passes through, anything else is escaped text."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def tag(name: str, *children: Any, **attrs: Any) -> Markup:
    """``<name attrs>children</name>``; attribute names take ``_`` for ``-`` and a trailing ``_`` is dropped."""
    parts = [name]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        attr = key.rstrip("_").replace("_", "-")
        parts.append(attr if value is True else f'{attr}="{esc(value)}"')
    if name in _VOID:
        return Markup(f"<{' '.join(parts)}>")
    return Markup(f"<{' '.join(parts)}>{''.join(esc(c) for c in children)}</{name}>")


def join(items: Iterable[Any]) -> Markup:
    """Several pieces of markup (or text) one after another."""
    return Markup("".join(esc(i) for i in items))


def table(
    headers: Sequence[Any],
    rows: Iterable[Iterable[Any]],
    class_: str = "grid",
    groups: Sequence[tuple[Any, int]] | None = None,
) -> Markup:
    """A table with a header row; cells are text or markup.

    ``groups`` adds a row above, one ``(label, span)`` per run of columns; a ``None`` label lets those columns'
    headers span both rows.
    """
    head = tag("tr", *(tag("th", h) for h in headers))
    if groups:
        top, bottom, start = [], [], 0
        for label, span in groups:
            cols, start = headers[start : start + span], start + span
            if label is None:
                top += [tag("th", h, rowspan=2) for h in cols]
            else:
                top.append(tag("th", label, colspan=span, class_="group"))
                bottom += [tag("th", h) for h in cols]
        head = join([tag("tr", *top), tag("tr", *bottom)])
    body = join(tag("tr", *(tag("td", c) for c in row)) for row in rows)
    return tag("table", tag("thead", head), tag("tbody", body), class_=class_)
