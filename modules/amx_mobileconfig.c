/* Apple configuration profile generator. */
/* SHA1_Init() and its kin are deprecated low-level calls of OpenSSL 3, and
 * the cheapest: SHA1() and EVP_Digest() look the algorithm up by name and
 * make a context on every call (four per profile), which cost 3,700
 * instructions per UUID. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <string.h>
#include <strings.h>

#include "amx_idn.h"
#include "amx_mobileconfig.h"
#include "amx_placeholder.h"
#include "amx_template.h"
#include "amx_xml.h"

/* The namespace of this module's name-based UUIDs (itself a v4 UUID). */
static const unsigned char uuid_namespace[16] = {
    0x6f, 0x1c, 0x3a, 0x52, 0x9e, 0x0b, 0x4d, 0x7a,
    0xb5, 0x31, 0x2c, 0x84, 0x61, 0xd9, 0x0e, 0x47
};

static int encrypted(const amx_server *s)
{
    amx_socket_type t = amx_socket_type_parse(s->socket_type);
    return t == AMX_SOCKET_SSL || t == AMX_SOCKET_STARTTLS;
}

/* The first server of TYPE, preferring an encrypted one; D's servers are
 * already in prio order. */
static const amx_server *best(const amx_domain_data *d, amx_server_type type)
{
    const amx_server *first = NULL;
    int i;
    for (i = 0; i < d->servers->nelts; i++) {
        const amx_server *s = &APR_ARRAY_IDX(d->servers, i, amx_server);
        if (amx_server_type_parse(s->type) != type)
            continue;
        if (encrypted(s))
            return s;
        if (first == NULL)
            first = s;
    }
    return first;
}

const char *amx_mc_choose(const amx_domain_data *d, amx_mc_servers *out)
{
    if (d->servers->nelts == 0)
        return "the domain has no mail servers";
    out->incoming = best(d, AMX_SERVER_IMAP);
    if (out->incoming == NULL)
        out->incoming = best(d, AMX_SERVER_POP);
    out->outgoing = best(d, AMX_SERVER_SMTP);
    if (out->incoming == NULL)
        return "the domain has no IMAP or POP server";
    if (out->outgoing == NULL)
        return "the domain has no SMTP server";
    return NULL;
}

const char *amx_mc_authentication(const char *v)
{
    if (v == NULL)
        return NULL;
    if (strcasecmp(v, "plain") == 0)
        return "EmailAuthPassword";
    if (strcasecmp(v, "none") == 0)
        return "EmailAuthNone";
    if (strcasecmp(v, "NTLM") == 0)
        return "EmailAuthNTLM";
    return NULL;
}

const char *amx_mc_uuid(apr_pool_t *p, const char *address, const char *role)
{
    static const char hex[] = "0123456789ABCDEF";
    static const int dash[] = { 4, 6, 8, 10 };  /* bytes before each '-' */
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA_CTX ctx;
    char *uuid, *out;
    int i, k = 0;

    apr_size_t alen = strlen(address), rlen = strlen(role);
    apr_size_t n = sizeof(uuid_namespace) + alen + 1 + rlen;
    char small[256];
    /* The name in one piece, for one update of OpenSSL's SHA-1. */
    char *in = n <= sizeof(small) ? small : apr_palloc(p, n);

    memcpy(in, uuid_namespace, sizeof(uuid_namespace));
    memcpy(in + sizeof(uuid_namespace), address, alen);
    in[sizeof(uuid_namespace) + alen] = '\n';
    memcpy(in + sizeof(uuid_namespace) + alen + 1, role, rlen);
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, in, n);
    SHA1_Final(digest, &ctx);
    digest[6] = (unsigned char)((digest[6] & 0x0F) | 0x50);  /* version 5 */
    digest[8] = (unsigned char)((digest[8] & 0x3F) | 0x80);  /* RFC 4122 variant */
    /* 8-4-4-4-12 upper-case hex digits of the first 16 bytes. */
    uuid = out = apr_palloc(p, 37);
    for (i = 0; i < 16; i++) {
        if (k < 4 && i == dash[k]) {
            *out++ = '-';
            k++;
        }
        *out++ = hex[digest[i] >> 4];
        *out++ = hex[digest[i] & 15];
    }
    *out = '\0';
    return uuid;
}

