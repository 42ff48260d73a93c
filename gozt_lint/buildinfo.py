"""Go build information read straight from a binary, without running anything.

What ``go version -m`` prints comes from a 32-byte header that the linker puts
at a 16-byte-aligned address: ``"\\xff Go buildinf:"``, the pointer size, flags
(bit 0 big-endian, bit 1 "strings inline", Go >= 1.18), then, inline, two
uvarint-length-prefixed strings: the Go version and the module information,
which runtime/debug.ParseBuildInfo reads (``path``, ``mod``, ``dep``, ``=>``,
``build`` lines). See debug/buildinfo in the Go source.

ELF files are read the way debug/buildinfo does (the ``.go.buildinfo`` section;
program headers map the older pointer format). Other formats (Mach-O, PE) are
scanned for the header at 16-byte-aligned file offsets, which finds the inline
format; the pre-1.18 pointer format is decoded for ELF only.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass, field
from typing import Any

MAGIC = b"\xff Go buildinf:"
HEADER_SIZE = 32
ALIGN = 16
# The sentinels runtime/debug wraps modinfo in.
_MODINFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")


class BuildInfoError(Exception):
    """A file that claims to be a Go binary but whose build information is malformed."""


@dataclass
class Module:
    path: str
    version: str
    sum: str = ""
    replace: Module | None = None

    def to_json(self) -> dict[str, Any]:
        """The shape of `go version -m -json` (runtime/debug.Module; empty fields omitted)."""
        out: dict[str, Any] = {}
        if self.path:
            out["Path"] = self.path
        if self.version:
            out["Version"] = self.version
        if self.sum:
            out["Sum"] = self.sum
        if self.replace is not None:
            out["Replace"] = self.replace.to_json()
        return out


@dataclass
class BuildInfo:
    go_version: str
    path: str = ""
    main: Module = field(default_factory=lambda: Module("", ""))
    deps: list[Module] = field(default_factory=list)
    settings: list[tuple[str, str]] = field(default_factory=list)

    def setting(self, key: str) -> str | None:
        for k, v in self.settings:
            if k == key:
                return v
        return None

    @property
    def vcs_modified(self) -> bool:
        return self.setting("vcs.modified") == "true"

    def to_json(self) -> dict[str, Any]:
        """What `go version -m -json FILE` prints for this binary."""
        out: dict[str, Any] = {"GoVersion": self.go_version}
        if self.path:
            out["Path"] = self.path
        out["Main"] = self.main.to_json()
        if self.deps:
            out["Deps"] = [d.to_json() for d in self.deps]
        if self.settings:
            out["Settings"] = [{"Key": k, "Value": v} for k, v in self.settings]
        return out


# -- finding the header ----------------------------------------------------------------


def read_file(path: str | os.PathLike[str]) -> BuildInfo | None:
    """The build information of a Go binary; None when ``path`` is not one.

    Raises OSError when the file cannot be read and BuildInfoError when the
    header is there but what follows is malformed.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < HEADER_SIZE:
            return None
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            raw = read_raw(m)
    if raw is None:
        return None
    version, modinfo = raw
    info = parse_modinfo(modinfo)
    info.go_version = version
    return info


def read_raw(data: Any) -> tuple[str, str] | None:
    """(Go version, modinfo with sentinels stripped) from a bytes-like image."""
    if bytes(data[:4]) == b"\x7fELF":
        elf = _Elf.parse(data)
        if elf is None:
            return None
        sect = elf.section(b".go.buildinfo")
        if sect is None:
            return None
        off, size = sect
        pos = _search(data, off, off + size)
        if pos is None:
            return None
        return _decode(data, pos, elf.vaddr_to_offset)
    pos = _search(data, 0, len(data))
    if pos is None:
        return None
    return _decode(data, pos, None)


def _search(data: Any, start: int, end: int) -> int | None:
    i = data.find(MAGIC, start, end)
    while i >= 0:
        # File offsets of loaded data keep their address's alignment (ELF, PE, Mach-O).
        if i % ALIGN == 0:
            return i if i + HEADER_SIZE <= len(data) else None
        i = data.find(MAGIC, i + 1, end)
    return None


def _uvarint(data: Any, pos: int) -> tuple[int, int]:
    x = shift = 0
    for n in range(10):
        if pos + n >= len(data):
            raise BuildInfoError("truncated length in build info")
        b = data[pos + n]
        x |= (b & 0x7F) << shift
        if b < 0x80:
            return x, pos + n + 1
        shift += 7
    raise BuildInfoError("overlong length in build info")


