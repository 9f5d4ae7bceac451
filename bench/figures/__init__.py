"""The figures of `make bench`, one module each (NUMBER, TITLE, measure(args) -> dict,
render(data, rounds) -> lines), the profiles, the report and what they share (common)."""

from . import chat, hops, idle_ttft, latency, memory, polling, relay, startup, unary

FIGURES = {module.NUMBER: module for module in (unary, relay, latency, memory, startup, chat, idle_ttft, polling, hops)}
