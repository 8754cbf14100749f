"""diampart: partitions of compact sets into parts of smaller diameter (Borsuk-type problems).

d_m(F) is the least x such that F is covered by m sets of diameter <= x. Upper bounds come from
searched partitions (Voronoi + SLSQP, :mod:`diampart.search`, or SAT colourings of a triangulated
grid, :mod:`diampart.gridsat`) checked in exact rational arithmetic (:mod:`diampart.certificate`), lower
bounds from finite point sets whose ">= tau" graph is not m-colourable (:mod:`diampart.lower`).
See docs/diampart.md. The library imports nothing from infolens; its command line shares
infolens' error path (:mod:`infolens._cli`).

Examples
--------
>>> from diampart import search_partition, check_certificate
>>> res = search_partition("square", 4, restarts=2, seed=0)
>>> check_certificate(res.certificate).ok
True
"""

from diampart.certificate import Certificate, CheckReport, check_certificate, load_certificate
from diampart.gridsat import grid_sat_partition
from diampart.lower import LowerBound, point_lower_bound, sat_lower_bound
from diampart.search import SearchResult, search_partition
from diampart.shapes import ConvexPolygon, Disk, FlatTorus, get_shape

__all__ = [
    "Certificate",
    "CheckReport",
    "ConvexPolygon",
    "Disk",
    "FlatTorus",
    "LowerBound",
    "SearchResult",
    "check_certificate",
    "get_shape",
    "grid_sat_partition",
    "load_certificate",
    "point_lower_bound",
    "sat_lower_bound",
    "search_partition",
]
