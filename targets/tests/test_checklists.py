"""Supervision checklists: issue within the tree, completion with the evidence asked for (text,
photo, file; type and size refused), overdue, send back with a comment and redo, the issuer's
completion counts, a meeting action turned into a task, and who sees and downloads what."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from org import clock
from org.errors import ApplicationError
from org.tests.factories import StaffFactory, tree, user_for
from targets.checklists import checklist_complete, checklist_issue, checklist_return, tasks_issued
from targets.models import ChecklistItem, LaggardAction

pytestmark = pytest.mark.django_db
NOV5 = dt.datetime(2024, 11, 5, 10, 0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def bank():
    t = tree()
    return {
        "t": t,
        "ho": user_for(StaffFactory(employee_no="HQ50", institution=t["HO"]), scope=t["HO"]),
        "bm": user_for(StaffFactory(employee_no="BM50", institution=t["BR1"]), scope=t["BR1"]),
        "vp": user_for(StaffFactory(employee_no="VP50", institution=t["SB1"]), scope=t["SB1"]),
        "oh1": user_for(StaffFactory(employee_no="OH51", institution=t["OUT1"]), scope=t["OUT1"]),
        "oh2": user_for(StaffFactory(employee_no="OH52", institution=t["OUT2"]), scope=t["OUT2"]),
        "oh4": user_for(StaffFactory(employee_no="OH54", institution=t["OUT4"]), scope=t["OUT4"]),
    }


def issue(bank, evidence="text", due=dt.date(2024, 11, 8), to=("OUT1", "OUT2")):
    with clock.frozen(NOV5):
        return checklist_issue(by=bank["bm"], title="厅堂营销物料摆放检查", body="按新版标准摆放", evidence=evidence, due_on=due,
                               institutions=[bank["t"][c] for c in to])


def test_who_may_issue_to_whom(bank):
    t = bank["t"]
    with clock.frozen(NOV5):
        with pytest.raises(ApplicationError, match="由总行或分行下发"):
            checklist_issue(by=bank["vp"], title="x", body="", evidence="text", due_on=dt.date(2024, 11, 8), institutions=[t["OUT1"]])
        with pytest.raises(ApplicationError, match="江城网点（OUT4）不在您的下辖范围内"):
            checklist_issue(by=bank["bm"], title="x", body="", evidence="text", due_on=dt.date(2024, 11, 8), institutions=[t["OUT4"]])
        with pytest.raises(ApplicationError, match="完成期限不能早于今天"):
            checklist_issue(by=bank["bm"], title="x", body="", evidence="text", due_on=dt.date(2024, 11, 4), institutions=[t["OUT1"]])
    task = issue(bank)
    assert sorted(task.items.values_list("institution__code", flat=True)) == ["OUT1", "OUT2"]


def test_completion_overdue_send_back_and_counts(bank):
    task = issue(bank)
    out1 = task.items.get(institution__code="OUT1")
    with clock.frozen(NOV5):
        with pytest.raises(ApplicationError):
            checklist_complete(by=bank["oh2"], item=out1, text="不是我的")  # another outlet's head
        with pytest.raises(ApplicationError, match="请填写完成情况说明"):
            checklist_complete(by=bank["oh1"], item=out1, text="  ")
        checklist_complete(by=bank["oh1"], item=out1, text="已按标准摆放，见厅堂")
        with pytest.raises(ApplicationError, match="请填写退回意见"):
            checklist_return(by=bank["bm"], item=out1, comment="")
        with pytest.raises(ApplicationError):
            checklist_return(by=bank["oh2"], item=out1, comment="x")  # not the issuing side
        checklist_return(by=bank["bm"], item=out1, comment="缺少折页架")
    out1.refresh_from_db()
    assert (out1.status, out1.return_comment) == ("returned", "缺少折页架")
    with clock.frozen(dt.datetime(2024, 11, 9, 9, 0)):  # after the due date: both open items are overdue
        row = tasks_issued(user=bank["bm"]).get(pk=task.pk)
        assert (row.n_items, row.n_done, row.n_overdue) == (2, 0, 2)
        checklist_complete(by=bank["oh1"], item=out1, text="已补折页架")
        row = tasks_issued(user=bank["bm"]).get(pk=task.pk)
        assert (row.n_done, row.n_overdue) == (1, 1)
    assert not tasks_issued(user=bank["oh4"]).exists()


@override_settings(UPLOAD_MAX_MB=1)
def test_photo_evidence_type_and_size(bank):
    task = issue(bank, evidence="photo")
    item = task.items.get(institution__code="OUT1")
    with clock.frozen(NOV5):
        with pytest.raises(ApplicationError, match="请上传照片"):
            checklist_complete(by=bank["oh1"], item=item, text="")
        with pytest.raises(ApplicationError, match="类型“.exe”不支持"):
            checklist_complete(by=bank["oh1"], item=item, file=SimpleUploadedFile("a.exe", b"MZ" + b"\x00" * 20))
        with pytest.raises(ApplicationError, match="内容与扩展名“.png”不符"):
            checklist_complete(by=bank["oh1"], item=item, file=SimpleUploadedFile("renamed.png", b"MZ" + b"\x00" * 20))
        with pytest.raises(ApplicationError, match=r"过大（2\.0 MB），照片最大 1 MB"):
            checklist_complete(by=bank["oh1"], item=item, file=SimpleUploadedFile("big.png", PNG + b"\x00" * (2 * 1024 * 1024 - len(PNG))))
        assert ChecklistItem.objects.get(pk=item.pk).status == "open" and not ChecklistItem.objects.get(pk=item.pk).evidence_file
        checklist_complete(by=bank["oh1"], item=item, file=SimpleUploadedFile("厅堂.png", PNG), text="")
    item.refresh_from_db()
    assert item.status == "done" and item.evidence_name == "厅堂.png" and item.evidence_file.name.startswith("checklists/")
    assert "厅堂" not in item.evidence_file.name  # stored under a random name


def test_pages_a_meeting_action_turned_into_a_task_and_the_evidence_download(bank, client):
    t = bank["t"]
    staff = StaffFactory(employee_no="L50", institution=t["OUT2"])
    action = LaggardAction.objects.create(kind="plan", staff=staff, institution=t["OUT2"], reason="连续两周无进件", steps="每天 5 个电话",
                                          on_date=dt.date(2024, 11, 4), follow_up_on=dt.date(2024, 11, 12), recorded_by=bank["bm"], recorded_at=clock.now())
    client.force_login(bank["bm"])
    with clock.frozen(NOV5):
        form = client.get(f"/targets/checklists/?from_action={action.pk}").content.decode()
        assert "由措施转来" in form and 'value="连续两周无进件"' in form
        bad = client.post("/targets/checklists/", {"title": "", "evidence": "file", "due_on": "2024-11-08", "institutions": [t["OUT2"].pk]})
        assert bad.status_code == 400 and "请填写任务内容" in bad.content.decode()
        ok = client.post("/targets/checklists/", {"title": "连续两周无进件", "body": "每天 5 个电话", "evidence": "file", "due_on": "2024-11-08",
                                                   "institutions": [t["OUT2"].pk], "from_action": action.pk})
        assert ok.status_code == 302
        item = ChecklistItem.objects.get()
        assert item.task.from_action == action
        assert client.post("/targets/checklists/", {"title": "x", "evidence": "text", "due_on": "2024-11-08", "institutions": [t["OUT4"].pk]}).status_code == 404
        client.force_login(bank["oh2"])
        page = client.get(f"/targets/checklists/items/{item.pk}/")
        assert page.status_code == 200 and "办结" in page.content.decode()
        done = client.post(f"/targets/checklists/items/{item.pk}/", {"action": "complete", "text": "已落实",
                                                                       "file": SimpleUploadedFile("计划.pdf", b"%PDF-1.4 plan")})
        assert done.status_code == 302
        got = client.get(f"/targets/checklists/items/{item.pk}/evidence")
        assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF") and "attachment" in got["Content-Disposition"]
        client.force_login(bank["oh1"])  # a sibling outlet sees neither the item nor its file
        assert client.get(f"/targets/checklists/items/{item.pk}/").status_code == 404
        assert client.get(f"/targets/checklists/items/{item.pk}/evidence").status_code == 404
        client.force_login(bank["bm"])
        assert "已完成 1/1" in client.get(f"/targets/checklists/{item.task.pk}/").content.decode()
