"""The preview's event hub: the latest build outcome, and the Server-Sent Events that carry
each outcome to the open pages (``reload`` after a good build, ``error`` with the problems
after a failed one)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from site_builder.errors import SiteError

KEEP_ALIVE_SECONDS = 15.0


@dataclass(frozen=True)
class BuildProblem:
    """One build error as pages receive it; ``file`` is relative to the project."""

    file: str
    line: int | None
    message: str
    hint: str

    @classmethod
    def of(cls, error: SiteError, root: Path) -> BuildProblem:
        path = error.path
        if path is not None and path.is_absolute() and path.is_relative_to(root):
            path = path.relative_to(root)
        return cls(str(path or ""), error.line, error.message, error.hint)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: " if self.file else ""
        return f"{where}{self.message}" + (f"\n  {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class State:
    """``seq`` counts build outcomes, ``generation`` good builds; ``problems``: the last one's."""

    seq: int = 0
    generation: int = 0
    problems: tuple[BuildProblem, ...] = ()


class Hub:
    """The latest build outcome; event streams wait here for the next one."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._state = State()
        self.closed = False

    @property
    def state(self) -> State:
        with self._changed:
            return self._state

    def publish(self, problems: tuple[BuildProblem, ...]) -> State:
        with self._changed:
            old = self._state
            self._state = State(old.seq + 1, old.generation + (not problems), problems)
            self._changed.notify_all()
            return self._state

    def wait(self, seq: int, timeout: float) -> State | None:
        """The state once it is newer than ``seq``; None after ``timeout`` or on close."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self._state.seq > seq, timeout)
            return None if self.closed or self._state.seq <= seq else self._state

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()


def event_stream(hub: Hub, since: str) -> Iterator[str]:
    """The text of an event stream: the current state at once (``reload`` if the page, of
    good build ``since``, is older than the site), then each build's outcome, with a
    keep-alive comment when nothing happened for KEEP_ALIVE_SECONDS; ends when the hub
    closes."""
    state = hub.state
    yield "retry: 1000\n\n"
    if state.problems:
        yield _event("error", state)
    elif since and since != str(state.generation):
        yield _event("reload", state)
    else:
        yield _event("ready", state)
    seq = state.seq
    while not hub.closed:
        newer = hub.wait(seq, KEEP_ALIVE_SECONDS)
        if newer is None:
            if not hub.closed:
                yield ": keep-alive\n\n"
            continue
        seq = newer.seq
        yield _event("error" if newer.problems else "reload", newer)


def _event(name: str, state: State) -> str:
    data = json.dumps({"generation": state.generation,
                       "errors": [asdict(p) for p in state.problems]})
    return f"event: {name}\ndata: {data}\n\n"
