"""File downloads: a PDF, and ZIPs that stream (the first file goes out while the next is being
made)."""

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that keeps what was written until it is taken, so
    ``zipfile`` writes each member with a data descriptor and nothing is held back."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def zip_chunks(members: Iterable[tuple[str, Callable[[], bytes]]]) -> Iterator[bytes]:
    """The ZIP of ``members`` (name, a function that makes the file's bytes), piece by piece:
    one piece per member, then the central directory. Stored, not deflated: the members are
    PDFs, compressed already."""
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for name, make in members:
            archive.writestr(name, make())
            yield sink.take()
    yield sink.take()


def zip_response(filename: str, members: Iterable[tuple[str, Callable[[], bytes]]]):
    """A streamed ZIP download. ``filename`` must be a plain name (slugs, digits)."""
    response = StreamingHttpResponse(zip_chunks(members), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_response(filename: str, body: bytes) -> HttpResponse:
    """A private PDF download. ``filename`` must be a plain name (slugs, digits)."""
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
