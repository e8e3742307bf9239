"""The text encoding of Shapefiles without a ``.cpg`` and of DXF site plans.

A Shapefile made in ArcGIS or SuperMap in China often has no ``.cpg``; GDAL then reads its
DBF as ISO-8859-1 and Chinese names come out as mojibake, silently. :func:`shapefile_encoding`
decides from the DBF's language driver id (LDID, the byte at offset 29), else by decoding the
DBF's names and text fields as UTF-8, then GB18030. :func:`dxf_encoding` does the same for DXF:
AutoCAD 2007 and later write UTF-8 whatever ``$DWGCODEPAGE`` says.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

#: DBF language driver id → Python/GDAL encoding (the ids ESRI and dBase use; 0x57 "ANSI"
#: and 0 mean "not said" and are decided from the content).
LDID_ENCODINGS: dict[int, str] = {
    0x01: "CP437",
    0x02: "CP850",
    0x03: "CP1252",
    0x4D: "CP936",  # GBK, mainland China
    0x4E: "CP949",
    0x4F: "CP950",  # Big5, Taiwan and Hong Kong
    0x7A: "CP936",  # ESRI's id for GBK
    0x7B: "CP932",
    0x7D: "CP1255",
    0x7E: "CP1256",
    0xC8: "CP1250",
    0xC9: "CP1251",
}
#: Bytes of DBF records examined when guessing (the whole file when smaller).
SAMPLE_BYTES = 4 << 20
_ACADVER = re.compile(rb"\$ACADVER\s*\r?\n\s*1\s*\r?\n\s*AC(\d{4})")
_CODEPAGE = re.compile(rb"\$DWGCODEPAGE\s*\r?\n\s*3\s*\r?\n\s*(\S+)")


def shapefile_encoding(shp: Path) -> tuple[str | None, str | None]:
    """Return (encoding to read ``shp``'s DBF with, a note for the user) — (None, None) when
    a ``.cpg`` says it, the DBF is missing or its text is plain ASCII.

    The note says how the encoding was chosen when it was guessed from the content.
    """
    if any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None, None
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None, None
    with dbf.open("rb") as handle:
        head = handle.read(32)
        if len(head) < 32:
            return None, None
        header_len, record_len = struct.unpack("<HH", head[8:12])
        descriptors = handle.read(max(header_len - 32, 0))
        records = handle.read(SAMPLE_BYTES)
    declared = LDID_ENCODINGS.get(head[29])
    if declared:
        return declared, None
    texts = _dbf_texts(descriptors, records, record_len)
    if all(t.isascii() for t in texts):
        return None, None
    for encoding in ("UTF-8", "GB18030"):
        if _decodes(texts, encoding):
            return encoding, (
                f"no .cpg file and no code page in the .dbf; text read as {encoding} (the only "
                "encoding it decodes in); add a .cpg file if that is wrong"
            )
    return None, (
        "no .cpg file and the text is neither UTF-8 nor GB18030; add a .cpg file naming its "
        "encoding (e.g. GBK, BIG5)"
    )


def _dbf_texts(descriptors: bytes, records: bytes, record_len: int) -> list[bytes]:
    """Return the field names and the text-field values of the DBF sample, as bytes."""
    fields: list[tuple[bytes, int, int]] = []  # (type, offset in record, length)
    offset = 1  # the deletion flag
    for i in range(0, len(descriptors) - 31, 32):
        entry = descriptors[i : i + 32]
        if entry[0] == 0x0D:
            break
        fields.append((entry[11:12], offset, entry[16]))
        offset += entry[16]
    texts = [descriptors[i : i + 11].split(b"\0")[0] for i in range(0, 32 * len(fields), 32)]
    if record_len <= 0:
        return texts
    for start in range(0, len(records) - record_len + 1, record_len):
        record = records[start : start + record_len]
        texts.extend(record[o : o + n].strip() for kind, o, n in fields if kind == b"C")
    return texts


def _decodes(texts: list[bytes], encoding: str) -> bool:
    """Return True when every text decodes strictly (a value cut mid-character may end it)."""
    for text in texts:
        try:
            text.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(text) - 3:  # not just a character cut at the field's end
                return False
    return True


def dxf_encoding(path: Path) -> tuple[str | None, str | None]:
    """Return (encoding for GDAL's ``DXF_ENCODING``, a note) for a DXF file.

    AutoCAD 2007 (AC1021) and later write UTF-8; older files are read in their
    ``$DWGCODEPAGE`` by GDAL unless their text does not decode in it, when UTF-8 then GB18030
    are tried. (None, None) leaves the choice to GDAL.
    """
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    version = _ACADVER.search(sample)
    if version and int(version.group(1)) >= 1021:
        return "UTF-8", None
    if sample.isascii():
        return None, None
    page = _CODEPAGE.search(sample)
    declared = page.group(1).decode("ascii", "replace").upper() if page else ""
    if declared in ("ANSI_936", "GBK", "GB2312"):
        return "CP936", None
    for encoding in ("UTF-8", "GB18030"):
        if _decodes([sample], encoding):
            note = f"$DWGCODEPAGE says {declared or 'nothing'}; text read as {encoding}"
            return encoding, note
    return None, None
