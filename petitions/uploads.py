"""Attachments: images and PDF only, size-limited, the type read from the content, not the name."""

from __future__ import annotations

from pathlib import PurePath

from django.core.exceptions import ValidationError

MAX_BYTES = 10 * 1024 * 1024  # 10 MB a file
MAX_FILES = 10

# content type → (file signature test, the extensions a file of that type may carry)
SIGNATURES = {
    "image/jpeg": (lambda head: head.startswith(b"\xff\xd8\xff"), {".jpg", ".jpeg"}),
    "image/png": (lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"), {".png"}),
    "image/gif": (lambda head: head[:6] in (b"GIF87a", b"GIF89a"), {".gif"}),
    "image/webp": (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP", {".webp"}),
    "application/pdf": (lambda head: head.startswith(b"%PDF-"), {".pdf"}),
}
ALLOWED_LABEL = "JPG、PNG、GIF、WEBP 图片或 PDF 文件"


def sniff_content_type(head: bytes) -> str | None:
    return next((ctype for ctype, (test, _) in SIGNATURES.items() if test(head)), None)


def validate_upload(upload) -> str:
    """Check one uploaded file; return its content type or raise ValidationError in Chinese."""
    name = upload.name or "文件"
    if upload.size > MAX_BYTES:
        raise ValidationError(f"“{name}”超过 {MAX_BYTES // (1024 * 1024)} MB，请压缩后再上传。", code="too_big")
    if upload.size == 0:
        raise ValidationError(f"“{name}”是空文件。", code="empty")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ctype = sniff_content_type(head)
    if ctype is None:
        raise ValidationError(f"“{name}”不是允许的文件类型，只能上传{ALLOWED_LABEL}。", code="type")
    if PurePath(name).suffix.lower() not in SIGNATURES[ctype][1]:
        raise ValidationError(f"“{name}”的扩展名与文件内容不符，请检查文件。", code="disguised")
    upload.content_type = ctype
    return ctype