def _decode(data: Any, pos: int, vaddr_to_offset: Any) -> tuple[str, str] | None:
    header = bytes(data[pos : pos + HEADER_SIZE])
    ptr_size, flags = header[14], header[15]
    if flags & 0x2:
        n, p = _uvarint(data, pos + HEADER_SIZE)
        if p + n > len(data):
            raise BuildInfoError("build info version runs past the end of the file")
        version = bytes(data[p : p + n])
        m, q = _uvarint(data, p + n)
        if q + m > len(data):
            raise BuildInfoError("build info module data runs past the end of the file")
        mod = bytes(data[q : q + m])
    else:
        if vaddr_to_offset is None:
            raise BuildInfoError("pre-Go 1.18 build info (pointer format) is decoded for ELF binaries only")
        if ptr_size not in (4, 8):
            return None
        big = bool(flags & 0x1)
        fmt = (">" if big else "<") + ("I" if ptr_size == 4 else "Q")

        def read_ptr(off: int) -> int:
            return int(struct.unpack_from(fmt, data, off)[0])

        def read_string(addr: int) -> bytes:
            off = vaddr_to_offset(addr, 2 * ptr_size)
            if off is None:
                return b""
            sp, sl = read_ptr(off), read_ptr(off + ptr_size)
            doff = vaddr_to_offset(sp, sl)
            return b"" if doff is None else bytes(data[doff : doff + sl])

        version = read_string(read_ptr(pos + 16))
        mod = read_string(read_ptr(pos + 16 + ptr_size))
    if not version:
        return None
    if len(mod) >= 33 and mod[len(mod) - 17] == 0x0A:
        mod = mod[16:-16]
    else:
        mod = b""
    return version.decode("utf-8", "surrogateescape"), mod.decode("utf-8", "surrogateescape")


@dataclass
class _Elf:
    data: Any
    big: bool
    is64: bool
    sections: list[tuple[int, int, int, int]]  # (name offset, type, file offset, size)
    shstr: tuple[int, int] | None
    loads: list[tuple[int, int, int]]  # (vaddr, file offset, file size)

    @classmethod
    def parse(cls, data: Any) -> _Elf | None:
        if len(data) < 64:
            return None
        ei_class, ei_data = data[4], data[5]
        if ei_class not in (1, 2) or ei_data not in (1, 2):
            return None
        is64, big = ei_class == 2, ei_data == 2
        e = ">" if big else "<"
        try:
            if is64:
                phoff, shoff = struct.unpack_from(e + "QQ", data, 0x20)
                phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(e + "HHHHH", data, 0x36)
            else:
                phoff, shoff = struct.unpack_from(e + "II", data, 0x1C)
                phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(e + "HHHHH", data, 0x2A)
            sections = []
            for i in range(shnum):
                off = shoff + i * shentsize
                if off + shentsize > len(data):
                    return None
                if is64:
                    name, typ, _flags, _addr, soff, size = struct.unpack_from(e + "IIQQQQ", data, off)
                else:
                    name, typ, _flags, _addr, soff, size = struct.unpack_from(e + "IIIIII", data, off)
                sections.append((name, typ, soff, size))
            loads = []
            for i in range(phnum):
                off = phoff + i * phentsize
                if off + phentsize > len(data):
                    return None
                if is64:
                    ptype, _pflags, poff, vaddr, _paddr, filesz = struct.unpack_from(e + "IIQQQQ", data, off)
                else:
                    ptype, poff, vaddr, _paddr, filesz = struct.unpack_from(e + "IIIII", data, off)
                if ptype == 1:  # PT_LOAD
                    loads.append((vaddr, poff, filesz))
        except struct.error:
            return None
        shstr = None
        if 0 < shstrndx < len(sections):
            _, _, soff, size = sections[shstrndx]
            shstr = (soff, size)
        return cls(data, big, is64, sections, shstr, loads)

    def section(self, want: bytes) -> tuple[int, int] | None:
        if self.shstr is None:
            return None
        base, size = self.shstr
        for name, typ, off, sz in self.sections:
            if name >= size or typ == 8:  # SHT_NOBITS has no bytes in the file
                continue
            start = base + name
            end = self.data.find(b"\0", start, base + size)
            if end >= 0 and bytes(self.data[start:end]) == want:
                if off + sz > len(self.data):
                    raise BuildInfoError(f"section {want.decode()} runs past the end of the file")
                return off, sz
        return None

    def vaddr_to_offset(self, addr: int, length: int) -> int | None:
        for vaddr, off, filesz in self.loads:
            if vaddr <= addr and addr + length <= vaddr + filesz:
                return off + (addr - vaddr)
        return None


# -- modinfo ------------------------------------------------------------------------------


def _quote_key(key: str) -> bool:
    return not key or any(c in key for c in '= \t\r\n"`')


def _quote_value(value: str) -> bool:
    return any(c in value for c in ' \t\r\n"`')


def parse_modinfo(data: str) -> BuildInfo:
    """runtime/debug.ParseBuildInfo, with its error messages (``line N: ...``)."""
    info = BuildInfo(go_version="")
    last: Module | None = None
    lines = data.split("\n")
    # A final line without a newline is ignored, as strings.Cut leaves it unconsumed.
    for n, line in enumerate(lines[:-1], 1):
        try:
            last = _parse_line(info, line, last)
        except BuildInfoError as e:
            raise BuildInfoError(f"could not parse Go build info: line {n}: {e}") from None
    return info


