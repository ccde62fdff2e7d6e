"""A file sent from a form (``multipart/form-data``, RFC 7578): its text fields and its files.

The web app's request (``tracker.web.http``) reads URL-encoded forms; a page that takes a file
(the import page) needs the form's parts too. Read with the standard library's MIME parser, which
keeps no file on disk; a body larger than an import file and its form, or with more parts than a
form has, is not read.
"""

from dataclasses import dataclass

from tracker.imports.reading import MAX_FILE_BYTES

UPLOAD_MEDIA_TYPE = "multipart/form-data"
MAX_UPLOAD_BYTES = MAX_FILE_BYTES + 64 * 1024
"""An import file at its largest, with the form's other fields and the parts' headers."""
MAX_PARTS = 20


@dataclass(frozen=True)
class UploadedFile:
    filename: str  # as the browser gave it, without any folder
    content: bytes


@dataclass(frozen=True)
class Upload:
    form: dict[str, list[str]]
    files: dict[str, UploadedFile]


EMPTY = Upload({}, {})


def read_upload(body: bytes, content_type: str) -> Upload:
    """The form's fields and files; nothing when the body is too large, not multipart or malformed
    (the page then says no file was chosen, and the CSRF check refuses a form without its token)."""
    if len(body) > MAX_UPLOAD_BYTES or not content_type.lower().startswith(UPLOAD_MEDIA_TYPE):
        return EMPTY
    # Loaded here: only the import page's post needs the MIME parser, not the app's cold start.
    import email.parser
    import email.policy

    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", errors="replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
    if not message.is_multipart():
        return EMPTY
    form: dict[str, list[str]] = {}
    files: dict[str, UploadedFile] = {}
    for number, part in enumerate(message.iter_parts()):
        if number == MAX_PARTS:
            return EMPTY
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = UploadedFile(filename.replace("\\", "/").rsplit("/", 1)[-1], content)
        else:
            form.setdefault(name, []).append(content.decode("utf-8", errors="replace"))
    return Upload(form, files)
