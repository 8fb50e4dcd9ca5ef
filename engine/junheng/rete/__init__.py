"""The durable_rules boundary: the fact protocol, the compiled plan, sessions, and a plain-Python reference reading.

``plan_pack`` turns a compiled pack into a ``Plan`` (durable_rules rules and the ``Action`` each
fires); an ``Engine`` runs a plan over one filing's facts at a time and answers a ``Session`` of
what ``Fired``; a fault of the engine is an ``EngineError``. ``reference`` is the differential
tests' oracle and is not imported here.
"""

from junheng.rete.facts import Action, EngineError
from junheng.rete.plan import Plan, plan_pack
from junheng.rete.session import Engine, Fired, Session

__all__ = ["Action", "Engine", "EngineError", "Fired", "Plan", "Session", "plan_pack"]
