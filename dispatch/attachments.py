"""Attachments a department sends with a reply (photos, a PDF): checked, stored, served inert.

A file is accepted only when its *content* is one of ``dispatch.attachment_types`` (magic bytes;
the name and the declared type are ignored), no larger than ``dispatch.attachment_max_bytes``. It
is stored as ``{attachments_dir}/{order_id}/{random id}.{ext}`` — never under the sender's name, so
no path or extension of theirs reaches the file system — and never executed. When served it gets
its recognised type, ``Content-Disposition: attachment``, ``nosniff`` and a sandboxing CSP, so a
browser neither guesses another type nor runs it as a page.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from dispatch.records import Attachment
from yuqing.errors import InputError

#: type → (file extension, MIME type)
TYPES = {"jpeg": ("jpg", "image/jpeg"), "png": ("png", "image/png"), "webp": ("webp", "image/webp"),
         "gif": ("gif", "image/gif"), "pdf": ("pdf", "application/pdf")}
_ID = re.compile(r"^[a-p]{20}$")
_NAME_JUNK = re.compile(r"[\x00-\x1f\x7f/\\<>:\"|?*]+")


class AttachmentError(InputError):
    """A file refused (the message names it and why, in Chinese and English)."""


def sniff(data: bytes) -> Optional[str]:
    """The type of ``data`` by its first bytes, or ``None``."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def display_name(name: str) -> str:
    """The sender's file name as shown: no path, no control or shell characters, at most 80 characters."""
    base = re.split(r"[/\\]", name or "")[-1]
    cleaned = _NAME_JUNK.sub("_", base).strip(" .") or "附件"
    return cleaned[:80]


@dataclass
class Policy:
    folder: Path
    types: tuple[str, ...]
    max_bytes: int
    per_reply: int

    @classmethod
    def from_config(cls, config) -> "Policy":
        return cls(Path(config["dispatch.attachments_dir"]), tuple(config["dispatch.attachment_types"]),
                   int(config["dispatch.attachment_max_bytes"]), int(config["dispatch.attachments_per_reply"]))

    def check(self, name: str, data: bytes) -> str:
        """The file's type, or :class:`AttachmentError` naming the file and the reason."""
        shown = display_name(name)
        if not data:
            raise AttachmentError(f"附件「{shown}」是空文件 (attachment {shown!r} is empty)")
        if len(data) > self.max_bytes:
            raise AttachmentError(f"附件「{shown}」过大：{len(data)} 字节，上限 {self.max_bytes} 字节 "
                                  f"(attachment {shown!r} is {len(data)} bytes; at most {self.max_bytes})")
        kind = sniff(data)
        if kind not in self.types:
            raise AttachmentError(f"附件「{shown}」的类型不被接受，只接受 {'、'.join(self.types)} "
                                  f"(attachment {shown!r} is not one of {', '.join(self.types)} by its content)")
        return kind

    def check_all(self, files: list[tuple[str, bytes]]) -> list[str]:
        if len(files) > self.per_reply:
            raise AttachmentError(f"一次最多上传 {self.per_reply} 个附件 (at most {self.per_reply} attachments "
                                  f"per reply, got {len(files)})")
        return [self.check(name, data) for name, data in files]

    def save(self, order_id: str, name: str, data: bytes, kind: str) -> Attachment:
        from dispatch.links import letters

        file_id = letters(secrets.token_bytes(10))
        folder = self.folder / order_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{file_id}.{TYPES[kind][0]}"
        with open(path, "xb") as handle:  # never overwrite
            handle.write(data)
        path.chmod(0o600)
        return Attachment(id=file_id, name=display_name(name), type=kind, size=len(data))

    def path_of(self, order_id: str, attachment: Attachment) -> Path:
        if not _ID.match(attachment.id) or attachment.type not in TYPES:
            raise AttachmentError(f"attachment {attachment.id!r} of order {order_id} is not a stored file")
        return self.folder / order_id / f"{attachment.id}.{TYPES[attachment.type][0]}"


def mime_type(attachment: Attachment) -> str:
    return TYPES[attachment.type][1]
