"""The camera scanner: a real barcode fed to Chromium as its camera, and every format read offline."""

from __future__ import annotations

from . import camera
from .conftest import Browser
from .helpers import go_offline, sign_in, wait_synced, wait_worker_ready

LOAD_SCANNER_JS = """async () => { window.scannerModule = await import('/static/js/ui/scanner.js'); }"""
DETECT_JS = """async (images) => {
  const d = await window.scannerModule.detector();  // loads the ZXing module and .wasm now: offline
  const out = { engine: d.engine, codes: {} };
  for (const [name, url] of Object.entries(images)) {
    const img = new Image();
    img.src = url;  // img-src allows data: (connect-src, which fetch() needs, does not)
    await img.decode();
    const bitmap = await createImageBitmap(img);
    const found = await d.detect(bitmap);
    out.codes[name] = found.map((c) => [c.format, c.rawValue]);
  }
  return out;
}"""


def test_camera_scan_of_a_part_barcode_picks_the_part(live, playwright_instance, tmp_path):
    """EAN-13 on the part's box -> the catalogue part is chosen; the scanner loads only when asked for."""
    y4m = camera.write_y4m(camera.ean13("6901234567892"), tmp_path / "ean13.y4m")
    b = Browser(playwright_instance, tmp_path / "profile", camera.fake_camera_args(y4m))
    context = b.open()
    try:
        page = b.page()
        sign_in(page, live.url)
        wait_synced(page)
        wait_worker_ready(page)
        go_offline(live, context)
        page.goto(f"{live.url}/app/jobs/{live.seed.wo_in_warranty}/parts")
        page.wait_for_selector("#part-form")
        loaded = "() => performance.getEntriesByType('resource').some((e) => e.name.includes('barcode-detector'))"
        assert page.evaluate(loaded) is False, "the ZXing scanner is not part of the start-up"
        page.click("#scan-part")
        page.wait_for_function("() => document.getElementById('f-part_number').value === 'PCB-220'", timeout=20_000)
        assert page.locator("#scanner").count() == 0, "the camera view closes after a read"
        assert "保修期内免费" in page.inner_text("#price-note")  # in warranty: the price is zero
        assert b.errors == []
    finally:
        b.close()


def test_code128_ean13_qr_and_datamatrix_are_read_offline(live, browser):
    page = browser.page()
    sign_in(page, live.url)
    wait_synced(page)
    wait_worker_ready(page)
    # The worker cached the ZXing module and its .wasm at install: reading works with no network.
    page.wait_for_function("""async () => (await caches.keys()).length > 0 &&
        !!(await caches.match('/static/vendor/barcode-detector/zxing_reader.wasm'))""")
    page.evaluate(LOAD_SCANNER_JS)  # the module itself (the test drives it directly)
    go_offline(live, browser.context)
    images = {
        "code_128": camera.png_data_url(camera.code128("SN-C128-0001")),
        "ean_13": camera.png_data_url(camera.ean13("6901234567892")),
        "qr_code": camera.png_data_url(camera.qr("SN-QR-二维码-0002")),
        "data_matrix": camera.png_data_url(camera.data_matrix("SN-DM-0003")),
    }
    result = page.evaluate(DETECT_JS, images)
    assert result["engine"] in {"zxing-wasm", "native"}
    assert result["codes"] == {
        "code_128": [["code_128", "SN-C128-0001"]],
        "ean_13": [["ean_13", "6901234567892"]],
        "qr_code": [["qr_code", "SN-QR-二维码-0002"]],
        "data_matrix": [["data_matrix", "SN-DM-0003"]],
    }
