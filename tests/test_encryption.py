"""Customer phone and address are encrypted at rest, searchable by phone, and keys rotate."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from server.crypto import (
    UNREADABLE,
    DecryptionError,
    KeyRing,
    Place,
    app_ring,
    decrypt,
    encrypt,
    key_id_of,
    new_key_spec,
)
from server.models import Customer

RAW = sa.text("SELECT phone, address, phone_digest FROM customers WHERE id = :id")


def test_stored_phone_and_address_are_ciphertext(world, db):
    customer = world["customers"][0]
    phone, address, digest = db.session.execute(RAW, {"id": customer.id}).one()
    assert "13800000001" not in phone and "上海" not in address
    assert key_id_of(phone) == key_id_of(address) == "t1"
    assert len(digest) == 64 and "13800000001" not in digest
    db.session.expire_all()
    again = db.session.get(Customer, customer.id)
    assert (again.phone, again.address) == ("13800000001", "上海市浦东新区世纪大道 100 号")


def test_the_office_finds_a_customer_by_phone_however_it_is_written(client_for, world):
    office = client_for("dispatcher")
    for spelling in ("13800000001", "138-0000-0001", "138 0000 0001"):
        found = office.get(f"/api/customers?q={spelling}").get_json()
        assert [c["name"] for c in found] == ["张伟"], spelling


def test_comparing_the_encrypted_column_in_sql_is_refused(app):
    with pytest.raises(TypeError):
        Customer.phone == "13800000001"  # noqa: B015


def test_tampered_ciphertext_does_not_decrypt():
    ring = KeyRing.parse(new_key_spec("a"))
    sealed = encrypt(ring, "13800000001")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        decrypt(ring, tampered)
    with pytest.raises(DecryptionError):
        decrypt(KeyRing.parse(new_key_spec("a")), sealed)  # same id, other key


def test_rotate_keys_reencrypts_with_the_new_key_and_the_old_can_go(app, world, db):
    customer_id = world["customers"][0].id
    old_spec = app.config["DATA_KEYS"]
    new_spec = new_key_spec("t2")
    app.config["DATA_KEYS"] = f"{new_spec},{old_spec}"
    app.extensions.pop("onsite_keyring", None)
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 2 of 2" in result.output
    phone, _, _ = db.session.execute(RAW, {"id": customer_id}).one()
    assert key_id_of(phone) == "t2"

    app.config["DATA_KEYS"] = new_spec  # the old key is gone
    app.extensions.pop("onsite_keyring", None)
    db.session.expire_all()
    assert db.session.get(Customer, customer_id).phone == "13800000001"
    again = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert "Re-encrypted 0 of 2" in again.output


def _migration_cli(app, tmp_path) -> tuple[list[str], dict]:
    """`flask` as a command and its environment, on a fresh SQLite file with the app's keys."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'mig.db'}",
        "DATA_KEYS": app.config["DATA_KEYS"],
        "PHONE_HASH_KEY": "k",
        "FLASK_APP": "server",
    }
    return [sys.executable, "-m", "flask"], env


def test_migration_encrypts_existing_rows_and_downgrade_decrypts(app, backend, tmp_path):
    if backend != "sqlite":
        pytest.skip("the migration chain is exercised on PostgreSQL by test_migrations")
    flask, env = _migration_cli(app, tmp_path)
    subprocess.run([*flask, "db", "upgrade", "3c9032197065"], env=env, check=True, capture_output=True)
    engine = sa.create_engine(env["DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO customers (id, version, created_at, updated_at, name, phone, address, tier, locale) "
                "VALUES ('c1', 1, '2026-01-01', '2026-01-01', 'A', '13800000009', 'Road 1', 'normal', 'en')"
            )
        )
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    with engine.connect() as conn:
        phone, address, digest = conn.execute(sa.text("SELECT phone, address, phone_digest FROM customers")).one()
    assert key_id_of(phone) == "t1" and "13800000009" not in phone and digest
    subprocess.run([*flask, "db", "downgrade", "3c9032197065"], env=env, check=True, capture_output=True)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT phone, address FROM customers")).one() == ("13800000009", "Road 1")
    engine.dispose()


