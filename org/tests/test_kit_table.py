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


def windowed_table(query: str, rows: list[dict], reads: list, **kwargs) -> Table:
    from org.kit.tables import Windowed

    def read(offset, limit):
        reads.append((offset, limit))
        return rows[offset:offset + limit], len(rows)

    columns = [Column("name", "姓名", search="name"), Column("n", "进件数", kind="int")]
    return Table(RequestFactory().get("/x/" + query), "people", columns=columns, rows=Windowed(read), per_page=2, **kwargs)


PEOPLE = [{"name": f"员工{i}", "n": 10 - i} for i in range(5)]  # in the source's own order (a rank)


def test_a_windowed_source_is_read_one_page_at_a_time_in_its_own_order():
    reads = []
    table = windowed_table("?people_page=2", PEOPLE, reads)
    assert [r["name"] for r in table.page.object_list] == ["员工2", "员工3"]
    assert reads == [(2, 2)]  # the shown page alone, its count with it
    html = Template("{% load kit %}{% table t %}").render(Context({"t": table}))
    assert "共 5 条" in html and "第 2 / 3 页" in html and "员工1" not in html
    # Past the end: the last page (Paginator.get_page's rule), a second read; not a number: the first.
    reads.clear()
    assert [r["name"] for r in windowed_table("?people_page=９９", PEOPLE, reads).page.object_list] == ["员工4"]
    assert reads == [(196, 2), (4, 2)]
    assert [r["name"] for r in windowed_table("?people_page=x", PEOPLE, []).page.object_list] == ["员工0", "员工1"]
    assert windowed_table("", [], []).page.paginator.count == 0


def test_a_windowed_source_searched_or_sorted_otherwise_is_read_whole_once():
    reads = []
    table = windowed_table("?people_q=员工3", PEOPLE, reads)
    assert [r["name"] for r in table.page.object_list] == ["员工3"]
    assert reads == [(0, 200)]  # five rows: the first read held them all
    reads.clear()
    table = windowed_table("?people_sort=n", PEOPLE, reads)
    assert [r["n"] for r in table.page.object_list] == [6, 7]
    assert reads == [(0, 200)]
    reads.clear()
    many = [{"name": f"员工{i}", "n": i} for i in range(450)]
    assert windowed_table("?people_sort=-n", many, reads).page.object_list[0]["n"] == 449
    assert reads == [(0, 200), (0, 450)]  # more than one read's worth: then every row, once


def test_a_windowed_sources_export_holds_every_row():
    from io import BytesIO

    from openpyxl import load_workbook

    reads = []
    table = windowed_table("?export=people", PEOPLE, reads)
    response = table.export_response()
    ws = load_workbook(BytesIO(response.content)).active
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["姓名", "进件数"], *[[p["name"], p["n"]] for p in PEOPLE]]
    assert reads == [(0, 100_000)]


def test_a_windowed_source_that_searches_itself_is_asked_for_the_matches_page_alone():
    from org.kit.tables import Windowed

    reads = []

    def search(q, offset, limit):
        reads.append((q, offset, limit))
        matches = [p for p in PEOPLE if q in p["name"]]
        return matches[offset:offset + limit], len(matches)

    columns = [Column("name", "姓名", search="name"), Column("n", "进件数", kind="int")]
    table = Table(RequestFactory().get("/x/?people_q=员工3"), "people", columns=columns, per_page=2,
                  rows=Windowed(lambda o, limit: search("", o, limit), search=search))
    assert [r["name"] for r in table.page.object_list] == ["员工3"] and reads == [("员工3", 0, 2)]


def test_the_count_reads_with_thousands_separators():
    html = render([{"name": f"员工{i}", "url": None, "n": i} for i in range(1234)])
    assert "共 1,234 条" in html


def test_links_keep_the_page_s_query_change_their_own_parameter_last_and_drop_export():
    request = RequestFactory().get("/x/?period=2024-W45&team=a&team=b&people_page=3&q=王 五&export=people&other_sort=n")
    table = Table(request, "people", columns=[Column("name", "姓名"), Column("n", "进件数", kind="int")], rows=[])
    assert table.url_with(sort="-n", page=None) == "?period=2024-W45&team=a&team=b&q=%E7%8E%8B+%E4%BA%94&other_sort=n&people_sort=-n"
    assert table.url_with(page=2) == "?period=2024-W45&team=a&team=b&q=%E7%8E%8B+%E4%BA%94&other_sort=n&people_page=2"
    assert Table(RequestFactory().get("/x/?export=people"), "people", columns=[Column("n", "n")], rows=[]).url_with(page=None) == "?"