const char *amx_mc_filename(apr_pool_t *p, const char *domain)
{
    const char *lookup, *other, *u;
    char *f, *c;

    /* An internationalised name as its A-labels, which need no escaping
     * (a header's file name is ASCII); U-labels would come out as "_". */
    for (u = domain; *u && (unsigned char)*u < 0x80; u++)
        ;
    if (*u && amx_idn_forms(p, domain, &lookup, &other) == 0 && other)
        domain = other;
    f = apr_pstrcat(p, domain, ".mobileconfig", NULL);
    for (c = f; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
              || (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'))
            *c = '_';
    }
    return f;
}

int amx_mc_templatable(apr_pool_t *p, const amx_domain_data *d)
{
    static const amx_address probe = { "a@b", "a", "b" };
    int i;

    for (i = 0; i < d->davservers->nelts; i++) {
        const char *url = APR_ARRAY_IDX(d->davservers, i, amx_davserver).url;
        if (strcmp(amx_placeholder_expand(p, url, &probe), url) != 0)
            return 0;
    }
    return d->davservers->nelts + 2 <= AMX_TPL_MAX_SLOTS;
}

/* ---- plist primitives ------------------------------------------------------ */

static int key(amx_xml *w, const char *k)
{
    return amx_xml_element(w, "key", k);
}

static int kv_string(amx_xml *w, const char *k, const char *v)
{
    return key(w, k) < 0 || amx_xml_element(w, "string", v ? v : "") < 0 ? -1 : 0;
}

static int kv_int(amx_xml *w, const char *k, long v)
{
    return key(w, k) < 0 || amx_xml_element_int(w, "integer", v) < 0 ? -1 : 0;
}

static int kv_bool(amx_xml *w, const char *k, int v)
{
    return key(w, k) < 0 || amx_xml_element(w, v ? "true" : "false", NULL) < 0 ? -1 : 0;
}

/* The keys every payload has; ROLE makes identifier and UUID. Apple's
 * schemas (CommonPayloadKeys, TopLevel) define PayloadOrganization for
 * the profile and for each payload: ORGANIZATION, the provider's name. */
static int payload_keys(amx_xml *w, apr_pool_t *p, const amx_mc_request *req,
                        const char *type, const char *role, const char *what,
                        const char *display, const char *description,
                        const char *organization)
{
    const char *name = what ? apr_pstrcat(p, role, " ", what, NULL) : role;
    const char *uuid;

    if (req->uuid_names) {
        /* A template: a slot, completed per request from NAME. */
        if (req->uuid_names->nelts >= AMX_TPL_MAX_SLOTS)
            return -1;
        uuid = apr_psprintf(p, AMX_TPL_SLOT "%c", 'A' + req->uuid_names->nelts);
        APR_ARRAY_PUSH(req->uuid_names, const char *) = name;
    }
    else {
        uuid = amx_mc_uuid(p, req->addr->address, name);
    }
    if (kv_string(w, "PayloadDescription", description) < 0
        || kv_string(w, "PayloadDisplayName", display) < 0
        || kv_string(w, "PayloadIdentifier",
                     apr_pstrcat(p, "automx.", role, ".", uuid, NULL)) < 0
        || kv_string(w, "PayloadOrganization", organization) < 0
        || kv_string(w, "PayloadType", type) < 0
        || kv_string(w, "PayloadUUID", uuid) < 0
        || kv_int(w, "PayloadVersion", 1) < 0)
        return -1;
    return 0;
}

static const char *username(apr_pool_t *p, const char *db, const amx_mc_request *req)
{
    if (req->id && req->id->uid)
        return req->id->uid;
    return amx_placeholder_expand(p, db, req->addr);
}

/* The keys of the incoming or the outgoing mail server. */
typedef struct {
    const char *authentication, *host_name, *port_number, *use_ssl, *username;
} mail_server_keys;

static const mail_server_keys incoming_keys = {
    "IncomingMailServerAuthentication", "IncomingMailServerHostName",
    "IncomingMailServerPortNumber", "IncomingMailServerUseSSL", "IncomingMailServerUsername"
};
static const mail_server_keys outgoing_keys = {
    "OutgoingMailServerAuthentication", "OutgoingMailServerHostName",
    "OutgoingMailServerPortNumber", "OutgoingMailServerUseSSL", "OutgoingMailServerUsername"
};

static int mail_server(amx_xml *w, apr_pool_t *p, const mail_server_keys *k,
                       const amx_server *s, const amx_mc_request *req)
{
    if (kv_string(w, k->authentication, amx_mc_authentication(s->authentication)) < 0
        || kv_string(w, k->host_name, amx_placeholder_expand(p, s->name, req->addr)) < 0
        || kv_int(w, k->port_number, s->port) < 0
        || kv_bool(w, k->use_ssl, encrypted(s)) < 0
        || kv_string(w, k->username, username(p, s->user_name, req)) < 0)
        return -1;
    return 0;
}

static int mail_payload(amx_xml *w, apr_pool_t *p, const char *provider,
                        const amx_mc_servers *sv, const amx_mc_request *req)
{
    int imap = amx_server_type_parse(sv->incoming->type) == AMX_SERVER_IMAP;

    if (amx_xml_start(w, "dict") < 0
        || kv_string(w, "EmailAccountDescription", req->addr->address) < 0)
        return -1;
    if (req->account_name && kv_string(w, "EmailAccountName", req->account_name) < 0)
        return -1;
    if (kv_string(w, "EmailAccountType", imap ? "EmailTypeIMAP" : "EmailTypePOP") < 0
        || kv_string(w, "EmailAddress", req->addr->address) < 0
        || mail_server(w, p, &incoming_keys, sv->incoming, req) < 0)
        return -1;
    if (req->password && kv_string(w, "IncomingPassword", req->password) < 0)
        return -1;
    if (mail_server(w, p, &outgoing_keys, sv->outgoing, req) < 0)
        return -1;
    if (req->password && kv_string(w, "OutgoingPassword", req->password) < 0)
        return -1;
    if (kv_bool(w, "OutgoingPasswordSameAsIncomingPassword", 1) < 0
        || payload_keys(w, p, req, "com.apple.mail.managed", "mail", NULL,
                        provider, apr_pstrcat(p, "Mail account ", req->addr->address, NULL),
                        provider) < 0)
        return -1;
    return amx_xml_end(w);
}

/* What differs between a CalDAV and a CardDAV payload. */
typedef struct {
    const char *name, *payload_type, *role;
    const char *account_description, *host_name, *password, *port, *principal_url,
               *use_ssl, *username;
} dav_keys;

static const dav_keys caldav_keys = {
    "CalDAV", "com.apple.caldav.account", "caldav",
    "CalDAVAccountDescription", "CalDAVHostName", "CalDAVPassword", "CalDAVPort",
    "CalDAVPrincipalURL", "CalDAVUseSSL", "CalDAVUsername"
};
static const dav_keys carddav_keys = {
    "CardDAV", "com.apple.carddav.account", "carddav",
    "CardDAVAccountDescription", "CardDAVHostName", "CardDAVPassword", "CardDAVPort",
    "CardDAVPrincipalURL", "CardDAVUseSSL", "CardDAVUsername"
};

static int dav_payload(amx_xml *w, apr_pool_t *p, const char *provider,
                       const amx_davserver *s, const amx_mc_request *req)
{
    const dav_keys *k = amx_dav_type_parse(s->type) == AMX_DAV_CALDAV
                      ? &caldav_keys : &carddav_keys;
    const char *url = amx_placeholder_expand(p, s->url, req->addr);
    const char *description = apr_pstrcat(p, k->name, " ", req->addr->address, NULL);
    apr_uri_t uri;
    int port = s->port;

    memset(&uri, 0, sizeof(uri));
    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS)
        memset(&uri, 0, sizeof(uri));
    if (port <= 0 && uri.port_str)
        port = uri.port;
    if (amx_xml_start(w, "dict") < 0
        || kv_string(w, k->account_description, description) < 0
        || kv_string(w, k->host_name, uri.hostname ? uri.hostname : url) < 0)
        return -1;
    if (req->password && kv_string(w, k->password, req->password) < 0)
        return -1;
    if (port > 0 && kv_int(w, k->port, port) < 0)
        return -1;
    if (kv_string(w, k->principal_url, url) < 0
        || kv_bool(w, k->use_ssl, s->use_ssl) < 0)
        return -1;
    if (s->user_name && kv_string(w, k->username, username(p, s->user_name, req)) < 0)
        return -1;
    /* The role names the server by its URL, not its row id, so that the
     * identifiers survive a re-import of the database. */
    if (payload_keys(w, p, req, k->payload_type, k->role, url, description,
                     apr_pstrcat(p, k->name, " account ", req->addr->address, NULL),
                     provider) < 0)
        return -1;
    return amx_xml_end(w);
}

