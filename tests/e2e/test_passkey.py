"""Sign in with a passkey: added in settings, then used to sign in (Chromium's virtual authenticator)."""

from __future__ import annotations

from .conftest import free_port, start_live, stop_live
from .helpers import sign_in, wait_synced


def test_add_a_passkey_then_sign_in_with_it(tmp_path, browser):
    port = free_port()
    # WebAuthn needs a host name (not an IP) as relying party id: localhost is a secure context.
    live = start_live(tmp_path, port, WEBAUTHN_RP_ID="localhost", WEBAUTHN_ORIGINS=[f"http://localhost:{port}"])
    base = f"http://localhost:{port}"
    try:
        page = browser.page()
        cdp = browser.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        sign_in(page, base)
        wait_synced(page)
        page.click("#nav a[data-screen=settings]")
        page.click("#add-passkey")
        page.wait_for_selector("#toasts [role=status]:has-text('通行密钥已添加')")
        page.click("#sign-out")
        page.wait_for_selector("#login-form")
        assert page.input_value("#f-email") == "", "signing out leaves nobody's data behind"
        page.click("#passkey-login")  # no email: the authenticator offers its passkey
        page.wait_for_selector("#jobs")
        wait_synced(page)
        assert page.locator("#today-list a.job").count() == 2
        assert browser.errors == []
    finally:
        stop_live(live)
