"""The yearly archive: built on the test school, verified, and every change named."""
from __future__ import annotations

import base64
import json
import shutil
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from school.ops import archive
from tests.test_statements import weasyprint_or_skip


@pytest.fixture
def keyed(app, tmp_path):
    app.config["ARCHIVE_KEY_FILE"] = str(tmp_path / "keys" / "archive_key.pem")
    return app


@pytest.fixture
def small(keyed, tmp_path, monkeypatch):
    """An archive of two small files instead of real PDFs (the verification does not care what they hold)."""
    monkeypatch.setattr(archive, "_items", lambda year: [
        archive.Item("registers/5-А/math-1.pdf", "register", lambda: b"%PDF register"),
        archive.Item("summaries/5-А.pdf", "summary", lambda: b"%PDF summary")])
    target = tmp_path / "archive"
    with keyed.app_context():
        archive.build("2026/2027", target)
    return target


def verify(runner, directory, *extra):
    return runner.invoke(args=["school", "--lang", "ru", "archive", "verify", *extra, str(directory)])


def test_an_intact_archive_verifies(small, runner, keyed):
    result = verify(runner, small)
    assert result.exit_code == 0, result.output
    assert "Архив цел" in result.output
    manifest = json.loads((small / "manifest.json").read_text())
    kinds = {f["path"]: (f["kind"], f["retain_years"], f["retain_until"]) for f in manifest["files"]}
    assert kinds["registers/5-А/math-1.pdf"] == ("register", 5, "2032-08-31")
    assert kinds["summaries/5-А.pdf"] == ("summary", 25, "2052-08-31")
    assert {"README.txt", "archive-key.pub"} <= set(kinds) and manifest["generated_at"]
    readme = (small / "README.txt").read_text()
    assert "[ru]" in readme and "[uk]" in readme and "къ" in readme


def test_the_key_is_made_once_and_private(small, keyed, tmp_path):
    key = tmp_path / "keys" / "archive_key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_bytes()
    with keyed.app_context():
        archive.build("2026/2027", tmp_path / "second")
    assert key.read_bytes() == before


def test_a_changed_byte_is_named(small, runner, keyed):
    path = small / "summaries" / "5-А.pdf"
    data = bytearray(path.read_bytes())
    data[3] ^= 1
    path.write_bytes(bytes(data))
    result = verify(runner, small)
    assert result.exit_code == 1 and "изменён: summaries/5-А.pdf" in result.output


def test_a_missing_file_is_named(small, runner, keyed):
    (small / "registers" / "5-А" / "math-1.pdf").unlink()
    result = verify(runner, small)
    assert result.exit_code == 1 and "отсутствует: registers/5-А/math-1.pdf" in result.output


def test_an_added_file_is_named(small, runner, keyed):
    (small / "summaries" / "extra.pdf").write_bytes(b"%PDF")
    result = verify(runner, small)
    assert result.exit_code == 1 and "лишний: summaries/extra.pdf" in result.output


def test_a_manifest_signed_with_another_key_is_refused(small, runner, keyed, tmp_path):
    manifest = json.loads((small / "manifest.json").read_text())
    manifest["files"] = [f for f in manifest["files"] if f["kind"] != "summary"]  # hide a statement
    data = json.dumps(manifest).encode()
    (small / "manifest.json").write_bytes(data)
    (small / "manifest.sig").write_text(base64.b64encode(Ed25519PrivateKey.generate().sign(data)).decode())
    result = verify(runner, small)
    assert result.exit_code == 1 and "Подпись манифеста не сходится" in result.output


def test_a_changed_manifest_is_refused_by_its_own_key(small, runner, tmp_path):
    """Away from the school (no installation key), the archive's own key still catches a changed manifest."""
    copy = tmp_path / "copy"
    shutil.copytree(small, copy)
    text = (copy / "manifest.json").read_text().replace('"retain_years": 25', '"retain_years": 1')
    (copy / "manifest.json").write_text(text)
    result = verify(runner, copy, "--public-key", str(copy / "archive-key.pub"))
    assert result.exit_code == 1 and "Подпись манифеста не сходится" in result.output


def test_build_refuses_a_folder_that_holds_files(keyed, runner, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    result = runner.invoke(args=["school", "--lang", "ru", "archive", "build", "--year", "2026/2027",
                                 str(tmp_path / "full")])
    assert result.exit_code == 1 and "full" in result.output
    result = runner.invoke(args=["school", "archive", "build", "--year", "1999/2000", str(tmp_path / "new")])
    assert result.exit_code == 1 and not (tmp_path / "new").exists()


def test_the_test_school_archive_is_built_and_verified(keyed, runner, tmp_path):
    pypdf = weasyprint_or_skip()
    target = tmp_path / "2026-2027"
    result = runner.invoke(args=["school", "--lang", "ru", "archive", "build", "--year", "2026/2027", str(target)])
    assert result.exit_code == 0, result.output
    files = {f["path"]: f for f in json.loads((target / "manifest.json").read_text())["files"]}
    registers = [p for p in files if p.startswith("registers/")]
    summaries = [p for p in files if p.startswith("summaries/")]
    assert "registers/5-А/math-1.pdf" in registers and "summaries/5-А.pdf" in summaries
    summary = pypdf.PdfReader(target / "summaries" / "5-А.pdf")
    assert "marks.txt" in summary.attachments  # the canonical marks inside the PDF/A
    assert verify(runner, target).exit_code == 0