int amx_mobileconfig_write(amx_xml *w, apr_pool_t *p, const amx_domain_data *d,
                           const amx_mc_servers *sv, const amx_mc_request *req)
{
    /* SPEC §3: placeholders are expanded in every string, this one too. */
    const char *provider = amx_placeholder_expand(p, d->provider_name, req->addr);
    int i;

    if (amx_xml_doctype(w, "plist", "-//Apple//DTD PLIST 1.0//EN",
                        "http://www.apple.com/DTDs/PropertyList-1.0.dtd") < 0
        || amx_xml_start(w, "plist") < 0
        || amx_xml_attribute(w, "version", "1.0") < 0
        || amx_xml_start(w, "dict") < 0
        || key(w, "PayloadContent") < 0 || amx_xml_start(w, "array") < 0
        || mail_payload(w, p, provider, sv, req) < 0)
        return -1;
    for (i = 0; i < d->davservers->nelts; i++) {
        if (dav_payload(w, p, provider, &APR_ARRAY_IDX(d->davservers, i, amx_davserver),
                        req) < 0)
            return -1;
    }
    if (amx_xml_end(w) < 0 /* array */
        || payload_keys(w, p, req, "Configuration", "profile", NULL, provider,
                        apr_pstrcat(p, "Mail settings for ", req->addr->address, NULL),
                        provider) < 0
        /* No PayloadRemovalDisallowed: Apple's schema gives it to
         * supervised devices only, and a profile installed by hand never
         * lands on one. */
        || amx_xml_end(w) < 0 /* dict */ || amx_xml_end(w) < 0 /* plist */)
        return -1;
    return 0;
}
