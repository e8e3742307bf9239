"""Canonical awkward shapes reused by every geometry test (metric coordinates, metres).

All shapes are in a local metric frame; tests that need a CRS use :data:`METRIC_CRS`
(UTM 50N, where the demo campus lies).
"""

from __future__ import annotations

from shapely import MultiPolygon, Point, Polygon, box

METRIC_CRS = "EPSG:32650"

#: A plain 1 km × 600 m rectangle.
RECTANGLE = box(0, 0, 1000, 600)
#: An L-shaped (concave) campus.
L_SHAPE = Polygon([(0, 0), (800, 0), (800, 300), (300, 300), (300, 700), (0, 700)])
#: A campus with a lake (hole) in the middle.
WITH_LAKE = Polygon(
    [(0, 0), (900, 0), (900, 700), (0, 700)],
    holes=[[(300, 250), (600, 250), (600, 450), (300, 450)]],
)
#: A campus with a thin strip 8 m wide sticking out east.
THIN_STRIP = Polygon(
    [(0, 0), (500, 0), (500, 200), (900, 200), (900, 208), (500, 208), (500, 500), (0, 500)]
)
#: A campus made of two disjoint polygons (like shu).
TWO_PARTS = MultiPolygon([box(0, 0, 600, 500), box(800, 100, 1100, 400)])
#: A sliver: 200 m long and 0.5 m wide.
SLIVER = box(0, 0, 200, 0.5)
#: A U-shaped building with its courtyard opening to the south.
U_BUILDING = Polygon([(0, 0), (10, 0), (10, 40), (40, 40), (40, 0), (50, 0), (50, 50), (0, 50)])
#: A building with an inner courtyard (a hole).
COURTYARD_BUILDING = Polygon(
    [(0, 0), (60, 0), (60, 60), (0, 60)], holes=[[(15, 15), (45, 15), (45, 45), (15, 45)]]
)
#: A camera standing exactly on the south wall of :data:`COURTYARD_BUILDING`'s outer ring.
CAMERA_ON_WALL = Point(30, 0)

ALL_CAMPUS_SHAPES = {
    "rectangle": RECTANGLE,
    "l_shape": L_SHAPE,
    "with_lake": WITH_LAKE,
    "thin_strip": THIN_STRIP,
    "two_parts": TWO_PARTS,
}
