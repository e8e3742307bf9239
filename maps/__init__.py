"""Pure map builders: GeoDataFrames in, pydeck layers and decks out (no database, no Streamlit)."""
