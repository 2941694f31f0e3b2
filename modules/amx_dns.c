/* The zone-file snippet of one mail domain. */
#include <ctype.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_uri.h>

#include "amx_address.h"
#include "amx_autoconfig.h"
#include "amx_dns.h"
#include "amx_idn.h"

typedef struct {
    apr_pool_t *p;
    const char *domain;
    apr_array_header_t *lines;
    apr_hash_t *seen;     /* record lines written, so none comes twice */
} zone;

/* One service name pair: implicit TLS first, then STARTTLS or plain. */
typedef struct {
    const char *tls;
    const char *starttls;
} service_names;

static void add(zone *z, const char *line)
{
    if (apr_hash_get(z->seen, line, APR_HASH_KEY_STRING))
        return;
    apr_hash_set(z->seen, line, APR_HASH_KEY_STRING, line);
    APR_ARRAY_PUSH(z->lines, const char *) = line;
}

static void record(zone *z, const char *owner, const char *type, const char *rdata)
{
    add(z, apr_psprintf(z->p, "%s%s. %d IN %s %s", owner, z->domain, AMX_DNS_TTL, type, rdata));
}

static void srv(zone *z, const char *service, int prio, int port, const char *target)
{
    if (prio < 0)
        prio = 0;
    if (prio > 65535)
        prio = 65535;
    record(z, apr_pstrcat(z->p, service, "._tcp.", NULL), "SRV",
           apr_psprintf(z->p, "%d 0 %d %s.", prio, port, target));
}

/* RFC 6186 section 3.4: target "." means "decidedly not available". */
static void not_available(zone *z, const char *service)
{
    record(z, apr_pstrcat(z->p, service, "._tcp.", NULL), "SRV", "0 0 0 .");
}

/* S without surrounding white space and one trailing dot, U-labels as
 * A-labels (a zone file holds only those); NULL when that is no host name. */
static const char *dns_name(apr_pool_t *p, const char *s)
{
    const char *end, *lookup, *other;
    char *name;

    if (s == NULL)
        return NULL;
    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    if (end > s && end[-1] == '.')
        end--;
    name = apr_pstrmemdup(p, s, (apr_size_t)(end - s));
    if (*name && amx_ac_hostname_valid(name))
        return name;
    name = (char *)amx_domain_normalize(p, name, strlen(name));
    if (name == NULL || amx_idn_forms(p, name, &lookup, &other) != 0)
        return NULL;
    if (other && amx_ac_hostname_valid(other))
        return other;
    return lookup && amx_ac_hostname_valid(lookup) ? lookup : NULL;
}

static void mail_family(zone *z, const amx_domain_data *d, amx_server_type type,
                        service_names names, int domain_has_mail)
{
    int i, n = 0, encrypted = 0, tls_done = 0, starttls_done = 0;

    for (i = 0; i < d->servers->nelts; i++) {
        const amx_server *s = &APR_ARRAY_IDX(d->servers, i, amx_server);
        if (amx_server_type_parse(s->type) != type)
            continue;
        n++;
        if (amx_socket_type_parse(s->socket_type) != AMX_SOCKET_PLAIN)
            encrypted = 1;
    }
    if (n == 0) {
        if (domain_has_mail) {
            not_available(z, names.tls);
            not_available(z, names.starttls);
        }
        return;
    }
    for (i = 0; i < d->servers->nelts; i++) {
        const amx_server *s = &APR_ARRAY_IDX(d->servers, i, amx_server);
        amx_socket_type sock = amx_socket_type_parse(s->socket_type);
        const char *host;
        if (amx_server_type_parse(s->type) != type || (sock == AMX_SOCKET_PLAIN && encrypted))
            continue;
        host = dns_name(z->p, s->name);
        if (host == NULL || s->port < 1 || s->port > 65535) {
            add(z, apr_psprintf(z->p, "; server id %ld left out: its host name or port "
                                "cannot be published", s->id));
            continue;
        }
        if (sock == AMX_SOCKET_SSL) {
            srv(z, names.tls, s->prio, s->port, host);
            tls_done = 1;
        }
        else {
            srv(z, names.starttls, s->prio, s->port, host);
            starttls_done = 1;
        }
    }
    if (starttls_done && !tls_done)
        not_available(z, names.tls);
    else if (tls_done && !starttls_done)
        not_available(z, names.starttls);
}

/* An RFC 6764 path worth publishing: a real path without placeholders
 * and without characters a TXT string would have to escape. */
