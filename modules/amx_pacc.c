/* The PACC document of draft-ietf-mailmaint-pacc-02, with jansson. */
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <apr_base64.h>
#include <apr_strings.h>

#include "amx_autoconfig.h"
#include "amx_pacc.h"

/* The draft names implicit TLS on the default port only: a client that
 * reads the document connects there without asking for a port. */
static const struct {
    const char *type;   /* amx_ac_server.type */
    const char *key;    /* the draft's protocol name */
    int port;
} mail_protocols[] = {
    { "imap", "imap", 993 },
    { "pop3", "pop3", 995 },
    { "smtp", "smtp", 465 },
};

/* PACC-02 authenticates by password or by OAuth with an issuer, which the
 * database has no column for: a server asking for anything else is left
 * out rather than described wrongly. */
static int takes_password(const char *authentication)
{
    return strcmp(authentication, "password-cleartext") == 0
        || strcmp(authentication, "password-encrypted") == 0;
}

static const amx_ac_server *first_server(const amx_autoconfig_doc *doc, const char *type, int port)
{
    int i;
    /* doc->servers is in prio order: the first that fits is the best. */
    for (i = 0; i < doc->servers->nelts; i++) {
        const amx_ac_server *s = &APR_ARRAY_IDX(doc->servers, i, amx_ac_server);
        if (strcmp(s->type, type) == 0 && s->port == port
            && strcmp(s->socket_type, "SSL") == 0 && takes_password(s->authentication))
            return s;
    }
    return NULL;
}

static const amx_ac_dav *first_dav(const amx_autoconfig_doc *doc, const char *type)
{
    int i;
    for (i = 0; i < doc->dav->nelts; i++) {
        const amx_ac_dav *v = &APR_ARRAY_IDX(doc->dav, i, amx_ac_dav);
        if (strcmp(v->type, type) == 0 && strncasecmp(v->url, "https://", 8) == 0)
            return v;
    }
    return NULL;
}

static void set_entry(json_t *protocols, const char *key, const char *field, const char *value)
{
    json_t *o = json_object();
    json_object_set_new(o, field, json_string(value));
    json_object_set_new(protocols, key, o);
}

static apr_status_t free_json(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

int amx_pacc_document(apr_pool_t *p, const amx_domain_data *d, const char **json,
                      amx_data_error *err)
{
    amx_autoconfig_doc *doc;
    json_t *root, *protocols, *auth, *info, *provider;
    char *text;
    size_t i;

    *json = NULL;
    if (amx_autoconfig_prepare(p, d, &doc, err) != 0)
        return -1;
    root = json_object();
    apr_pool_cleanup_register(p, root, free_json, apr_pool_cleanup_null);
    protocols = json_object();
    json_object_set_new(root, "protocols", protocols);
    for (i = 0; i < sizeof(mail_protocols) / sizeof(mail_protocols[0]); i++) {
        const amx_ac_server *s = first_server(doc, mail_protocols[i].type, mail_protocols[i].port);
        if (s)
            set_entry(protocols, mail_protocols[i].key, "host", s->hostname);
    }
    {
        const amx_ac_dav *cal = first_dav(doc, "caldav"), *card = first_dav(doc, "carddav");
        if (cal)
            set_entry(protocols, "caldav", "url", cal->url);
        if (card)
            set_entry(protocols, "carddav", "url", card->url);
    }
    if (json_object_size(protocols) == 0)
        return 0;
    /* Every protocol above is there because it takes the password. */
    auth = json_object();
    json_object_set_new(auth, "password", json_true());
    json_object_set_new(root, "authentication", auth);
    info = json_object();
    provider = json_object();
    json_object_set_new(provider, "name", json_string(doc->display_name ? doc->display_name : d->name));
    if (doc->display_short_name && *doc->display_short_name)
        json_object_set_new(provider, "shortName", json_string(doc->display_short_name));
    json_object_set_new(info, "provider", provider);
    json_object_set_new(root, "info", info);
    text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        return 0;   /* only when memory ran out or a string was not UTF-8 */
    *json = apr_pstrdup(p, text);
    free(text);
    return 0;
}

const char *amx_pacc_digest(apr_pool_t *p, const char *data, apr_size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char *out;

    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
        return NULL;
    out = apr_palloc(p, apr_base64_encode_len((int)mdlen));
    apr_base64_encode(out, (const char *)md, (int)mdlen);
    return out;
}

const char *amx_pacc_txt(apr_pool_t *p, const char *digest)
{
    return apr_pstrcat(p, "v=UAAC1; a=sha256; d=", digest, NULL);
}
