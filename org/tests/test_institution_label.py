import pytest
from django.core.cache import cache

from org.models import InstitutionKind
from org.selectors import institution_label
from org.tests.factories import institution, tree

pytestmark = pytest.mark.django_db


def test_ambiguous_names_show_their_parent():
    cache.clear()
    t = tree()
    dept1 = institution("D1", InstitutionKind.DEPARTMENT, t["SB1"], "个人金融部")
    dept2 = institution("D2", InstitutionKind.DEPARTMENT, t["SB2"], "个人金融部")
    assert institution_label(dept1) == "南关支行·个人金融部"
    assert institution_label(dept2) == "朝阳支行·个人金融部"
    # A unique outlet name reads alone; two outlets of the same name get their parents.
    assert institution_label(t["OUT1"]) == "人民广场网点"
    twin = institution("OUT9", InstitutionKind.OUTLET, t["SB3"], "人民广场网点")  # forgets the cached names
    assert institution_label(twin) == "船营支行·人民广场网点"
    assert institution_label(t["OUT1"]) == "南关支行·人民广场网点"
    assert institution_label(None) == "—"


def test_a_stopped_cache_degrades_to_a_query(monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    t = tree()
    institution("D9", InstitutionKind.DEPARTMENT, t["SB1"], "个人金融部")
    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    monkeypatch.setattr(cache, "delete", down)
    institution("D8", InstitutionKind.DEPARTMENT, t["SB2"], "个人金融部")  # saving still works
    assert institution_label(t["OUT1"]) == "人民广场网点"


def test_many_labels_read_the_shared_cache_once_and_a_save_forgets_this_processs_copy(monkeypatch):
    from django.core.cache import cache

    t = tree()
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a) or real_get(*a, **k))
    labels = [institution_label(t[code]) for code in ("OUT1", "OUT2", "OUT3", "SB1", "SB2", "BR1") * 10]
    assert len(labels) == 60 and len(reads) == 1
    institution("OUT9", InstitutionKind.OUTLET, t["SB3"], "人民广场网点")  # a twin: this process's copy is forgotten too
    assert institution_label(t["OUT1"]) == "南关支行·人民广场网点" and len(reads) == 2