static const char *dav_path(const char *path)
{
    const char *c;
    if (path == NULL || path[0] != '/' || path[1] == '\0')
        return NULL;
    for (c = path; *c; c++) {
        if (*c == '%' || *c == '"' || *c == '\\' || (unsigned char)*c <= ' '
            || (unsigned char)*c >= 0x7F)
            return NULL;
    }
    return path;
}

static void dav_family(zone *z, const amx_domain_data *d, amx_dav_type type,
                       service_names names)
{
    int i, tls_done = 0, plain_done = 0, tls_path = 0, plain_path = 0;

    for (i = 0; i < d->davservers->nelts; i++) {
        const amx_davserver *v = &APR_ARRAY_IDX(d->davservers, i, amx_davserver);
        apr_uri_t uri;
        const char *host, *path, *service;
        int tls, port;

        if (amx_dav_type_parse(v->type) != type)
            continue;
        memset(&uri, 0, sizeof(uri));
        if (v->url == NULL || apr_uri_parse(z->p, v->url, &uri) != APR_SUCCESS
            || uri.scheme == NULL || (host = dns_name(z->p, uri.hostname)) == NULL
            || (strcasecmp(uri.scheme, "https") != 0 && strcasecmp(uri.scheme, "http") != 0)) {
            add(z, apr_psprintf(z->p, "; davserver id %ld left out: its URL names no "
                                "http(s) host that can be published", v->id));
            continue;
        }
        tls = strcasecmp(uri.scheme, "https") == 0;
        port = v->port > 0 ? v->port : uri.port_str ? (int)uri.port : tls ? 443 : 80;
        if (port < 1 || port > 65535)
            continue;
        service = tls ? names.tls : names.starttls;
        /* davserver has no prio: every server of a name is equal. */
        srv(z, service, 10, port, host);
        path = dav_path(uri.path);
        if (path && !(tls ? tls_path : plain_path)) {
            record(z, apr_pstrcat(z->p, service, "._tcp.", NULL), "TXT",
                   apr_pstrcat(z->p, "\"path=", path, "\"", NULL));
            *(tls ? &tls_path : &plain_path) = 1;
        }
        *(tls ? &tls_done : &plain_done) = 1;
    }
    if (plain_done && !tls_done)
        not_available(z, names.tls);
}

const char *amx_dns_zone(apr_pool_t *p, const amx_domain_data *d, const char *public_host,
                         const char *pacc_txt)
{
    zone z;
    const char *target = dns_name(p, public_host);
    int has_mail = d->servers->nelts > 0;

    z.p = p;
    z.lines = apr_array_make(p, 32, sizeof(const char *));
    z.seen = apr_hash_make(p);
    z.domain = dns_name(p, d->name);
    if (z.domain == NULL)
        return apr_psprintf(p, "; domain id %ld left out: its name is not an ASCII host name\n",
                            d->id);
    if (target == NULL)
        return apr_psprintf(p, "; %s. left out: the public host name is not a host name\n",
                            z.domain);
    add(&z, apr_psprintf(p, "; %s.", z.domain));
    record(&z, "autoconfig.", "CNAME", apr_pstrcat(p, target, ".", NULL));
    record(&z, "autodiscover.", "CNAME", apr_pstrcat(p, target, ".", NULL));
    srv(&z, "_autodiscover", 0, 443, target);
    mail_family(&z, d, AMX_SERVER_IMAP, (service_names){ "_imaps", "_imap" }, has_mail);
    mail_family(&z, d, AMX_SERVER_POP, (service_names){ "_pop3s", "_pop3" }, has_mail);
    mail_family(&z, d, AMX_SERVER_SMTP, (service_names){ "_submissions", "_submission" }, has_mail);
    dav_family(&z, d, AMX_DAV_CALDAV, (service_names){ "_caldavs", "_caldav" });
    dav_family(&z, d, AMX_DAV_CARDDAV, (service_names){ "_carddavs", "_carddav" });
    if (pacc_txt) {
        record(&z, "ua-auto-config.", "CNAME", apr_pstrcat(p, target, ".", NULL));
        record(&z, "_ua-auto-config.", "TXT", apr_pstrcat(p, "\"", pacc_txt, "\"", NULL));
    }
    APR_ARRAY_PUSH(z.lines, const char *) = "";
    return apr_array_pstrcat(p, z.lines, '\n');
}
