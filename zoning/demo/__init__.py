"""The synthetic demo campus: ``build`` (public) puts together the private ``_layout``
(quarters, roads, gates), ``_buildings``, ``_features`` (names, entrances, cameras) and
``_geometry`` helpers. Its 90 days of history are seeded by :mod:`zoning.services.demo`.

Pure: no database, no CLI.
"""

from zoning.demo.build import DemoCampus, build_demo

__all__ = ["DemoCampus", "build_demo"]
