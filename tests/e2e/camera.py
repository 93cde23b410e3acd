"""Barcode images for the scanner tests, and a .y4m file Chromium plays as its fake camera."""

from __future__ import annotations

import base64
import io
import json
import subprocess
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
FRAME = (640, 480)


def code128(text: str) -> Image.Image:
    """A Code 128 barcode (python-barcode) with its quiet zone."""
    import barcode
    from barcode.writer import ImageWriter

    return barcode.get("code128", text, writer=ImageWriter()).render(
        {"module_width": 0.4, "module_height": 18, "quiet_zone": 8, "write_text": False, "dpi": 200}
    )


def ean13(digits: str) -> Image.Image:
    """An EAN-13 barcode (12 or 13 digits; the check digit is computed)."""
    import barcode
    from barcode.writer import ImageWriter

    return barcode.get("ean13", digits[:12], writer=ImageWriter()).render(
        {"module_width": 0.4, "module_height": 18, "quiet_zone": 8, "write_text": False, "dpi": 200}
    )


def qr(text: str) -> Image.Image:
    """A QR code (segno)."""
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=10, border=4)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def data_matrix(text: str) -> Image.Image:
    """A DataMatrix symbol, written by ZXing's encoder (zxing-wasm in Node)."""
    script = ROOT / "tests" / "e2e" / "datamatrix.mjs"
    out = subprocess.run(["node", str(script), text], capture_output=True, text=True, check=True, cwd=ROOT)
    png = base64.b64decode(json.loads(out.stdout)["png"])
    img = Image.open(io.BytesIO(png)).convert("L")
    framed = Image.new("L", (img.width + 40, img.height + 40), 255)
    framed.paste(img, (20, 20))
    return framed


def on_frame(img: Image.Image, size=FRAME) -> Image.Image:
    """The symbol centred on a white camera frame, scaled to fill most of it."""
    img = img.convert("L")
    scale = min((size[0] * 0.85) / img.width, (size[1] * 0.7) / img.height)
    img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))), Image.NEAREST)
    frame = Image.new("L", size, 255)
    frame.paste(img, ((size[0] - img.width) // 2, (size[1] - img.height) // 2))
    return frame


def write_y4m(img: Image.Image, path: Path, frames: int = 3) -> Path:
    """Write a 4:2:0 YUV4MPEG2 file showing `img` (grey: neutral chroma)."""
    frame = on_frame(img)
    w, h = frame.size
    y = frame.tobytes()
    chroma = bytes([128]) * ((w // 2) * (h // 2))
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + y + chroma + chroma)
    return path


def png_data_url(img: Image.Image) -> str:
    buf = io.BytesIO()
    on_frame(img).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def fake_camera_args(y4m: Path) -> list[str]:
    """Chromium flags that make the y4m file the camera, granted without a prompt."""
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
    ]
