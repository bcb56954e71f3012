"""Delivery of circulars (SPEC §6) against a real SMTP server and a fake WeCom robot over HTTP."""

import io

import pytest
from openpyxl import load_workbook

from org.errors import ApplicationError
from org.periods import Period
from org.tests.factories import StaffFactory, user_for
from referrals.tests.reporting_data import known_week
from reporting import delivery, services, tasks
from reporting.models import Circular, Delivery, DeliveryRecipient, DeliveryStatus
from reporting.wecom import WeComError, WeComRobot, robot_name

pytestmark = pytest.mark.django_db
W45 = Period.parse("2024-W45")


def manager(t, code, employee_no, email=""):
    user = user_for(StaffFactory(employee_no=employee_no, institution=t[code], positions=";branch_manager;"), scope=t[code])
    user.email = email
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def data():
    d = known_week()
    t = d["tree"]
    manager(t, "BR1", "BM001", "wang@br1.bank.example")
    manager(t, "BR1", "BM002", "")  # no address: nothing to send to
    manager(t, "SB1", "SV001", "li@sb1.bank.example")  # a sub-branch's manager: not the branch's circular
    DeliveryRecipient.objects.create(institution=t["BR1"], email="Office@BR1.bank.example", note="综合办")
    DeliveryRecipient.objects.create(institution=t["BR1"], email="old@br1.bank.example", active=False)
    return d


def workbook(message):
    (attachment,) = list(message.iter_attachments())
    return attachment.get_filename(), load_workbook(io.BytesIO(attachment.get_content()))


def test_a_circular_is_emailed_to_the_branch_managers_and_extra_addresses_with_the_workbook(data, smtp):
    circular = services.circular_build(period=W45, scope=data["tree"]["BR1"])
    rows = delivery.circular_deliver(circular=circular)

    assert sorted((r.channel, r.recipient, r.status) for r in rows) == [
        ("email", "office@br1.bank.example", "sent"), ("email", "wang@br1.bank.example", "sent"),
    ]
    assert sorted(rcpt[0] for rcpt, _ in smtp.mailbox.received) == ["office@br1.bank.example", "wang@br1.bank.example"]
    (message,) = smtp.mailbox.to("wang@br1.bank.example")
    # Django folds the encoded subject onto a continuation line; readers drop the fold's space.
    assert message["Subject"].strip() == "【示例商业银行】长春分行 2024-W45 周通报"
    assert "noreply@bank.example" in message["From"]
    assert f"/reporting/circulars/{circular.pk}/download/" in message.get_body(("plain",)).get_content()
    name, wb = workbook(message)
    assert name == "长春分行2024-W45周通报.xlsx"
    assert wb.sheetnames[0] == "转介" and "长春分行" in wb["转介"]["A1"].value
    sent = Delivery.objects.get(recipient="wang@br1.bank.example")
    assert sent.kind == "circular" and sent.key == str(circular.pk) and sent.scope == data["tree"]["BR1"]
    assert sent.attempts == 1 and sent.sent_at is not None and sent.last_error == ""


def test_delivering_the_same_circular_twice_sends_once_per_recipient(data, smtp):
    circular = services.circular_build(period=W45, scope=data["tree"]["BR1"])
    delivery.circular_deliver(circular=circular)
    delivery.circular_deliver(circular=circular)
    tasks.deliver_pending()
    assert len(smtp.mailbox.received) == 2
    assert Delivery.objects.count() == 2 and set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_the_wecom_robot_gets_a_markdown_summary_with_the_download_link(data, smtp, wecom, settings):
    t = data["tree"]
    settings.WECOM_ROBOT_WEBHOOKS = {"BR1": wecom.webhook_url("br1-setting")}
    DeliveryRecipient.objects.create(institution=t["BR1"], wecom_webhook_url=wecom.webhook_url("br1-admin"))
    circular = services.circular_build(period=W45, scope=t["BR1"])
    rows = delivery.circular_deliver(circular=circular)

    robots = [r for r in rows if r.channel == "wecom"]
    assert len(robots) == 2 and all(r.status == "sent" for r in robots)
    # The robot's key is a secret: the log names the robot by a digest of its URL.
    assert all("br1-" not in r.recipient for r in robots)
    (posted,) = wecom.messages("br1-setting")
    assert posted["msgtype"] == "markdown"
    content = posted["markdown"]["content"]
    assert content.startswith("**【示例商业银行】长春分行 2024-W45 周通报**")
    assert f"(http://127.0.0.1:8000/reporting/circulars/{circular.pk}/download/)" in content
    assert len(wecom.messages("br1-admin")) == 1


def test_failures_are_logged_and_a_later_retry_serves_only_those_not_yet_served(data, smtp, wecom, settings):
    t = data["tree"]
    settings.WECOM_ROBOT_WEBHOOKS = {"BR1": wecom.webhook_url("br1")}
    circular = services.circular_build(period=W45, scope=t["BR1"])
    smtp.stop()  # the mail server is down
    rows = {r.recipient: r for r in delivery.circular_deliver(circular=circular)}
    assert rows["wang@br1.bank.example"].status == "failed" and rows["wang@br1.bank.example"].attempts == 1
    assert "邮件发送失败" in rows["wang@br1.bank.example"].last_error
    assert rows[robot_name(wecom.webhook_url("br1"))].status == "sent"

    smtp.start()  # back on the same port
    result = tasks.deliver_pending()
    assert result == {"sent": 3, "failed": 0}  # the robot's copy is listed as sent, not sent again
    assert len(smtp.mailbox.to("wang@br1.bank.example")) == 1 and len(smtp.mailbox.to("office@br1.bank.example")) == 1
    assert len(wecom.messages("br1")) == 1
    assert Delivery.objects.get(recipient="wang@br1.bank.example").attempts == 2


