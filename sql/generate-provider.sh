#!/bin/bash
# Prints the SQL that adds one provider with one domain, an IMAP server
# (993, SSL) and an SMTP server (587, STARTTLS) to a mod_automx database.
# The SQL is the same for SQLite, PostgreSQL and MySQL/MariaDB:
#
#   sql/generate-provider.sh --name 'Example Inc.' --domain example.com \
#       | sqlite3 /var/lib/automx/automx.db
#
# Every option can also be given as an environment variable (in brackets).
set -euo pipefail

usage() {
    cat <<USAGE
usage: $0 [options]
  --name NAME          provider name            [PROVIDER_NAME]   (Example Inc.)
  --short-name NAME    short name               [PROVIDER_SHORTNAME] (first word of the name)
  --id N               provider id; the IMAP and SMTP servers get N+1 and N+2,
                       the domain N+3           [PROVIDER_ID]     (100)
  --domain DOMAIN      mail domain              [DOMAIN]          (example.com)
  --imap HOST          IMAP server              [IMAP_SERVER]     (imap.DOMAIN)
  --smtp HOST          SMTP server              [SMTP_SERVER]     (smtp.DOMAIN)
  --user-name VALUE    login name               [USER_NAME]       (%EMAILADDRESS%)
USAGE
}

PROVIDER_NAME=${PROVIDER_NAME:-Example Inc.}
PROVIDER_SHORTNAME=${PROVIDER_SHORTNAME:-}
PROVIDER_ID=${PROVIDER_ID:-100}
DOMAIN=${DOMAIN:-example.com}
IMAP_SERVER=${IMAP_SERVER:-}
SMTP_SERVER=${SMTP_SERVER:-}
USER_NAME=${USER_NAME:-%EMAILADDRESS%}

while [ $# -gt 0 ]; do
    case "$1" in
        --name) PROVIDER_NAME=${2?}; shift 2 ;;
        --short-name) PROVIDER_SHORTNAME=${2?}; shift 2 ;;
        --id) PROVIDER_ID=${2?}; shift 2 ;;
        --domain) DOMAIN=${2?}; shift 2 ;;
        --imap) IMAP_SERVER=${2?}; shift 2 ;;
        --smtp) SMTP_SERVER=${2?}; shift 2 ;;
        --user-name) USER_NAME=${2?}; shift 2 ;;
        --help|-h) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done

if ! [[ "$PROVIDER_ID" =~ ^[1-9][0-9]{0,8}$ ]]; then
    echo "--id must be a positive integer, not '$PROVIDER_ID'" >&2; exit 2
fi
if [ -z "$DOMAIN" ] || [ -z "$PROVIDER_NAME" ]; then
    echo "--domain and --name must not be empty" >&2; exit 2
fi
[ -n "$PROVIDER_SHORTNAME" ] || PROVIDER_SHORTNAME=${PROVIDER_NAME%% *}
[ -n "$IMAP_SERVER" ] || IMAP_SERVER="imap.$DOMAIN"
[ -n "$SMTP_SERVER" ] || SMTP_SERVER="smtp.$DOMAIN"

# An SQL string literal: single quotes doubled.
q() { printf "'%s'" "${1//\'/\'\'}"; }

imap_id=$((PROVIDER_ID + 1))
smtp_id=$((PROVIDER_ID + 2))
domain_id=$((PROVIDER_ID + 3))

cat <<SQL
INSERT INTO provider (id, name, short_name) VALUES ($PROVIDER_ID, $(q "$PROVIDER_NAME"), $(q "$PROVIDER_SHORTNAME"));
INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES ($domain_id, $(q "$DOMAIN"), $PROVIDER_ID, NULL);
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES ($imap_id, 10, $(q "$IMAP_SERVER"), 993, 'imap', 'SSL', $(q "$USER_NAME"), 'plain');
INSERT INTO server (id, prio, name, port, type, socket_type, user_name, authentication) VALUES ($smtp_id, 10, $(q "$SMTP_SERVER"), 587, 'smtp', 'STARTTLS', $(q "$USER_NAME"), 'plain');
INSERT INTO server_domain (server_id, domain_id) VALUES ($imap_id, $domain_id);
INSERT INTO server_domain (server_id, domain_id) VALUES ($smtp_id, $domain_id);
SQL
