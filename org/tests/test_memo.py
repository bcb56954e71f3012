"""org.memo: a selector asked twice inside one build computes once; outside a build, always afresh."""

from org.memo import build_memo, memoised

calls = []


@memoised
def figures(*, path, ids=None):
    calls.append(path)
    return {"path": path}


def test_inside_a_build_each_distinct_call_computes_once_and_callers_get_their_own_copy():
    calls.clear()
    with build_memo():
        first = figures(path="/HO/")
        first["added"] = 1  # a caller changing its answer does not change the next caller's
        again = figures(path="/HO/")
        other = figures(path="/HO/B1/")
        with build_memo():  # a nested build shares the outer memo
            figures(path="/HO/")
    assert calls == ["/HO/", "/HO/B1/"]
    assert again == {"path": "/HO/"} and other == {"path": "/HO/B1/"}


def test_outside_a_build_and_with_unhashable_arguments_every_call_computes():
    calls.clear()
    figures(path="/HO/")
    figures(path="/HO/")
    with build_memo():
        figures(path="/HO/", ids=[1, 2])
        figures(path="/HO/", ids=[1, 2])
    assert calls == ["/HO/"] * 4
