"""The one table component: sortable columns, server-side search and pagination, .xlsx export of
the same rows (formula-escaped through org.xlsx), numbers right-aligned with thousands separators
and the unit in the header, codes shown by their Chinese names.

    table = Table(
        request, "people",
        columns=[
            Column("rank", "排名", kind="int", sort="rank"),
            Column("name", "姓名", link=lambda p: staff_url(p.employee_no), search="name"),
            Column("institution_label", "机构", sort="institution__path"),
            Column("submitted", "进件数", kind="int", unit="件"),
            Column("disbursed_amount", "放款金额", kind="wan"),        # 元 in, 万元 shown
        ],
        rows=queryset,                  # a QuerySet (sorted, searched, paged by the database), a list
                                        # or a Windowed source (paged by its own reader)
        default_sort="rank",
        title="人员进件排名",
    )
    if (response := table.export_response()) is not None:   # ?export=people
        return response
    {% table table %}

Query parameters are prefixed with the table's key (`people_sort=-submitted`, `people_q=张`,
`people_page=2`), so a page can hold several tables. Sorting and search of a QuerySet run in the
database; a list (figures already aggregated by a selector) is sorted and filtered in memory. A
`Windowed` source (a league of 300,000 people ranked by one statement) is read a page at a time in
its own order, and searched by its own reader when it has one; a sort on another column (or a search
it cannot do) reads it whole once and goes on as a list.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.safestring import mark_safe

from ..text import ascii_digits, has_nul
from .formats import DASH, fmt_int, fmt_money, fmt_pct, fmt_ratio, fmt_wan, to_wan

UNITS = {"wan": "万元", "yuan": "元", "pct": "%", "ratio": "%"}
NUMERIC = {"int", "wan", "yuan", "pct", "ratio", "decimal"}
MAX_PER_PAGE = 200
MAX_EXPORT_ROWS = 100_000
MAX_QUERY_LENGTH = 50


@dataclass
class Column:
    key: str  # attribute or dict key of a row; dotted for related objects ("institution.name")
    label: str  # Chinese header, without the unit
    kind: str = "text"  # text, int, decimal, wan (元 in, 万元 out), yuan, pct (×100 already), ratio (0..1), date, datetime
    unit: str = ""  # 件, 笔, 人 …; money and percentages have theirs from `kind`
    sort: str | None = ""  # ORM expression / row key to sort by; "" = the key itself; None = not sortable
    search: str | None = None  # ORM lookup (QuerySet) searched with icontains; for lists the shown text
    choices: dict | None = None  # code → Chinese name (products, statuses, positions)
    link: Callable[[Any], str | None] | None = None
    css: str = ""
    fmt: Callable[[Any], str] | None = None  # a display of its own (a masked name), also used in the export
    html: Callable[[Any], str] | None = None  # a cell of controls (format_html); left out of the export

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    @property
    def header(self) -> str:
        unit = self.unit or UNITS.get(self.kind, "")
        return f"{self.label}({unit})" if unit else self.label

    @property
    def sort_key(self) -> str | None:
        return None if self.sort is None else (self.sort or self.key.replace(".", "__"))

    def raw(self, row):
        value = row
        for part in self.key.split("."):
            if value is None:
                return None
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if callable(value) and not isinstance(value, type):
            value = value()
        return value

    def text(self, row) -> str:
        return self.display(self.raw(row))

    def display(self, value) -> str:
        if self.fmt is not None:
            return self.fmt(value) if value not in (None, "") else DASH
        if self.choices is not None and value is not None:
            return str(self.choices.get(value, value))
        if value is None or value == "":
            return DASH
        match self.kind:
            case "int":
                return fmt_int(value)
            case "decimal" | "yuan":
                return fmt_money(value)
            case "wan":
                return fmt_wan(value)
            case "pct":
                return fmt_pct(value)
            case "ratio":
                return fmt_ratio(value)
            case "date":
                return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)
            case "datetime":
                return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else str(value)
        return str(value)

    def export_value(self, row):
        """The typed value for Excel: numbers stay numbers (in the unit of the header)."""
        value = self.raw(row)
        if value is None:
            return None
        if self.fmt is not None:
            return self.fmt(value)
        if self.choices is not None:
            return str(self.choices.get(value, value))
        if self.kind == "wan":
            return to_wan(value)
        if self.kind == "ratio":
            return float(value) * 100
        if isinstance(value, dt.datetime):
            return timezone.localtime(value) if timezone.is_aware(value) else value
        return value

    @property
    def export_format(self) -> str | None:
        from ..xlsx import INTEGER_FORMAT, MONEY_FORMAT

        if self.kind == "int":
            return INTEGER_FORMAT
        if self.kind in ("wan", "yuan", "decimal"):
            return MONEY_FORMAT
        if self.kind in ("pct", "ratio"):
            return "0.0"
        return None


class Windowed:
    """Rows a reader returns a window at a time, in the reader's own order, with how many there are:
    `read(offset, limit) -> (rows, count)`. The table asks for the page it shows (one read), its
    export for the first MAX_EXPORT_ROWS; iterating (another sort) reads every row once. With
    `search(q, offset, limit) -> (rows, count)` the source searches itself (the rows matching `q`,
    in the same order); without it a search reads every row and filters them as a list."""

    def __init__(self, read: Callable[[int, int], tuple[list, int]], *, search: Callable[[str, int, int], tuple[list, int]] | None = None):
        self.read, self.search = read, search
        self._all: list | None = None

    def searched(self, q: str) -> Windowed:
        return Windowed(lambda offset, limit: self.search(q, offset, limit))

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start or 0, window.stop
        if stop is None:
            return list(self)[start:]
        return self.read(start, max(stop - start, 0))[0]

    def __iter__(self):
        if self._all is None:
            first, count = self.read(0, MAX_PER_PAGE)
            self._all = first if count <= len(first) else self.read(0, count)[0]
        return iter(self._all)


@dataclass
class Cell:
    text: str
    url: str | None
    css: str


class Table:
    def __init__(
        self,
        request,
        key: str,
        *,
        columns: list[Column],
        rows,
        default_sort: str = "",
        per_page: int = 50,
        title: str = "",
        searchable: bool | None = None,
        search_placeholder: str = "搜索",
        empty: str = "没有数据",
        row_class: Callable[[Any], str] | None = None,
        exportable: bool = True,
    ):
        self.request, self.key, self.columns, self.title = request, key, columns, title
        self.per_page, self.empty, self.row_class, self.exportable = per_page, empty, row_class, exportable
        self.search_placeholder = search_placeholder
        self.searchable = any(c.search for c in columns) if searchable is None else searchable
        params = request.GET
        self.q = ascii_digits(params.get(self.param("q"), "")).strip()[:MAX_QUERY_LENGTH]
        if has_nul(self.q):
            self.q = ""
        self.sort = self._parse_sort(params.get(self.param("sort"), "") or default_sort)
        searched = False
        if isinstance(rows, Windowed):
            if self.q and rows.search is not None:
                rows, searched = rows.searched(self.q), True
            if self.sort or (self.q and not searched):
                rows = list(rows)
        self._rows = self._sorted(rows if searched else self._searched(rows))
        self.error = ""

    # --- query parameters ---------------------------------------------------------------------
    def param(self, name: str) -> str:
        return f"{self.key}_{name}"

    def _parse_sort(self, text: str) -> str:
        name = text.lstrip("-")
        if any(c.key == name and c.sort_key is not None for c in self.columns):
            return text
        return ""

    def url_with(self, **changes) -> str:
        """This page's query with this table's `changes` (None or "" drops one) and without
        `export`; a changed parameter goes last. Built from the query's pairs, not a copy of the
        QueryDict per link (a table's headers and pager ask for twenty)."""
        from urllib.parse import urlencode

        keys = {self.param(name): value for name, value in changes.items()}
        pairs = [(k, v) for k, values in self.request.GET.lists() if k not in keys and k != "export" for v in values]
        pairs += [(k, v) for k, v in keys.items() if v not in (None, "")]
        return "?" + urlencode(pairs) if pairs else "?"

    # --- search and sort ----------------------------------------------------------------------
    def _searched(self, rows):
        if not self.q:
            return rows
        fields = [c for c in self.columns if c.search]
        if isinstance(rows, QuerySet):
            return rows.filter(reduce(or_, (Q(**{f"{c.search}__icontains": self.q}) for c in fields), Q())) if fields else rows
        needle = self.q.lower()
        return [r for r in rows if any(needle in c.text(r).lower() for c in (fields or self.columns))]

    def _sorted(self, rows):
        if not self.sort:
            return rows
        descending = self.sort.startswith("-")
        column = next(c for c in self.columns if c.key == self.sort.lstrip("-"))
        if isinstance(rows, QuerySet):
            expr = F(column.sort_key)
            keep = [o for o in rows.query.order_by if o.lstrip("-") != column.sort_key]
            return rows.order_by(expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True), *keep, "pk")
        sort_col = Column(column.sort_key.replace("__", "."), "") if column.sort else column
        present = [r for r in rows if sort_col.raw(r) is not None]
        missing = [r for r in rows if sort_col.raw(r) is None]
        present.sort(key=lambda r: _sortable(sort_col.raw(r)), reverse=descending)
        return present + missing

    # --- headers, pages and cells -------------------------------------------------------------
    def headers(self) -> list[dict]:
        out = []
        for c in self.columns:
            state = ""
            if self.sort.lstrip("-") == c.key:
                state = "descending" if self.sort.startswith("-") else "ascending"
            next_sort = None
            if c.sort_key is not None:
                next_sort = f"-{c.key}" if state == "ascending" or (not state and c.numeric) else c.key
            out.append({"label": c.header, "numeric": c.numeric, "state": state, "url": self.url_with(sort=next_sort, page=None) if next_sort else None})
        return out

    @property
    def page(self):
        if not hasattr(self, "_page"):
            raw = ascii_digits(self.request.GET.get(self.param("page"), "1"))
            if isinstance(self._rows, Windowed):
                self._page = self._windowed_page(raw)
            else:
                paginator = Paginator(self._rows, min(self.per_page, MAX_PER_PAGE))
                self._page = paginator.get_page(raw if raw.isdigit() else 1)
        return self._page

    @property
    def count_text(self) -> str:
        """How many rows, with the thousands separators of every figure ("298,148")."""
        return fmt_int(self.page.paginator.count)

    def _windowed_page(self, raw: str):
        """The asked page read alone (Paginator.get_page's rules: not a number → the first page,
        past the end → the last, which then takes a second read)."""
        size = min(self.per_page, MAX_PER_PAGE)
        number = int(raw[:9]) if raw.isdigit() and int(raw[:9]) > 0 else 1
        rows, count = self._rows.read((number - 1) * size, size)
        paginator = Paginator(range(count), size)
        if number > paginator.num_pages:
            number = paginator.num_pages
            rows = self._rows.read((number - 1) * size, size)[0]
        return Page(rows, number, paginator)

    def body(self) -> list[dict]:
        rows = []
        for r in self.page.object_list:
            cells = [
                Cell(
                    c.html(r) if c.html else c.text(r),
                    c.link(r) if c.link else None,
                    " ".join(filter(None, ["num" if c.numeric else "", c.css])),
                )
                for c in self.columns
            ]
            rows.append({"cells": cells, "css": self.row_class(r) if self.row_class else ""})
        return rows

    def body_html(self) -> str:
        """The table's rows as HTML, escaped here rather than cell by cell in the template (a page
        of 100 rows × 20 columns is 2,000 template lookups): the same markup `body()` describes.
        Escaped with the standard library's `html.escape`, as Django's `escape` does, without its
        lazy-text wrapper on every cell; a cell of controls (SafeString) goes in as it is."""
        css = [" ".join(filter(None, ["num" if c.numeric else "", c.css])) for c in self.columns]
        opens = [f'<td class="{_esc(k)}">' if k else "<td>" for k in css]
        out = []
        for r in self.page.object_list:
            row_css = self.row_class(r) if self.row_class else ""
            out.append(f'<tr class="{_esc(row_css)}">' if row_css else "<tr>")
            for c, opened in zip(self.columns, opens, strict=True):
                text = c.html(r) if c.html else c.text(r)
                text = text.__html__() if hasattr(text, "__html__") else _esc(text)
                url = c.link(r) if c.link else None
                out.append(f'{opened}<a href="{_esc(url)}">{text}</a></td>' if url else f"{opened}{text}</td>")
            out.append("</tr>\n    ")
        return mark_safe("".join(out))  # noqa: S308 — every piece above is escaped

    def page_links(self) -> list[dict]:
        page = self.page
        n, last = page.number, page.paginator.num_pages
        shown = sorted({1, last, *range(max(1, n - 2), min(last, n + 2) + 1)})
        out, prev = [], 0
        for p in shown:
            if p - prev > 1:
                out.append({"gap": True})
            out.append({"number": p, "url": self.url_with(page=p if p > 1 else None), "current": p == n})
            prev = p
        return out

    @property
    def prev_url(self) -> str | None:
        p = self.page
        return self.url_with(page=p.previous_page_number() if p.previous_page_number() > 1 else None) if p.has_previous() else None

    @property
    def next_url(self) -> str | None:
        p = self.page
        return self.url_with(page=p.next_page_number()) if p.has_next() else None

    @property
    def clear_search_url(self) -> str:
        return self.url_with(q=None, page=None)

    @property
    def export_url(self) -> str:
        params = self.request.GET.copy()
        params["export"] = self.key
        return "?" + params.urlencode()

    # --- export -------------------------------------------------------------------------------
    def export_response(self) -> HttpResponse | None:
        """The .xlsx of every row the table shows (all pages, same search and order), or None when
        the request does not ask for this table's export."""
        if not self.exportable or self.request.GET.get("export") != self.key:
            return None
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        self.write_sheet(wb)
        return _xlsx_response(wb, self.key, self.title or self.key)

    def write_sheet(self, wb, title: str | None = None) -> None:
        """This table, every row, as a sheet of `wb` (a write-only openpyxl Workbook)."""
        from ..xlsx import header_row, safe_cell

        ws = wb.create_sheet((title or self.title or "导出")[:31])
        ws.freeze_panes = "A2"
        columns = [c for c in self.columns if c.html is None]
        ws.append(header_row(ws, [c.header for c in columns]))
        rows = self._rows[:MAX_EXPORT_ROWS] if isinstance(self._rows, QuerySet) else self._rows[:MAX_EXPORT_ROWS]
        for r in rows:
            ws.append([safe_cell(c.export_value(r), sheet=ws, number_format=c.export_format) for c in columns])


def _xlsx_response(wb, key: str, title: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    wb.save(response)
    response["Content-Disposition"] = f"attachment; filename=\"{key}.xlsx\"; filename*=UTF-8''{quote(title + '.xlsx')}"
    return response


def tables_workbook(key: str, title: str, tables: list[Table]) -> HttpResponse:
    """One .xlsx holding several tables of a page, a sheet each (a meeting pack's download)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for t in tables:
        t.write_sheet(wb)
    return _xlsx_response(wb, key, title)


def _esc(text) -> str:
    return html.escape(str(text))


def _sortable(value):
    if isinstance(value, Decimal | int | float):
        return (0, float(value), "")
    if isinstance(value, dt.datetime | dt.date):
        return (1, 0.0, value.isoformat())
    return (2, 0.0, str(value))


def export_first(*tables: Table) -> HttpResponse | None:
    """The export a request asks for among a page's tables (views: `if r := export_first(t1, t2): return r`)."""
    for t in tables:
        if (response := t.export_response()) is not None:
            return response
    return None
