"""Streamed ``multipart/form-data``: the bytes of one file part as they arrive, never the whole body.

Werkzeug's form parser (``request.files``) spools every part before the view runs; its
sans-IO ``MultipartDecoder`` is the same parser without the spooling, so the view reads
the request in 256 KiB pieces and hands the file's bytes on at once (the upload use case
counts, hashes and writes them). Memory stays at a few read buffers whatever the size.
"""
from __future__ import annotations

from typing import Iterator

from flask import request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from api.errors import ApiError, BadRequest, Unprocessable

READ = 256 * 1024
FRAME = 64 * 1024  # room for the multipart boundaries and part headers around the file
FORM_MEMORY = 1024 * 1024  # what the decoder may buffer between two events (headers, a small field)
MAX_PARTS = 10


def multipart_boundary() -> bytes:
    """The request's boundary; 415 for a body that is not ``multipart/form-data``."""
    if request.mimetype != "multipart/form-data":
        raise BadRequest("Send the file as `multipart/form-data` with one `file` part", status=415,
                         title="Unsupported media type")
    boundary = request.mimetype_params.get("boundary", "")
    if not boundary or len(boundary) > 200:
        raise BadRequest("The multipart Content-Type has no usable boundary", title="Malformed multipart body")
    return boundary.encode("latin-1")


def file_chunks(limit: int, field: str = "file") -> Iterator[bytes]:
    """The bytes of the one file part named ``field``, chunk by chunk; other parts are skipped.

    The body's limit is this upload's own (``limit`` plus the multipart frame), not the API's
    2 MiB: werkzeug counts the bytes as they are read, a chunked body's too, and stops there.
    An upload that ends before its closing boundary (a client that went away, a cut
    connection) raises 400 here, so the caller stores nothing.
    """
    decoder = MultipartDecoder(multipart_boundary(), max_form_memory_size=FORM_MEMORY, max_parts=MAX_PARTS)
    request.max_content_length = limit + FRAME  # before the stream is first touched: it is built with the limit
    try:
        stream = request.stream
    except RequestEntityTooLarge:
        raise too_large(limit) from None
    current, found = None, False
    while True:
        try:
            data = stream.read(READ)
        except RequestEntityTooLarge:
            raise too_large(limit) from None
        except ClientDisconnected:
            raise BadRequest("The upload broke off before its end; nothing was stored",
                             title="Incomplete upload") from None
        try:
            decoder.receive_data(data or None)
            event = decoder.next_event()
            while not isinstance(event, (NeedData, Epilogue)):
                if isinstance(event, File):
                    current = event.name == field
                    if current and found:
                        raise Unprocessable.field(field, "send one file per upload")
                    found = found or current
                elif isinstance(event, Field):
                    current = False
                elif isinstance(event, Data):
                    if current and event.data:
                        yield event.data
                    if not event.more_data:
                        current = None
                event = decoder.next_event()
        except RequestEntityTooLarge:
            raise BadRequest("A form part other than the file is too large", status=413,
                             title="Payload too large") from None
        except ValueError:  # the decoder's word for a body that ends too early or breaks the format
            raise BadRequest("The multipart body is incomplete or malformed; nothing was stored",
                             title="Incomplete upload") from None
        if isinstance(event, Epilogue):
            break
    if not found:
        raise Unprocessable.field(field, "is required: a multipart part named `file` with a filename")


def too_large(limit: int) -> ApiError:
    return BadRequest(f"The upload is larger than {limit // (1024 * 1024)} MB; nothing was stored", status=413,
                      title="Payload too large", errors=[{"field": "file", "message": "is too large"}])


def declared_too_large(limit: int) -> ApiError | None:
    """413 straight away when the declared length cannot fit (the file plus the multipart frame)."""
    if request.content_length is not None and request.content_length > limit + FRAME:
        return too_large(limit)
    return None
