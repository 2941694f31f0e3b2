/* Mozilla Autoconfig reply generator. */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <apr_uri.h>

#include "amx_autoconfig.h"
#include "amx_xml.h"

const char *amx_ac_authentication(const char *value)
{
    /* automx2's own words first, then the draft's vocabulary. Thunderbird
     * for Android knows only password-cleartext, password-encrypted and
     * OAuth2 and refuses a document where a server has none of them, so
     * automx2's "plain" must not reach it as it is. */
    static const char *const map[][2] = {
        { "plain", "password-cleartext" },
        { "secure", "password-encrypted" },
        { "encrypted", "password-encrypted" },
        { "password-cleartext", "password-cleartext" },
        { "password-encrypted", "password-encrypted" },
        { "NTLM", "NTLM" },
        { "GSSAPI", "GSSAPI" },
        { "client-IP-address", "client-IP-address" },
        { "TLS-client-cert", "TLS-client-cert" },
        { "OAuth2", "OAuth2" },
        { "none", "none" },
    };
    unsigned i;

    if (value == NULL)
        return NULL;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcasecmp(value, map[i][0]) == 0)
            return map[i][1];
    }
    return NULL;
}

static int ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-';
}

int amx_ac_hostname_valid(const char *s)
{
    apr_size_t len, label = 0, i;

    if (s == NULL || (len = strlen(s)) == 0 || len > 255)
        return 0;
    for (i = 0; i < len; i++) {
        if (s[i] == '.') {
            /* An empty label, or one ending in '-', breaks the name; a
             * single trailing dot is the root and allowed. */
            if (label == 0 || s[i - 1] == '-')
                return 0;
            label = 0;
            continue;
        }
        if (!ldh(s[i]) || (label == 0 && s[i] == '-') || ++label > 63)
            return 0;
    }
    return label == 0 || s[len - 1] != '-';
}

/* XML white space around a value: no client wants it, and Thunderbird for
 * Android takes the text as it is, so " imap.example.com" is no host name
 * to it. The stored value is used when there is none to remove. */
static const char *trim(apr_pool_t *p, const char *s)
{
    const char *end;

    if (s == NULL)
        return NULL;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    end = s + strlen(s);
    if (end == s || (end[-1] != ' ' && end[-1] != '\t' && end[-1] != '\r'
                     && end[-1] != '\n'))
        return s;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'
                       || end[-1] == '\n'))
        end--;
    return apr_pstrmemdup(p, s, end - s);
}

static int encrypted(const amx_server *s)
{
    return amx_socket_type_parse(s->socket_type) != AMX_SOCKET_PLAIN;
}

static int prepare_servers(apr_pool_t *p, const amx_domain_data *d,
                           amx_autoconfig_doc *doc, amx_data_error *err)
{
    /* Indexed by amx_server_type: does the protocol have an encrypted
     * server? Then its plain ones are left out. */
    int has_encrypted[AMX_SERVER_SMTP + 1] = { 0 };
    apr_array_header_t *outgoing;
    int i;

    for (i = 0; i < d->servers->nelts; i++) {
        const amx_server *s = &APR_ARRAY_IDX(d->servers, i, amx_server);
        if (encrypted(s))
            has_encrypted[amx_server_type_parse(s->type)] = 1;
    }
    doc->servers = apr_array_make(p, d->servers->nelts, sizeof(amx_ac_server));
    outgoing = apr_array_make(p, 2, sizeof(amx_ac_server));
    for (i = 0; i < d->servers->nelts; i++) {
        const amx_server *s = &APR_ARRAY_IDX(d->servers, i, amx_server);
        amx_server_type type = amx_server_type_parse(s->type);
        amx_ac_server o;

        o.element = type == AMX_SERVER_SMTP ? "outgoingServer" : "incomingServer";
        o.type = type == AMX_SERVER_IMAP ? "imap"
            : type == AMX_SERVER_POP ? "pop3" : "smtp";
        o.socket_type = amx_socket_type_name(amx_socket_type_parse(s->socket_type));
        o.authentication = amx_ac_authentication(trim(p, s->authentication));
        if (o.authentication == NULL)
            return amx_data_error_set(err, "server", s->id, "authentication",
                                      s->authentication);
        /* Clients refuse a server without host name, port or user name
         * (Thunderbird for Android the whole document): a row that lacks
         * one is a data error, not a server to leave out in silence. */
        o.hostname = trim(p, s->name);
        if (o.hostname == NULL || *o.hostname == '\0')
            return amx_data_error_set(err, "server", s->id, "name", s->name);
        if (s->port < 1 || s->port > 65535)
            return amx_data_error_set(err, "server", s->id, "port",
                                      apr_itoa(p, s->port));
        o.port = s->port;
        o.username = trim(p, s->user_name);
        if (o.username == NULL || *o.username == '\0')
            return amx_data_error_set(err, "server", s->id, "user_name", s->user_name);
        /* Checked before this, so that a wrong row is reported whether or
         * not this reply shows it. */
        if (!encrypted(s) && has_encrypted[type])
            continue;
        /* The servers arrive in prio order (ties by id); the ISPDB and the
         * draft write every incoming server before the outgoing ones. */
        *(amx_ac_server *)apr_array_push(type == AMX_SERVER_SMTP
                                         ? outgoing : doc->servers) = o;
    }
    apr_array_cat(doc->servers, outgoing);
    return 0;
}

const char *amx_ac_dav_url(apr_pool_t *p, const char *url, int port)
{
    apr_uri_t uri;

    if (port <= 0 || apr_uri_parse(p, url, &uri) != APR_SUCCESS
        || uri.scheme == NULL || uri.hostname == NULL)
        return url;
    if (uri.port_str ? uri.port == port
        : port == apr_uri_port_of_scheme(uri.scheme))
        return url;
    uri.port = (apr_port_t)port;
    uri.port_str = apr_itoa(p, port);
    return apr_uri_unparse(p, &uri, APR_URI_UNP_REVEALPASSWORD);
}

