"""Bounded decompression of an HTTP body: a compressed bomb never expands in one step."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

CHUNK = 64 * 1024
ENCODINGS = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})


class Inflater:
    """A step-wise decompressor for one ``Content-Encoding``: ``feed`` a chunk (None at the
    end) and it yields the output in pieces of at most ``CHUNK`` bytes, so no step holds
    more than that much of a body that expands a thousandfold.

    Raises ValueError for an encoding not in ``ENCODINGS``; ``feed`` raises zlib.error for
    a broken body.
    """

    def __init__(self, encoding: str) -> None:
        self.name = encoding.strip().lower()
        if self.name not in ENCODINGS:
            raise ValueError(f"an encoding we do not read: {encoding}")
        # gzip: header auto-detected (32); deflate: the zlib wrapper, as HTTP says.
        bits = zlib.MAX_WBITS if self.name == "deflate" else zlib.MAX_WBITS | 32
        self.inflate = zlib.decompressobj(bits)
        self.started = False

    def feed(self, chunk: bytes | None) -> Iterator[bytes]:
        if self.name in ("", "identity"):
            if chunk:
                yield chunk
            return
        data = chunk or b""
        if self.inflate.eof and data:  # a new member begins in this chunk
            self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)
        while True:
            try:
                out = self.inflate.decompress(data, CHUNK)
            except zlib.error:
                if self.name != "deflate" or self.started:
                    raise
                # Some servers send raw deflate, without the zlib wrapper.
                self.inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                out = self.inflate.decompress(data, CHUNK)
            self.started = True
            if out:
                yield out
            data = self.inflate.unconsumed_tail
            if self.inflate.eof:
                # The rest of the input (zlib also leaves a copy in unconsumed_tail).
                data = self.inflate.unused_data
                if data:  # gzip allows several members, one after another: read them all
                    self.inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)
                    continue
            if not data and (chunk is not None or not out):
                break
        if chunk is None:
            rest = self.inflate.flush()
            if rest:
                yield rest
