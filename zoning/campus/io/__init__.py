"""Reading campus files into :class:`~zoning.campus.layers.CampusLayers` and writing them
back: ``files`` (the entry points), ``read`` (drivers, CRS), ``layers`` (kinds, repairs),
``boundary`` (which university polygon), ``cameras`` (camera attributes), ``osm`` (tags).
"""

from zoning.campus.io.files import export_campus, read_campus

__all__ = ["export_campus", "read_campus"]
