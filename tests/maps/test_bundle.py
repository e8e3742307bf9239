"""maps.bundle: several layers' files joined into one the browser fetches and parses once."""

from __future__ import annotations

import json

import pydeck as pdk
import pytest

from maps.bundle import (
    bundle_name,
    bundle_text,
    can_share,
    data_file,
    from_bundle,
    layer_file,
)
from maps.deck import PreparedLayer, externalise, prepare


def _file_layer(layer_id: str, records: list[dict[str, object]]) -> PreparedLayer:
    layer = pdk.Layer("SolidPolygonLayer", records, id=layer_id, get_polygon="polygon")
    return externalise(layer, url_prefix="layers/")[0]


def test_bundle_holds_each_file_under_its_layer_id_unparsed() -> None:
    parts = {"ground": '[{"fill":[1,2,3],"tip":"操场"}]', "cells": "[]"}
    text = bundle_text(parts)
    assert json.loads(text) == {"ground": [{"fill": [1, 2, 3], "tip": "操场"}], "cells": []}
    assert '[{"fill":[1,2,3],"tip":"操场"}]' in text  # the file's text as written


@pytest.mark.parametrize("layer_id", ["blind-spots", "a.b", "1st", "", "bundle", "a b"])
def test_ids_an_expression_cannot_name_are_refused(layer_id: str) -> None:
    assert not can_share(layer_id)
    with pytest.raises(ValueError, match="bundle"):
        bundle_text({layer_id: "[]", "cells": "[]"})
    with pytest.raises(ValueError, match="bundle"):
        from_bundle(PreparedLayer(id=layer_id, json='{"data":"layers/x.json"}'), "layers/b.json")


def test_an_empty_bundle_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        bundle_text({})


def test_bundle_name_is_its_members_whatever_their_order() -> None:
    one = bundle_name({"cells": "cells-1.json", "ground": "ground-2.json"})
    assert one == bundle_name({"ground": "ground-2.json", "cells": "cells-1.json"})
    assert one.startswith("bundle-") and one.endswith(".json")
    assert one != bundle_name({"cells": "cells-3.json", "ground": "ground-2.json"})
    assert one != bundle_name({"cells": "ground-2.json", "ground": "cells-1.json"})


def test_a_layer_from_a_bundle_takes_its_part_and_keeps_the_rest() -> None:
    own = _file_layer("cells", [{"polygon": [[0, 0], [1, 0], [1, 1]]}])
    shared = from_bundle(own, "layers/bundle-abc.json")
    before, after = json.loads(own.json), json.loads(shared.json)
    assert after["data"] == "layers/bundle-abc.json"
    assert after["dataTransform"] == "@@=cells"  # deck.gl JSON: data => data.cells
    assert {k: v for k, v in after.items() if k not in ("data", "dataTransform")} == {
        k: v for k, v in before.items() if k != "data"
    }
    assert shared.id == "cells"


def test_layer_file_names_only_a_layer_drawing_its_own_file() -> None:
    own = _file_layer("roads", [{"polygon": [[0, 0], [1, 0], [1, 1]]}])
    name = json.loads(own.json)["data"].removeprefix("layers/")
    assert layer_file(own, "layers/") == name
    assert layer_file(own, "files/") is None  # another folder's URL
    assert layer_file(from_bundle(own, "layers/bundle-x.json"), "layers/") is None
    assert data_file(own, "layers/") == name  # the file its data is, own or a bundle
    assert data_file(from_bundle(own, "layers/bundle-x.json"), "layers/") == "bundle-x.json"
    inline = prepare(pdk.Layer("ScatterplotLayer", [{"p": [0, 0]}], id="sites"))
    assert layer_file(inline, "layers/") is None
    odd = PreparedLayer(id="x", json='{"data":"layers/../../etc/passwd"}')
    assert layer_file(odd, "layers/") is None and data_file(odd, "layers/") is None
    assert data_file(inline, "layers/") is None
