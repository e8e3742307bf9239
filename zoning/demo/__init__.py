"""The synthetic demo campus: ``layout`` (quarters, roads, gates), ``buildings``,
``features`` (names, entrances, cameras), ``geometry`` helpers and ``build`` which puts
them together. Its 90 days of history are seeded by :mod:`zoning.services.demo`.

Pure: no database, no CLI.
"""

from zoning.demo.build import DemoCampus, build_demo

__all__ = ["DemoCampus", "build_demo"]