def _module(elem: list[str]) -> Module:
    if len(elem) not in (2, 3):
        raise BuildInfoError(f"expected 2 or 3 columns; got {len(elem)}")
    return Module(elem[0], elem[1], elem[2] if len(elem) == 3 else "")


def _parse_line(info: BuildInfo, line: str, last: Module | None) -> Module | None:
    if line.startswith("path\t"):
        info.path = line[5:]
    elif line.startswith("mod\t"):
        info.main = _module(line[4:].split("\t"))
        return info.main
    elif line.startswith("dep\t"):
        m = _module(line[4:].split("\t"))
        info.deps.append(m)
        return m
    elif line.startswith("=>\t"):
        elem = line[3:].split("\t")
        if len(elem) != 3:
            raise BuildInfoError(f"expected 3 columns for replacement; got {len(elem)}")
        if last is None:
            raise BuildInfoError("replacement with no module on previous line")
        last.replace = Module(elem[0], elem[1], elem[2])
        return None
    elif line.startswith("build\t"):
        info.settings.append(_build_setting(line[6:]))
    return last


def _build_setting(kv: str) -> tuple[str, str]:
    if not kv:
        raise BuildInfoError("build line missing '='")
    if kv[0] == "=":
        raise BuildInfoError("build line with missing key")
    if kv[0] in "`\"":
        raw_key = quoted_prefix(kv)
        if raw_key is None:
            raise BuildInfoError("invalid quoted key in build line")
        if len(kv) == len(raw_key):
            raise BuildInfoError("build line missing '=' after quoted key")
        if kv[len(raw_key)] != "=":
            raise BuildInfoError(f"unexpected character after quoted key: {kv[len(raw_key)]!r}")
        key = unquote(raw_key)
        raw_value = kv[len(raw_key) + 1 :]
    else:
        key, eq, raw_value = kv.partition("=")
        if not eq:
            raise BuildInfoError("build line missing '=' after key")
        if _quote_key(key):
            raise BuildInfoError(f"unquoted key {key!r} must be quoted")
    if raw_value and raw_value[0] in "`\"":
        try:
            value = unquote(raw_value)
        except ValueError:
            raise BuildInfoError("invalid quoted value in build line") from None
    else:
        value = raw_value
        if _quote_value(value):
            raise BuildInfoError(f"unquoted value {value!r} must be quoted")
    return key, value


# -- Go string literals (strconv.Unquote / QuotedPrefix) --------------------------------------

_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"', "'": "'"}


def _unquote_prefix(s: str) -> tuple[str, int]:
    """The value of the Go string literal at the start of ``s`` and its length."""
    if not s:
        raise ValueError("empty")
    q = s[0]
    if q == "`":
        end = s.find("`", 1)
        if end < 0:
            raise ValueError("unterminated raw string")
        body = s[1:end]
        if "\r" in body:
            body = body.replace("\r", "")
        return body, end + 1
    if q != '"':
        raise ValueError("not a string literal")
    out: list[str] = []
    raw = bytearray()  # \x and octal escapes are bytes; a run of them is UTF-8 or raw
    i = 1
    n = len(s)

    def flush() -> None:
        if raw:
            out.append(bytes(raw).decode("utf-8", "surrogateescape"))
            raw.clear()

    while i < n:
        c = s[i]
        if c == '"':
            flush()
            return "".join(out), i + 1
        if c == "\n":
            raise ValueError("newline in string")
        if c != "\\":
            flush()
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            raise ValueError("unterminated escape")
        e = s[i + 1]
        if e in _SIMPLE and e != "'":
            flush()
            out.append(_SIMPLE[e])
            i += 2
        elif e == "x":
            h = s[i + 2 : i + 4]
            if len(h) != 2 or not all(ch in "0123456789abcdefABCDEF" for ch in h):
                raise ValueError("bad \\x escape")
            raw.append(int(h, 16))
            i += 4
        elif e in "01234567":
            o = s[i + 1 : i + 4]
            if len(o) != 3 or not all(ch in "01234567" for ch in o) or int(o, 8) > 255:
                raise ValueError("bad octal escape")
            raw.append(int(o, 8))
            i += 4
        elif e in "uU":
            width = 4 if e == "u" else 8
            h = s[i + 2 : i + 2 + width]
            if len(h) != width or not all(ch in "0123456789abcdefABCDEF" for ch in h):
                raise ValueError("bad unicode escape")
            cp = int(h, 16)
            if cp > 0x10FFFF or 0xD800 <= cp < 0xE000:
                raise ValueError("invalid code point")
            flush()
            out.append(chr(cp))
            i += 2 + width
        else:
            raise ValueError(f"unknown escape \\{e}")
    raise ValueError("unterminated string")


def unquote(s: str) -> str:
    """strconv.Unquote for "..." and `...` strings; ValueError when invalid."""
    value, length = _unquote_prefix(s)
    if length != len(s):
        raise ValueError("trailing characters after string literal")
    return value


def quoted_prefix(s: str) -> str | None:
    """strconv.QuotedPrefix: the literal at the start of ``s``, or None."""
    try:
        _, length = _unquote_prefix(s)
    except ValueError:
        return None
    return s[:length]
