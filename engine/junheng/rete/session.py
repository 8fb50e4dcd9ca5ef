"""The engine boundary: durable_rules sessions, sanitised facts, one recorder for every action.

Everything that knows durable_rules' hazards lives here (see the project's
notes on durable_rules 2.0.28):
- one ``Host`` per compiled pack, whose background dispatcher threads are
  switched off (``_run``) so that evaluation is synchronous, and whose every
  action is the same recorder;
- the ruleset and every fact are serialised by us, in plain fixed notation
  (an exponent form such as ``5e-05`` or ``Infinity`` crashes its parser),
  with magnitudes clamped to what the parser takes;
- facts are asserted through the low-level ``assert_facts`` (the ``Host``
  helpers raise when one fact of a batch matches nothing), and actions are
  driven synchronously, through the extension's own calls (``_act``: what
  ``Ruleset.do_actions`` does, without its per-action wrapping — a ``Closure``,
  a clock reading, the session's state written back unchanged);
- exceptions inside actions are swallowed by durable_rules: the recorder
  catches and keeps them, and the session is reported as an internal error;
- every session ends with the verdict stage, which always fires one action,
  so ``delete_state`` (which segfaults on a session with no action) is safe,
  and is always called, so the 1,024-session limit is never reached.

A crash inside the extension cannot be caught in Python; ``check/batch.py`` runs
evaluations in worker processes so that a crash costs one filing.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine as _dre
from durable import engine as _durable

from junheng.rete.facts import EngineError, dumps, loads, sanitize_tree
from junheng.rete.plan import Plan

__all__ = ["Engine", "Fired", "OnFire", "Session"]

_names = itertools.count(1)

Fact = Mapping[str, Any]


class _SafeRuleset(_durable.Ruleset):
    """durable's Ruleset, but serialising the definition with ``dumps`` (no exponent forms)."""

    def __init__(self, name: str, host: _Host, ruleset_definition: dict[str, dict[str, Any]]):
        self._actions = {}
        self._name = name
        self._host = host
        for rule_name, rule in ruleset_definition.items():
            action = rule.pop("run")
            self._actions[rule_name] = _durable.Promise(host.get_action(action))
        self._handle = _dre.create_ruleset(name, dumps(sanitize_tree(ruleset_definition)))
        self._definition = ruleset_definition


@dataclass
class Fired:
    """One action: the engine rule that fired and the facts it matched (alias → fact)."""

    name: str
    facts: dict[str, dict[str, Any]]


@dataclass
class Session:
    """What one filing's evaluation produced."""

    fired: list[Fired] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# Called for every action with what fired; answers the facts to assert in response.
OnFire = Callable[[Fired], Iterable[Fact] | None]


def _no_answers(fired: Fired) -> None:
    """``on_fire`` between runs: no action fires then."""


class _Host(_durable.Host):
    """A Host whose actions all go to one recorder, and which runs nothing in the background."""

    def __init__(self, engine: Engine):
        self._engine = engine
        super().__init__()

    def _run(self) -> None:  # no dispatcher threads: we drive the actions ourselves
        pass

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        engine = self._engine
        return lambda c: engine._record(action_name, c._m or {})  # durable's own driver (``Engine._act`` is ours)

    def register_rulesets(self, ruleset_definitions: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
        for name, definition in ruleset_definitions.items():
            if name in self._ruleset_directory:
                raise EngineError(f"ruleset {name} already registered")
            ruleset = _SafeRuleset(name, self, definition)
            self._ruleset_directory[name] = ruleset
            self._ruleset_list.append(ruleset)
        return list(ruleset_definitions)


class Engine:
    """One pack's plan in durable_rules; ``run`` evaluates one filing's facts in its own session.

    ``on_fire(fired) -> list[dict]`` is called for every action and returns the
    facts to assert in response (finding facts, which aggregates and the
    verdict match); it runs inside the engine's action, so it must not raise —
    anything it raises is recorded as an internal error of the session.
    """

    def __init__(self, plan: Plan):
        self.plan = plan
        self._ruleset_name = f"junheng_{plan.name}_{next(_names)}"
        self._host = _Host(self)
        # A copy of each rule's top level: registering pops its "run" (``_SafeRuleset``), and nothing else is changed.
        definition = {name: {**rule, "run": name} for name, rule in plan.durable.items()}
        self._host.set_rulesets({self._ruleset_name: definition})
        self._ruleset = self._host.get_ruleset(self._ruleset_name)
        self._lock = threading.Lock()
        # the run in progress (``run`` sets all three)
        self._session = Session()
        self._on_fire: OnFire = _no_answers
        self._sid = ""
        self._sessions = itertools.count(1)

    # the one action of every engine rule
    def _record(self, name: str, matched: dict[str, Any]) -> None:
        try:
            # the matched facts, {alias: fact}
            facts = {k: (v._d if hasattr(v, "_d") else v) for k, v in matched.items()}
            fired = Fired(name, facts)
            self._session.fired.append(fired)
            for fact in self._on_fire(fired) or ():
                self._assert(fact)
        except BaseException as e:  # noqa: BLE001 - durable would swallow it; keep it instead
            self._session.errors.append(f"{type(e).__name__}: {e}")

    def _assert(self, fact: Fact) -> None:
        fact = dict(fact)
        fact["sid"] = self._sid
        _dre.assert_fact(self._ruleset._handle, dumps(fact))

    def run(self, stages: Iterable[Iterable[Fact]], on_fire: OnFire) -> Session:
        """Assert each stage's facts in turn and run every action to quiescence; always deletes the session."""
        with self._lock:
            self._session = session = Session()
            self._on_fire = on_fire
            self._sid = str(next(self._sessions))
            handle = self._ruleset._handle
            acted = False
            try:
                for facts in stages:
                    batch = [{**f, "sid": self._sid} for f in facts]
                    if not batch:
                        continue
                    result = _dre.assert_facts(handle, dumps(batch))
                    state_handle = result[1] if isinstance(result, (tuple, list)) else result
                    self._act(handle, state_handle)
                    acted = acted or bool(session.fired)
            finally:
                if acted:
                    _dre.delete_state(handle, self._sid)
                else:  # delete_state segfaults on a session where no action ran
                    session.errors.append("no engine action ran for this filing (the verdict stage never fired)")
            return session

    def _act(self, handle: int, state_handle: int) -> None:
        """Run every action the session has pending, one at a time, to quiescence.

        ``Ruleset.do_actions`` as the extension expects it — start the session's first action, record it, complete it
        and start the next — without what durable wraps around each one for actions that change the session's state
        (a ``Closure``, a clock reading, the state serialised and written back): the recorder never changes it. A
        failure of the extension's own calls abandons the action and is an error of the session, as durable reports it.
        """
        session = self._session
        try:
            started = _dre.start_action_for_state(handle, state_handle)
        except BaseException as e:  # noqa: BLE001 - durable reports it to its callback; an error of the session here
            session.errors.append(f"{type(e).__name__}: {e}")
            return
        pending = started[1] if started else None
        while pending:
            for name, matched in loads(pending).items():  # one action per message
                self._record(name, matched)
                break
            try:
                pending = _dre.complete_and_start_action(handle, state_handle)
            except BaseException as e:  # noqa: BLE001 - as above
                _dre.abandon_action(handle, state_handle)
                session.errors.append(f"{type(e).__name__}: {e}")
                return
