"""Hooks on a model for one pass: registered on entry, every handle removed on exit, also when the pass
fails, so a shared model is never left hooked."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from torch import nn

Hook = tuple[nn.Module, Callable[..., None]]


@contextmanager
def forward_hooks(
    after: Iterable[Hook] = (), *, before: Iterable[Hook] = (), with_kwargs: bool = False
) -> Iterator[None]:
    """Forward hooks (``after``: called with the output) and pre-hooks (``before``) on modules for the
    duration; ``with_kwargs`` passes the call's keyword arguments too. The caller holds the model's lock
    if the model is shared."""
    handles = []
    try:
        for module, hook in before:
            handles.append(module.register_forward_pre_hook(hook, with_kwargs=with_kwargs))
        for module, hook in after:
            handles.append(module.register_forward_hook(hook, with_kwargs=with_kwargs))
        yield
    finally:
        for handle in handles:
            handle.remove()
