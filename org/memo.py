"""Figures computed once per build.

A circular asks the same selector for the same figures several times: the 2053 sheet and the 2053
stars read the same week's lines, and the institution league reads each wealth metric from the same
attainment rows. Inside `build_memo()` a selector decorated with `@memoised` answers a repeated call
(same arguments) from the first one; outside it, every call computes as usual, so pages and the
mini-program always read fresh figures. The memo lives as long as the `with` block (one build) and
belongs to its thread or task (a context variable). Answers are shallow-copied when handed out, so
a caller adding to its list or dict does not change what the next caller gets."""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools
from collections.abc import Callable, Iterator

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("build_memo", default=None)


@contextlib.contextmanager
def build_memo() -> Iterator[None]:
    """Within the block, `@memoised` selectors compute each distinct call once (nested blocks share
    the outer memo)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoised(fn: Callable) -> Callable:
    """Decorate a read-only selector whose arguments are hashable (dates, paths, codes, model
    instances); a call with an unhashable argument (a list of ids) is simply computed."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        store = _memo.get()
        if store is None:
            return fn(*args, **kwargs)
        key = (fn.__module__, fn.__qualname__, args, tuple(sorted(kwargs.items())))
        try:
            hit = key in store
        except TypeError:
            return fn(*args, **kwargs)
        if not hit:
            store[key] = fn(*args, **kwargs)
        return copy.copy(store[key])

    return wrapper