def test_migration_encrypts_existing_report_recipients_and_downgrade_decrypts(app, backend, tmp_path):
    """Issue #12, finding 8: report links sent before recorded the customer's mobile in plaintext."""
    if backend != "sqlite":
        pytest.skip("the migration chain is exercised on PostgreSQL by test_migrations")
    flask, env = _migration_cli(app, tmp_path)
    subprocess.run([*flask, "db", "upgrade", "c4a8d2f61b30"], env=env, check=True, capture_output=True)
    engine = sa.create_engine(env["DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO customers (id, version, created_at, updated_at, name, phone, phone_digest, address, "
                "tier, locale) "
                "VALUES ('c1', 1, '2026-01-01', '2026-01-01', 'A', 'x', 'd', 'y', 'normal', 'en')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO work_orders (id, version, created_at, updated_at, ticket_no, channel, type, priority, "
                "status, "
                "customer_id, fault_description, response_due, resolution_due, field_versions, field_writers) "
                "VALUES ('w1', 1, '2026-01-01', '2026-01-01', 'T1', 'phone', 'repair', 'normal', 'completed', 'c1', "
                "'f', '2026-01-01', '2026-01-01', '{}', '{}')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO report_shares (id, work_order_id, channel, recipient, expires_at, created_at, downloads) "
                "VALUES ('s1', 'w1', 'sms', '13900000009', '2026-12-30', '2026-11-30', 0)"
            )
        )
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT recipient FROM report_shares")).scalar_one()
    assert key_id_of(stored) == "t1" and "13900000009" not in stored
    subprocess.run([*flask, "db", "downgrade", "c4a8d2f61b30"], env=env, check=True, capture_output=True)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT recipient FROM report_shares")).scalar_one() == "13900000009"
    engine.dispose()


def test_a_ciphertext_is_bound_to_its_table_column_and_row():
    """Issue #12, finding 8: the associated data was only the key id, so a ciphertext could
    be moved to another row or column and read there."""
    ring = KeyRing.parse(new_key_spec("a"))
    here = Place("customers", "phone", "row-1")
    sealed = encrypt(ring, "13800000001", here)
    assert sealed.startswith("v2:a:") and decrypt(ring, sealed, here) == "13800000001"
    for elsewhere in (
        Place("customers", "phone", "row-2"),
        Place("customers", "address", "row-1"),
        Place("report_shares", "phone", "row-1"),
        None,
    ):
        with pytest.raises(DecryptionError):
            decrypt(ring, sealed, elsewhere)
    legacy = encrypt(ring, "13800000001")  # written before: key id only, still readable
    assert legacy.startswith("v1:a:") and decrypt(ring, legacy, here) == decrypt(ring, legacy) == "13800000001"


def test_a_ciphertext_copied_to_another_row_or_column_reads_as_unreadable_not_a_500(client_for, world, db, caplog):
    first, second = world["customers"]
    phone_ct, _, _ = db.session.execute(RAW, {"id": first.id}).one()
    assert phone_ct.startswith("v2:")
    db.session.execute(sa.text("UPDATE customers SET phone = :ct WHERE id = :id"), {"ct": phone_ct, "id": second.id})
    db.session.execute(sa.text("UPDATE customers SET address = :ct WHERE id = :id"), {"ct": phone_ct, "id": first.id})
    db.session.commit()
    db.session.expire_all()
    office = client_for("dispatcher")
    with caplog.at_level("ERROR", logger="server.models.base"):
        moved_row = office.get(f"/api/customers/{second.id}")
        moved_column = office.get(f"/api/customers/{first.id}")
    assert moved_row.status_code == 200 and moved_row.get_json()["phone"] == UNREADABLE
    assert moved_column.status_code == 200 and moved_column.get_json()["address"] == UNREADABLE
    assert moved_column.get_json()["phone"] == "13800000001"  # its own phone still reads
    assert f"customers.phone of row {second.id} does not decrypt" in caplog.text
    assert f"customers.address of row {first.id} does not decrypt" in caplog.text


def test_rotate_keys_binds_values_written_with_the_key_id_only(app, world, db):
    customer = world["customers"][0]
    ring = app_ring()
    db.session.execute(
        sa.text("UPDATE customers SET phone = :p, address = :a WHERE id = :id"),
        {"p": encrypt(ring, "13800000001"), "a": encrypt(ring, "上海"), "id": customer.id},
    )
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).phone == "13800000001"  # the old form still reads
    result = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 of 2 customers" in result.output
    phone, address, _ = db.session.execute(RAW, {"id": customer.id}).one()
    assert phone.startswith("v2:") and address.startswith("v2:")
    assert decrypt(ring, phone, Place("customers", "phone", customer.id)) == "13800000001"
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).address == "上海"
