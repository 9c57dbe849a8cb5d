"""Gzip a file once at build time for nginx's gzip_static, in chunks, so an edit to one app recompresses one or two."""

from __future__ import annotations

import os
import re
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

# Where an app's entry starts in feed.json and the index ('basename' is its first key); about one
# entry in CHUNK_APPS starts a new chunk of the precompressed file. WINDOW is deflate's reach back.
_ENTRY_START = re.compile(rb',\{"basename":"([a-z0-9_]+)"')
CHUNK_APPS = 32
WINDOW = 32 * 1024
# RFC 1952 header: magic, deflate, no flags (so no file name), mtime 0, XFL 2 (slowest), OS 255 (unknown).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


def precompress(data: bytes, deflate=None) -> bytes:
    """Gzip a file for nginx's gzip_static: deflate at level 9 under a fixed header (no name, mtime 0), so equal bytes give equal bytes.

    The file is deflated in chunks that start at app entries (chosen by a hash of the basename, so
    an added or removed app moves no other boundary), each primed with the 32 KiB before it and
    ended on a byte boundary, the way pigz joins its pieces into one stream. deflate (deflate_chunk
    unless given: the engine gives it remembered) compresses each chunk.
    """
    deflate = deflate or deflate_chunk
    bounds = [0, *(m.start() + 1 for m in _ENTRY_START.finditer(data) if zlib.crc32(m.group(1)) % CHUNK_APPS == 0), len(data)]

    def one(span: tuple[int, int]) -> bytes:
        start, end = span
        return deflate(data[max(0, start - WINDOW):start], data[start:end], end == len(data))

    spans = list(zip(bounds, bounds[1:]))
    if len(spans) < 2:
        return GZIP_HEADER + b"".join(map(one, spans)) + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    # Chunks are deflated apart, so on every core at once: zlib (and the memo's hashing) let go of the interpreter
    # lock while they work. map keeps the chunks' order, so the bytes are those of one thread.
    with ThreadPoolExecutor(max_workers=min(len(spans), os.cpu_count() or 1)) as pool:
        body = list(pool.map(one, spans))
    return GZIP_HEADER + b"".join(body) + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def deflate_chunk(window: bytes, chunk: bytes, last: bool) -> bytes:
    """Deflate one chunk primed with the window before it, ending the stream if last, else on a byte boundary."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 9, **({"zdict": window} if window else {}))
    return deflate.compress(chunk) + deflate.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
