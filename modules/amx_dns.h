/*
 * The DNS records one mail domain needs, as a zone-file snippet (RFC 1035
 * master file syntax, every name absolute). Pure: no httpd.
 */
#ifndef AMX_DNS_H
#define AMX_DNS_H

#include <apr_pools.h>

#include "amx_model.h"

/* TTL of every record of the snippet, in seconds. */
#define AMX_DNS_TTL 3600

/* The records of D (which amx_domain_check() accepted), pointing clients
 * to PUBLIC_HOST (a host name without the trailing dot):
 * - autoconfig.D and autodiscover.D CNAME PUBLIC_HOST, _autodiscover._tcp.D
 *   SRV to PUBLIC_HOST port 443;
 * - RFC 6186/8314 SRV records of the mail servers (_imaps/_imap,
 *   _pop3s/_pop3, _submissions/_submission), priority from prio, and RFC
 *   6764 SRV records of the DAV servers (_caldavs/_caldav,
 *   _carddavs/_carddav) with the RFC 6764 path TXT record;
 * - RFC 6186's "not available" record (target ".") where the data says a
 *   service is not offered: for both names of a protocol the domain has no
 *   server of while it has other mail servers (for a DAV type: never), and
 *   for the other name of a protocol all of whose servers use one kind of
 *   transport (no implicit TLS server: the TLS name is "not available");
 *   a plain server is left out when its protocol has an encrypted one,
 *   as Autoconfig does;
 * - with PACC_TXT (the _ua-auto-config TXT value), ua-auto-config.D CNAME
 *   PUBLIC_HOST and that TXT record.
 * U-labels are written as A-labels; a server or domain whose name is no
 * host name in either form gets a comment line instead of records. */
const char *amx_dns_zone(apr_pool_t *p, const amx_domain_data *d, const char *public_host,
                         const char *pacc_txt);

#endif
