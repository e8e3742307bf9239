"""Reading campus files into :class:`~zoning.campus.layers.CampusLayers` and writing them
back: ``files`` (the entry points, public); private helpers ``_read`` (drivers, CRS),
``_layers`` (kinds, repairs), ``_boundary`` (which university polygon), ``_cameras`` (camera
attributes) and ``_osm`` (tags).
"""

from zoning.campus.io.files import export_campus, read_campus

__all__ = ["export_campus", "read_campus"]
