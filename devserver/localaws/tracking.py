"""moto tracks the instances it makes weakly, so an item it has dropped is freed.

Every moto model (`BaseModel`: a DynamoDB `Item`, an S3 `FakeKey`, ...) appends itself to its
class's `instances_tracked` list when it is made, for moto's dashboard (`/moto-api/data.json`), and
nothing removes it until a reset. In a long-running server that list keeps every item ever built:
each version an update or a Put replaced, each deleted item, each copy a transaction took to roll
back (moto's and `rollback`'s), each item a request built and threw away. Under `make run`'s
soak that was most of the memory growth: about 13 dropped DynamoDB items per dispatch, with their
attribute values.

Here `BaseModel.__new__` appends to a `WeakInstances` instead, which holds each instance by a weak
reference and forgets it when it is freed: the dashboard (and S3's reset, which closes the tracked
keys' files) still sees every live instance, in the order they were made; the stored data, which
the backends hold themselves, is untouched.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from moto.core.common_models import BaseModel

from devserver.localaws.patching import SetAttr

PATCHED = "jobcover_weakly_tracked"


class _Ref(weakref.ref[Any]):
    """A weak reference that knows the id it was filed under (its referent is gone when the
    callback asks)."""

    __slots__ = ("key",)
    key: int


class WeakInstances:
    """What moto uses of a list (`append`, iteration, `len`), holding its instances weakly.

    No lock: each dict operation is atomic under the GIL, and a freed instance's callback runs
    while its id is still taken, so it never removes a newer instance's entry. An instance that
    cannot be weakly referenced (a `__slots__` class without `__weakref__`) is held as moto holds
    it.
    """

    def __init__(self, instances: Iterable[Any] = ()) -> None:
        self._held: dict[int, Any] = {}  # id -> _Ref, or the instance itself
        self._callback = self._forget
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        try:
            ref = _Ref(instance, self._callback)
        except TypeError:
            self._held[id(instance)] = instance
            return
        ref.key = id(instance)
        self._held[ref.key] = ref

    def _forget(self, ref: _Ref) -> None:
        if self._held.get(ref.key) is ref:
            self._held.pop(ref.key, None)

    def _live(self) -> list[Any]:
        while True:
            try:
                held = list(self._held.values())
                break
            except RuntimeError:  # an instance was freed during the copy
                continue
        found = (entry() if isinstance(entry, weakref.ref) else entry for entry in held)
        return [instance for instance in found if instance is not None]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._live())

    def __len__(self) -> int:
        return len(self._live())


_converting = threading.Lock()


def _weakly_tracked_new(cls: type[Any], *args: Any, **kwargs: Any) -> Any:
    """`BaseModel.__new__`, appending to the class's `WeakInstances` (made on first use: moto
    gives each model class a plain list when the class is made, and again at each reset)."""
    instance = super(BaseModel, cls).__new__(cls)
    tracked = cls.__dict__.get("instances_tracked")
    if not isinstance(tracked, WeakInstances):
        with _converting:
            tracked = cls.__dict__.get("instances_tracked")
            if not isinstance(tracked, WeakInstances):
                tracked = WeakInstances(tracked or ())
                cls.instances_tracked = tracked
    tracked.append(instance)
    return instance


def install_weak_tracking(set_attribute: SetAttr = setattr) -> None:
    """Patch moto's model base class so its instance tracking keeps nothing alive. Idempotent."""
    if getattr(BaseModel.__new__, PATCHED, False):
        return
    new = staticmethod(_weakly_tracked_new)
    setattr(new.__func__, PATCHED, True)
    set_attribute(BaseModel, "__new__", new)
