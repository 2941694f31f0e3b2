"""`make install` and `a2enmod automx` in Debian's layout (on a copy of /etc/apache2)."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import REPO

pytestmark = pytest.mark.skipif(not Path("/etc/apache2/apache2.conf").exists()
                                or not shutil.which("a2enmod"),
                                reason="Debian's apache2 package is not installed")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    dest = tmp_path_factory.mktemp("destdir")
    subprocess.run(["make", "-s", "install", f"DESTDIR={dest}"], cwd=REPO, check=True,
                   capture_output=True)
    return dest


def test_install_puts_module_and_debian_files_in_place(installed):
    assert (installed / "usr/lib/apache2/modules/mod_automx.so").is_file()
    load = (installed / "etc/apache2/mods-available/automx.load").read_text()
    assert "# Depends: dbd" in load
    assert "LoadModule automx_module /usr/lib/apache2/modules/mod_automx.so" in load
    assert (installed / "etc/apache2/mods-available/automx.conf").is_file()
    # The API's OpenAPI description, as the module serves it.
    docs = list(installed.glob("**/share/mod_automx/openapi.json"))
    assert len(docs) == 1 and docs[0].read_bytes() == (REPO / "api" / "openapi.json").read_bytes()


def test_a2enmod_enables_automx_and_dbd_and_configtest_passes(installed, tmp_path):
    confdir = tmp_path / "apache2"
    shutil.copytree("/etc/apache2", confdir, symlinks=True)
    for f in ("automx.load", "automx.conf"):
        shutil.copy(installed / "etc/apache2/mods-available" / f, confdir / "mods-available" / f)
    for f in ("automx.load", "automx.conf", "dbd.load"):
        (confdir / "mods-enabled" / f).unlink(missing_ok=True)
    # a2enmod keeps its enabled/disabled markers in APACHE_STATE_DIRECTORY
    # (default /var/lib/apache2): a private one, or the system's markers
    # would claim that the administrator enabled automx and dbd.
    state = tmp_path / "state"
    env = dict(os.environ, APACHE_CONFDIR=str(confdir), APACHE_STATE_DIRECTORY=str(state))
    p = subprocess.run(["a2enmod", "automx"], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "dbd" in p.stdout  # pulled in through "# Depends: dbd"
    for f in ("automx.load", "automx.conf", "dbd.load"):
        assert (confdir / "mods-enabled" / f).exists(), f
    assert (state / "module/enabled_by_admin/automx").exists()
    # Point the copy at the module just installed, then let httpd judge it.
    load = confdir / "mods-available" / "automx.load"
    load.write_text(load.read_text().replace(
        "/usr/lib/apache2/modules/mod_automx.so",
        str(installed / "usr/lib/apache2/modules/mod_automx.so")))
    p = subprocess.run(["apache2ctl", "-t"], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Syntax OK" in p.stdout + p.stderr
    # And without dbd, the configuration test fails naming mod_dbd.
    (confdir / "mods-enabled" / "dbd.load").unlink()
    p = subprocess.run(["apache2ctl", "-t"], env=env, capture_output=True, text=True)
    assert p.returncode != 0
    assert "AMX00001" in p.stdout + p.stderr and "mod_dbd" in p.stdout + p.stderr
