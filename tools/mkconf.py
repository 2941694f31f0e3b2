#!/usr/bin/env python3
"""Writes the configuration of a private httpd that loads mod_automx.

Used by tools/demo and by the test suite, so both run the same server.
"""
import argparse
import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "tools" / "httpd.conf.in"
# The sanitizer suite points this at its own build.
MODULE = Path(os.environ.get("AUTOMX_MODULE", REPO / ".libs" / "mod_automx.so"))


def apxs_query(name):
    apxs = shutil.which("apxs2") or shutil.which("apxs") or "/usr/bin/apxs2"
    return subprocess.check_output([apxs, "-q", name], text=True).strip()


def httpd_binary():
    sbin = apxs_query("SBINDIR")
    for name in ("apache2", "httpd"):
        path = Path(sbin) / name
        if path.exists():
            return str(path)
    raise FileNotFoundError("no httpd binary in " + sbin)


def api_location(moddir, htpasswd):
    mods = "".join(f"LoadModule {m}_module {moddir}/mod_{m}.so\n"
                   for m in ("auth_basic", "authn_core", "authn_file", "authz_user"))
    return (mods + "<Location /api/>\n    SetHandler automx-api\n    AuthType Basic\n"
            '    AuthName "automx provisioning API"\n    AuthBasicProvider file\n'
            f'    AuthUserFile "{htpasswd}"\n    Require valid-user\n</Location>')


def write_conf(root, listen, dbdriver="sqlite3", dbdparams="", extra="",
               servername="localhost", loglevel="warn automx:debug",
               load_dbd=True, load_extra="", module=MODULE, access_log=True, initdb=True,
               mpm="event", api_htpasswd=None):
    """Creates ROOT/{conf,logs,run,htdocs} and returns the config path.

    API_HTPASSWD: an htpasswd file; maps automx-api at /api/ behind Basic
    authentication with it, as conf/automx.conf's sample does."""
    root = Path(root)
    for sub in ("conf", "logs", "run", "htdocs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    moddir = apxs_query("LIBEXECDIR")
    user_group = ""
    if os.geteuid() == 0:
        # httpd will not serve as root; its children need the files.
        user_group = "User www-data\nGroup www-data"
        for sub in ("logs", "run"):
            shutil.chown(root / sub, "www-data", "www-data")
    values = {
        "ROOT": str(root),
        "LISTEN": listen,
        "SERVERNAME": servername,
        "USER_GROUP": user_group,
        "MODDIR": moddir,
        "MODULE": str(module),
        "MPM": mpm,
        "LOAD_DBD": f"LoadModule dbd_module {moddir}/mod_dbd.so" if load_dbd else "",
        "LOAD_EXTRA": load_extra,
        "LOGLEVEL": loglevel,
        "DBD_CONFIG": f'DBDriver {dbdriver}\nDBDParams "{dbdparams}"' if load_dbd else "",
        "EXTRA": extra,
        "ACCESS_LOG": f'CustomLog "{root}/logs/access.log" automx_test' if access_log else "",
        "INITDB": ("<Location /initdb/>\n    SetHandler automx-initdb\n    Require local\n"
                   "</Location>") if initdb else "",
        "API": api_location(moddir, api_htpasswd) if api_htpasswd else "",
    }
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace("@" + key + "@", value)
    conf = root / "conf" / "httpd.conf"
    conf.write_text(text)
    return conf


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("root", nargs="?")
    ap.add_argument("--listen", default="127.0.0.1:4243")
    ap.add_argument("--dbdriver", default="sqlite3")
    ap.add_argument("--dbdparams", default="")
    ap.add_argument("--api-htpasswd", default=None,
                    help="map automx-api at /api/ behind Basic authentication with this file")
    ap.add_argument("--print-httpd", action="store_true",
                    help="print the httpd binary and exit")
    args = ap.parse_args()
    if args.print_httpd:
        print(httpd_binary())
        return
    if not args.root:
        ap.error("the server root is required")
    print(write_conf(args.root, args.listen, args.dbdriver, args.dbdparams,
                     api_htpasswd=args.api_htpasswd))


if __name__ == "__main__":
    main()