@pytest.mark.parametrize("failure", [{"status": 500}, {"errcode": 45009}])
def test_a_robot_answering_500_or_an_errcode_is_failed_then_retried(data, wecom, settings, failure):
    settings.WECOM_ROBOT_WEBHOOKS = {"BR1": wecom.webhook_url("br1")}
    DeliveryRecipient.objects.filter(institution__code="BR1").update(active=False)
    circular = services.circular_build(period=W45, scope=data["tree"]["BR1"])
    for field, value in failure.items():
        setattr(wecom, field, value)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    row = Delivery.objects.get(pk=next(r.pk for r in delivery.circular_deliver(circular=circular) if r.channel == "wecom"))
    assert row.status == "failed"
    assert ("HTTP 500" if "status" in failure else "错误码 45009") in row.last_error
    assert "key=" not in row.last_error
    wecom.status, wecom.errcode = 200, 0
    tasks.deliver_pending()
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    assert len(wecom.messages("br1")) == 2  # the refused one and the accepted one


def test_retries_stop_after_the_maximum_attempts(data, smtp, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    circular = services.circular_build(period=W45, scope=data["tree"]["BR1"])
    smtp.stop()
    delivery.circular_deliver(circular=circular)
    tasks.deliver_pending()
    tasks.deliver_pending()
    assert set(Delivery.objects.values_list("attempts", "status")) == {(2, "failed")}


def test_the_weekly_task_delivers_each_new_edition_once_and_never_a_provisional_one(data, smtp, django_capture_on_commit_callbacks):
    t = data["tree"]
    manager(t, "HO", "HO001", "zong@ho.bank.example")
    for _beat in range(2):  # a second beat: the same circulars, nothing sent twice
        with django_capture_on_commit_callbacks(execute=True):
            tasks.build_weekly_circulars("2024-W45")
    assert [m["Subject"].strip() for m in smtp.mailbox.to("zong@ho.bank.example")] == ["【示例商业银行】总行 2024-W45 周通报"]
    assert len(smtp.mailbox.to("wang@br1.bank.example")) == 1
    # Sub-branches get their own circular (fanned out per scope).
    assert [m["Subject"].strip() for m in smtp.mailbox.to("li@sb1.bank.example")] == ["【示例商业银行】南关支行 2024-W45 周通报"]
    # A week not over: no circular is stored, so nothing can be delivered.
    deliveries = Delivery.objects.count()
    with pytest.raises(ApplicationError):
        tasks.build_weekly_circulars(Period.containing(services.clock.today(), "week").code)
    assert Delivery.objects.count() == deliveries and Circular.objects.filter(period="2024-W45").count() == 6
    assert set(Delivery.objects.values_list("key", flat=True)) <= {str(pk) for pk in Circular.objects.values_list("pk", flat=True)}


def test_the_robot_client_uploads_a_file_and_turns_network_errors_into_application_errors(wecom):
    robot = WeComRobot(wecom.webhook_url("files"))
    media_id = robot.send_file(name="通报.xlsx", content=b"PK\x03\x04 workbook")
    upload, message = wecom.requests
    assert upload["path"] == "/cgi-bin/webhook/upload_media" and upload["query"] == {"key": "files", "type": "file"}
    assert b"PK\x03\x04 workbook" in upload["raw"] and upload["content_type"].startswith("multipart/form-data")
    assert message["json"] == {"msgtype": "file", "file": {"media_id": media_id}}

    from reporting.tests.conftest import free_port

    with pytest.raises(WeComError) as refused:
        WeComRobot(f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=secret-key", timeout=2).send_markdown("x")
    assert "暂时无法连接" in refused.value.message and "secret-key" not in refused.value.message


# --- the deliveries page ------------------------------------------------------------------------


@pytest.fixture
def logged(data, smtp):
    t = data["tree"]
    manager(t, "BR2", "BM201", "zhao@br2.bank.example")
    smtp.stop()
    for code in ("BR1", "BR2"):
        delivery.circular_deliver(circular=services.circular_build(period=W45, scope=t[code]))
    smtp.start()
    return data


def test_the_deliveries_page_lists_only_the_viewers_scope(logged, client):
    client.force_login(manager(logged["tree"], "BR1", "BM003"))
    page = client.get("/reporting/deliveries/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "wang@br1.bank.example" in html and "zhao@br2.bank.example" not in html
    assert "重新发送" in html


def test_resending_a_failed_delivery_sends_it_and_another_branchs_answers_404(logged, client, smtp):
    client.force_login(manager(logged["tree"], "BR1", "BM003"))
    far = Delivery.objects.get(recipient="zhao@br2.bank.example")
    assert client.post(f"/reporting/deliveries/{far.pk}/resend/").status_code == 404
    assert client.get(f"/reporting/deliveries/{far.pk}/resend/").status_code == 405
    near = Delivery.objects.get(recipient="wang@br1.bank.example")
    resp = client.post(f"/reporting/deliveries/{near.pk}/resend/")
    assert resp.status_code == 302
    near.refresh_from_db()
    assert near.status == DeliveryStatus.SENT and len(smtp.mailbox.to("wang@br1.bank.example")) == 1
    far.refresh_from_db()
    assert far.status == DeliveryStatus.FAILED and not smtp.mailbox.to("zhao@br2.bank.example")
    # Sent already: another press sends nothing.
    client.post(f"/reporting/deliveries/{near.pk}/resend/")
    assert len(smtp.mailbox.to("wang@br1.bank.example")) == 1


def test_a_member_of_staff_without_a_scope_does_not_see_the_page(logged, client):
    client.force_login(user_for(StaffFactory(employee_no="W0001", institution=logged["tree"]["OUT1"])))
    assert client.get("/reporting/deliveries/").status_code == 404