static int prepare_dav(apr_pool_t *p, const amx_domain_data *d,
                       amx_autoconfig_doc *doc, amx_data_error *err)
{
    int i;

    doc->dav = apr_array_make(p, d->davservers->nelts, sizeof(amx_ac_dav));
    for (i = 0; i < d->davservers->nelts; i++) {
        const amx_davserver *s = &APR_ARRAY_IDX(d->davservers, i, amx_davserver);
        amx_ac_dav *o = apr_array_push(doc->dav);

        if (amx_dav_type_parse(s->type) == AMX_DAV_CALDAV) {
            o->element = "calendar";
            o->type = "caldav";
        }
        else {
            o->element = "addressbook";
            o->type = "carddav";
        }
        o->url = trim(p, s->url);
        if (o->url == NULL || *o->url == '\0')
            return amx_data_error_set(err, "davserver", s->id, "url", s->url);
        o->url = amx_ac_dav_url(p, o->url, s->port);
        o->username = trim(p, s->user_name);
        if (o->username && *o->username == '\0')
            o->username = NULL;
    }
    return 0;
}

int amx_autoconfig_prepare(apr_pool_t *p, const amx_domain_data *d,
                           amx_autoconfig_doc **out, amx_data_error *err)
{
    amx_autoconfig_doc *doc;
    int i;

    if (amx_domain_check(d, err) != 0)
        return -1;
    doc = apr_pcalloc(p, sizeof(*doc));
    doc->domains = apr_array_make(p, d->provider_domains->nelts, sizeof(const char *));
    for (i = 0; i < d->provider_domains->nelts; i++) {
        const char *name = trim(p, APR_ARRAY_IDX(d->provider_domains, i, const char *));
        APR_ARRAY_PUSH(doc->domains, const char *) = name;
        /* The provider's first domain names it, as in Mozilla's ISPDB; but
         * Thunderbird for Android refuses an id that is no host name (an
         * internationalised name in its U-label form, say), so the first
         * domain that is one names it. */
        if (doc->provider_id == NULL && amx_ac_hostname_valid(name))
            doc->provider_id = name;
    }
    /* No domain of the provider is a host name: the Android app refuses
     * such a document whatever the id is, so keep the ISPDB's rule. */
    if (doc->provider_id == NULL)
        doc->provider_id = doc->domains->nelts
            ? APR_ARRAY_IDX(doc->domains, 0, const char *) : d->name;
    doc->display_name = trim(p, d->provider_name);
    doc->display_short_name = trim(p, d->provider_short_name);
    if (prepare_servers(p, d, doc, err) != 0 || prepare_dav(p, d, doc, err) != 0)
        return -1;
    *out = doc;
    return 0;
}

static int write_server(amx_xml *w, const amx_ac_server *s,
                        const amx_identity *id)
{
    if (amx_xml_start(w, s->element) < 0
        || amx_xml_attribute(w, "type", s->type) < 0
        || amx_xml_element(w, "hostname", s->hostname) < 0
        || amx_xml_element_int(w, "port", s->port) < 0
        || amx_xml_element(w, "socketType", s->socket_type) < 0
        || amx_xml_element(w, "username",
                           (id && id->uid) ? id->uid : s->username) < 0
        || amx_xml_element(w, "authentication", s->authentication) < 0
        || amx_xml_end(w) < 0)
        return -1;
    return 0;
}

static int write_dav(amx_xml *w, const amx_ac_dav *s, const amx_identity *id)
{
    if (amx_xml_start(w, s->element) < 0
        || amx_xml_attribute(w, "type", s->type) < 0
        || amx_xml_element(w, "url", s->url) < 0)
        return -1;
    if (s->username
        && amx_xml_element(w, "username",
                           (id && id->uid) ? id->uid : s->username) < 0)
        return -1;
    /* The draft's HTTP authentication: the DAV servers of automx2's
     * schema take the mail password over Basic. */
    if (amx_xml_element_attribute(w, "authentication", "system", "http", "Basic") < 0)
        return -1;
    return amx_xml_end(w);
}

int amx_autoconfig_write(amx_xml *w, const amx_autoconfig_doc *doc,
                         const amx_identity *id)
{
    int i;

    if (amx_xml_start(w, "clientConfig") < 0
        || amx_xml_attribute(w, "version", "1.1") < 0
        || amx_xml_start(w, "emailProvider") < 0
        || amx_xml_attribute(w, "id", doc->provider_id) < 0
        || amx_xml_element(w, "identity", NULL) < 0)
        return -1;
    for (i = 0; i < doc->domains->nelts; i++) {
        if (amx_xml_element(w, "domain",
                            APR_ARRAY_IDX(doc->domains, i, const char *)) < 0)
            return -1;
    }
    if (amx_xml_element(w, "displayName", doc->display_name) < 0
        || amx_xml_element(w, "displayShortName", doc->display_short_name) < 0)
        return -1;
    for (i = 0; i < doc->servers->nelts; i++) {
        if (write_server(w, &APR_ARRAY_IDX(doc->servers, i, amx_ac_server), id) < 0)
            return -1;
    }
    if (amx_xml_end(w) < 0)
        return -1;
    for (i = 0; i < doc->dav->nelts; i++) {
        if (write_dav(w, &APR_ARRAY_IDX(doc->dav, i, amx_ac_dav), id) < 0)
            return -1;
    }
    return amx_xml_end(w);
}
