"""campusgrid's domain: campus data, grid zoning, cameras, checklists, the ledger and storage.

Nothing here imports streamlit or pydeck (see DESIGN.md, direction of imports).
"""

__version__ = "0.1.0"
