"""The page kit's table rendered: every cell escaped, links and classes kept, the empty message."""

from django.template import Context, Template
from django.test import RequestFactory
from django.utils.html import format_html

from org.kit.tables import Column, Table


def render(rows, **kwargs) -> str:
    request = RequestFactory().get("/x/")
    columns = [
        Column("name", "姓名", link=lambda r: r["url"]),
        Column("n", "进件数", kind="int"),
        Column("action", "操作", html=lambda r: format_html('<button data-id="{}">记录</button>', r["n"])),
    ]
    table = Table(request, "people", columns=columns, rows=rows, row_class=lambda r: "behind" if r["n"] == 0 else "", **kwargs)
    return Template("{% load kit %}{% table t %}").render(Context({"t": table}))


def test_cells_are_escaped_and_links_classes_and_controls_kept():
    html = render([
        {"name": '<script>alert("x")</script>', "url": '/p/?a=1&b="2"', "n": 1200},
        {"name": "张三", "url": None, "n": 0},
    ])
    assert '<a href="/p/?a=1&amp;b=&quot;2&quot;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a>' in html
    assert "<script>" not in html
    assert '<td class="num">1,200</td>' in html
    assert '<tr class="behind"><td>张三</td><td class="num">0</td><td><button data-id="0">记录</button></td></tr>' in html


def test_an_empty_table_says_so():
    html = render([], empty="本周暂无数据")
    assert '<td colspan="3">本周暂无数据</td>' in html
