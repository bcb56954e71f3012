"""The interface speaks Chinese by default and English when a user picks it in the switcher."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from org.tests.factories import StaffFactory, tree, user_for

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def po_entries(path: Path) -> dict[str, list[str]]:
    """msgid -> its msgstr values, read from a .po file (enough of the format for our catalogue)."""
    entries, current, field = {}, None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith(("msgid ", "msgid_plural ", "msgstr")):
            keyword, _, literal = line.partition(" ")
            if keyword == "msgid":
                if current is not None:
                    entries[current["msgid"]] = current["strs"]
                current = {"msgid": "", "strs": []}
            field = keyword
            value = literal.strip()[1:-1].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            if keyword.startswith("msgstr"):
                current["strs"].append(value)
            elif keyword == "msgid":
                current["msgid"] = value
        elif line.startswith('"') and current is not None:
            value = line[1:-1].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            if field == "msgid":
                current["msgid"] += value
            elif field.startswith("msgstr"):
                current["strs"][-1] += value
    if current is not None:
        entries[current["msgid"]] = current["strs"]
    entries.pop("", None)
    return entries


def test_english_catalogue_translates_every_message_and_the_compiled_file_matches_it():
    entries = po_entries(CATALOGUE / "django.po")
    assert len(entries) > 20
    untranslated = [msgid for msgid, strs in entries.items() if not all(strs)]
    assert not untranslated, f"untranslated: {untranslated}"
    assert "#, fuzzy" not in (CATALOGUE / "django.po").read_text(encoding="utf-8")

    # A fresh machine has no gettext tools, so the committed .mo must say what the .po says.
    with open(CATALOGUE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [msgid for msgid, strs in entries.items() if len(strs) == 1 and compiled.gettext(msgid) != strs[0]]
    assert not stale, f"django.mo is older than django.po (run compilemessages): {stale}"


@pytest.mark.django_db
@pytest.mark.django_db
def test_a_browser_set_to_english_still_gets_chinese_until_the_user_switches(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans" class="no-js">' in page and "员工登录" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en" class="no-js">' in english and "员工登录" not in english


def test_sign_in_page_is_chinese_by_default(client):
    page = client.get("/login/").content.decode()

    assert '<html lang="zh-hans" class="no-js">' in page
    assert "员工登录" in page and "密码" in page
    # The switcher names each language in that language, so a reader can always find their own.
    assert '<option value="zh-hans" selected>简体中文</option>' in page
    assert '<option value="en">English</option>' in page


@pytest.mark.django_db
def test_choosing_english_in_the_switcher_turns_the_whole_sign_in_page_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, follow=True)
    page = response.content.decode()

    assert response.redirect_chain[-1][0] == "/login/"
    assert '<html lang="en" class="no-js">' in page
    assert "Staff sign-in" in page and "Password" in page
    # Nothing Chinese left but the switcher's own name for Chinese.
    assert not CJK.findall(page.replace("简体中文", ""))


@pytest.mark.django_db
def test_signed_in_home_page_follows_the_chosen_language_and_back(client):
    staff = StaffFactory(institution=tree()["OUT1"])
    client.force_login(user_for(staff))

    assert "工作台" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()
    assert "Workbench" in english and "Sign out" in english and "工作台" not in english
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作台" in client.get("/").content.decode()


def test_every_menu_entry_has_an_english_label():
    # Apps register menu labels in Chinese; the top bar translates them when English is chosen.
    from django.utils import translation

    from org import navigation

    with translation.override("zh-hans"):
        chinese = [str(item.label) for item in navigation.items()]
    with translation.override("en"):
        english = [translation.gettext(str(item.label)) for item in navigation.items()]
    untranslated = [zh for zh, en in zip(chinese, english, strict=True) if zh == en]
    assert chinese and not untranslated, f"menu labels without an English translation: {untranslated}"
    assert "Payouts" in english and "收益发放" in chinese
