"""Hostile ``.xlsx`` files, made at test time (a zip bomb is small to make and large to keep): each a trap a district's
form never is, for the server to refuse within seconds and in bounded memory.

The traps built on a real form (``junheng convert`` of nanan-2011.yaml) would be read as a valid filing by a reader
that did not look for them (macros, links to other workbooks): so a refusal shows the server looked. The sheets that
are large are written as a stream into the zip, never built in memory or through openpyxl.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_TYPES = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
         'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
         '</Relationships>')
_BOOK = (f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
         '<sheets><sheet name="学校" sheetId="1" r:id="rId1"/></sheets></workbook>')
_BOOK_RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
              'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
              '</Relationships>')
SCHOOLS = "xl/worksheets/sheet7.xml"  # the 学校 sheet of a converted form


def _skeleton(path: Path, sheet: Callable[[], Iterator[bytes]]) -> Path:
    """A one-sheet workbook whose sheet XML is streamed from ``sheet`` into the zip (deflated, as Excel does)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        out.writestr("[Content_Types].xml", _TYPES)
        out.writestr("_rels/.rels", _RELS)
        out.writestr("xl/workbook.xml", _BOOK)
        out.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for chunk in sheet():
                part.write(chunk)
    return path


def million_rows(path: Path, rows: int = 1_000_000) -> Path:
    """A sheet of ``rows`` numbered rows: about 45 MB of XML in a few MB of zip."""
    def sheet() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode()
        step = 20_000
        for start in range(1, rows + 1, step):
            yield "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(start, min(rows + 1, start + step))).encode()
        yield b"</sheetData></worksheet>"
    return _skeleton(path, sheet)


def zip_bomb(path: Path, unpacked: int = 256 * 2**20) -> Path:
    """A sheet that unpacks to ``unpacked`` bytes (of one row repeated) from a file of a few hundred KB."""
    row = b"<row><c><v>1</v></c></row>" * 4096

    def sheet() -> Iterator[bytes]:
        yield f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
        for _ in range(unpacked // len(row)):
            yield row
        yield b"</sheetData></worksheet>"
    return _skeleton(path, sheet)


def lying_zip_bomb(path: Path, unpacked: int = 256 * 2**20, claimed: int = 4096) -> Path:
    """The zip bomb whose directory claims its sheet unpacks to ``claimed`` bytes: a reader that trusted the
    directory's sizes would stop counting there and go on inflating."""
    zip_bomb(path, unpacked)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, claimed)  # the local header's uncompressed size
    end = data.rindex(b"PK\x05\x06")
    count, = struct.unpack_from("<H", data, end + 10)
    entry, = struct.unpack_from("<I", data, end + 16)
    for _ in range(count):  # the central directory's entry of the sheet
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, entry + 28)
        if bytes(data[entry + 46:entry + 46 + name_len]) == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, entry + 24, claimed)
        entry += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(data))
    return path


def _rewritten(form: Path, path: Path, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes]) -> Path:
    """A copy of the real workbook ``form`` with each part passed through ``change`` (None drops it) and ``extra`` added."""
    with zipfile.ZipFile(form) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            kept = change(info.filename, source.read(info))
            if kept is not None:
                out.writestr(info.filename, kept)
        for name, data in extra.items():
            out.writestr(name, data)
    return path


def macros(form: Path, path: Path) -> Path:
    """The form saved as a macro workbook (.xlsm) and renamed .xlsx: a VBA project and the macro-enabled content type."""
    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            data = data.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
            return data.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
        return data
    vba = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504  # an OLE compound file's signature, then the macro's source
           + b"Attribute VB_Name = \"ThisWorkbook\"\nSub Workbook_Open()\nShell \"calc\"\nEnd Sub\n")
    return _rewritten(form, path, change, {"xl/vbaProject.bin": vba})


def external_links(form: Path, path: Path) -> Path:
    """The form with its 学校 sheet's first number taken from another workbook on a file share (an external link)."""
    link = (f'<externalLink xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<externalBook r:id="rId1"><sheetNames><sheetName val="学校"/></sheetNames></externalBook></externalLink>').encode()
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
            b'Target="file:///\\\\fileserver\\share\\other.xlsx" TargetMode="External"/></Relationships>')

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/'
                                b'2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>')
        if name == "xl/workbook.xml":
            return data.replace(b"<definedNames/>", b'<externalReferences><externalReference xmlns:r="http://schemas.openxmlformats.org/'
                                b'officeDocument/2006/relationships" r:id="rIdX"/></externalReferences><definedNames/>')
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
        return data
    return _rewritten(form, path, change, {"xl/externalLinks/externalLink1.xml": link,
                                           "xl/externalLinks/_rels/externalLink1.xml.rels": rels})


def _with_doctype(form: Path, path: Path, doctype: bytes, entity: bytes) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name != SCHOOLS:
            return data
        at = data.index(b"<worksheet")
        data = data[:at] + doctype + data[at:]
        return data.replace("南岸区南坪实验小学".encode(), entity, 1)
    return _rewritten(form, path, change, {})


def entity_bomb(form: Path, path: Path) -> Path:
    """The form whose first school is named by the billion laughs: ten entities, each ten of the one before (10⁹ "lol")."""
    entities = b'<!ENTITY lol0 "lol">' + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    return _with_doctype(form, path, b"<!DOCTYPE worksheet [" + entities + b"]>", b"&lol9;")


def external_entity(form: Path, path: Path) -> Path:
    """The form whose first school is named by the server's /etc/passwd (an XML external entity)."""
    return _with_doctype(form, path, b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;")


def utf16_doctype(form: Path, path: Path) -> Path:
    """The billion laughs again, in a sheet written in UTF-16 (a DTD search in UTF-8 bytes would not see it)."""
    bombed = entity_bomb(form, path.with_name("utf16-source.xlsx"))

    def change(name: str, data: bytes) -> bytes:
        if name != SCHOOLS:
            return data
        return '<?xml version="1.0" encoding="UTF-16"?>'.encode("utf-16") + data.decode("utf-8").encode("utf-16-le")
    return _rewritten(bombed, path, change, {})
