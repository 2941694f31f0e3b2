/* Seed document validation with jansson. */
#include <apr_strings.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "amx_seed.h"

typedef struct {
    apr_pool_t *p;
    const char *error;
    const char *key;    /* the key of the first error, NULL: the object */
    const char *reason; /* the first error without its position */
} ctx;

apr_status_t amx_seed_json_cleanup(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

static int fail(ctx *c, const char *path, const char *key, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    va_start(ap, fmt);
    msg = apr_pvsprintf(c->p, fmt, ap);
    va_end(ap);
    if (c->error == NULL) {
        c->error = apr_psprintf(c->p, "%s%s%s: %s", path, *path && key ? "." : "",
                                key ? key : "", msg);
        c->key = key;
        c->reason = msg;
    }
    return -1;
}

/* A string of at most MAX octets; *OUT stays as it is when absent and
 * OPTIONAL. JSON null gives NULL when NULLABLE. */
static int get_string(ctx *c, json_t *obj, const char *path, const char *key,
                      int optional, int nullable, size_t max, const char **out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        if (optional)
            return 0;
        return fail(c, path, key, "missing");
    }
    if (json_is_null(v) && nullable) {
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return fail(c, path, key, "must be a string");
    if (json_string_length(v) > max)
        return fail(c, path, key, "longer than %" APR_SIZE_T_FMT " octets", max);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return fail(c, path, key, "contains a NUL character");
    if (json_string_length(v) == 0 && !nullable)
        return fail(c, path, key, "must not be empty");
    *out = apr_pstrdup(c->p, json_string_value(v));
    return 0;
}

static int get_int(ctx *c, json_t *obj, const char *path, const char *key,
                   long min, long max, long *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 0;
    if (!json_is_integer(v))
        return fail(c, path, key, "must be an integer");
    if (json_integer_value(v) < min || json_integer_value(v) > max)
        return fail(c, path, key, "must be from %ld to %ld", min, max);
    *out = (long)json_integer_value(v);
    return 0;
}

/* true/false, 0/1, or the strings the manuals use ("yes", "no", ...). */
static int get_bool(ctx *c, json_t *obj, const char *path, const char *key, int *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 0;
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
        *out = (int)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && amx_bool_parse(json_string_value(v), out) == 0)
        return 0;
    return fail(c, path, key, "must be true or false");
}

static json_t *get_array(ctx *c, json_t *obj, const char *path, const char *key,
                         int optional)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        if (!optional)
            fail(c, path, key, "missing");
        return NULL;
    }
    if (!json_is_array(v)) {
        fail(c, path, key, "must be a list");
        return NULL;
    }
    return v;
}

static int unknown_keys(ctx *c, json_t *obj, const char *path, const char *const *known)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        const char *const *kk;
        if (k[0] == '_')
            continue; /* "_comment" and the like */
        for (kk = known; *kk; kk++) {
            if (strcmp(k, *kk) == 0)
                break;
        }
        if (*kk == NULL)
            return fail(c, path, k, "unknown key");
    }
    return 0;
}

static int server_domains(ctx *c, json_t *obj, const char *path, amx_seed_provider *prov,
                          apr_array_header_t **out)
{
    json_t *list = json_object_get(obj, "domains"), *v;
    size_t i;
    if (list == NULL)
        return 0;
    if (!json_is_array(list) || json_array_size(list) == 0)
        return fail(c, path, "domains", "must be a non-empty list of the provider's domain names");
    *out = apr_array_make(c->p, (int)json_array_size(list), sizeof(const char *));
    json_array_foreach(list, i, v) {
        int k, found = 0;
        if (!json_is_string(v))
            return fail(c, path, apr_psprintf(c->p, "domains[%" APR_SIZE_T_FMT "]", i), "must be a string");
        for (k = 0; k < prov->domains->nelts; k++) {
            if (strcasecmp(APR_ARRAY_IDX(prov->domains, k, amx_seed_domain).name,
                           json_string_value(v)) == 0)
                found = 1;
        }
        if (!found)
            return fail(c, path, apr_psprintf(c->p, "domains[%" APR_SIZE_T_FMT "]", i),
                        "\"%s\" is not one of the provider's domains", json_string_value(v));
        APR_ARRAY_PUSH(*out, const char *) = apr_pstrdup(c->p, json_string_value(v));
    }
    return 0;
}

/* The columns of one mail or DAV server, defaults filled in, into S. */
static int server_fields(ctx *c, json_t *obj, const char *path, amx_seed_server *s)
{
    static const char *const mail_keys[] = { "type", "name", "port", "prio", "socket_type",
        "user_name", "authentication", "domains", NULL };
    /* "name" on a DAV entry is taken and ignored, as automx2 does: its own
     * test seed has one. */
    static const char *const dav_keys[] = { "type", "url", "port", "use_ssl",
        "domain_required", "user_name", "domains", "name", NULL };
    const char *type = NULL;
    long n;

    if (!json_is_object(obj))
        return fail(c, path, NULL, "must be an object");
    memset(s, 0, sizeof(*s));
    s->path = path;
    if (get_string(c, obj, path, "type", 0, 0, 32, &type) != 0)
        return -1;
    if (strcasecmp(type, "caldav") == 0 || strcasecmp(type, "carddav") == 0) {
        amx_davserver *v = &s->davserver;
        s->dav = 1;
        v->type = apr_pstrdup(c->p, type);
        for (char *t = (char *)v->type; *t; t++)
            *t = (char)(*t >= 'A' && *t <= 'Z' ? *t - 'A' + 'a' : *t);
        v->user_name = "%EMAILADDRESS%";
        v->domain_required = 1;
        n = 0;
        if (unknown_keys(c, obj, path, dav_keys) != 0
            || get_string(c, obj, path, "url", 0, 0, 128, &v->url) != 0
            || get_int(c, obj, path, "port", 0, 65535, &n) != 0)
            return -1;
        v->port = (int)n;
        v->use_ssl = strncasecmp(v->url, "https:", 6) == 0;
        if (get_bool(c, obj, path, "use_ssl", &v->use_ssl) != 0
            || get_bool(c, obj, path, "domain_required", &v->domain_required) != 0
            || get_string(c, obj, path, "user_name", 1, 1, 64, &v->user_name) != 0)
            return -1;
    }
    else {
        amx_server *m = &s->server;
        amx_server_type t = amx_server_type_parse(type);
        if (t == AMX_SERVER_UNKNOWN || strcasecmp(type, "pop3") == 0)
            return fail(c, path, "type", "unknown server type \"%s\" (imap, pop, smtp, "
                        "caldav or carddav)", type);
        m->type = t == AMX_SERVER_IMAP ? "imap" : t == AMX_SERVER_POP ? "pop" : "smtp";
        n = t == AMX_SERVER_IMAP ? 993 : t == AMX_SERVER_POP ? 995 : 465;
        if (unknown_keys(c, obj, path, mail_keys) != 0
            || get_string(c, obj, path, "name", 0, 0, 128, &m->name) != 0
            || get_int(c, obj, path, "port", 1, 65535, &n) != 0)
            return -1;
        m->port = (int)n;
        m->socket_type = (n == 465 || n == 993 || n == 995) ? "SSL" : "STARTTLS";
        n = 10;
        if (get_int(c, obj, path, "prio", -2147483647L, 2147483647L, &n) != 0)
            return -1;
        m->prio = (int)n;
        m->user_name = "%EMAILADDRESS%";
        m->authentication = "plain";
        if (get_string(c, obj, path, "socket_type", 1, 0, 32, &m->socket_type) != 0
            || get_string(c, obj, path, "user_name", 1, 0, 64, &m->user_name) != 0
            || get_string(c, obj, path, "authentication", 1, 0, 32, &m->authentication) != 0)
            return -1;
        if (amx_socket_type_parse(m->socket_type) == AMX_SOCKET_UNKNOWN)
            return fail(c, path, "socket_type", "unknown socket type \"%s\" (SSL, STARTTLS "
                        "or plain)", m->socket_type);
    }
    return 0;
}

static int parse_server(ctx *c, json_t *obj, const char *path, amx_seed_provider *prov)
{
    amx_seed_server *s = apr_array_push(prov->servers);
    if (server_fields(c, obj, path, s) != 0)
        return -1;
    return server_domains(c, obj, path, prov, &s->domains);
}

static int ldap_fields(ctx *c, json_t *obj, const char *path, long id, amx_ldapserver *l);

static int parse_ldapserver(ctx *c, json_t *obj, const char *path, amx_seed_provider *prov)
{
    static const char *const keys[] = { "id", "name", "port", "use_ssl", "search_base",
        "search_filter", "attr_uid", "attr_cn", "bind_password", "bind_user", NULL };
    amx_ldapserver *l;
    long id = -1;
    int i;

    if (!json_is_object(obj))
        return fail(c, path, NULL, "must be an object");
    if (unknown_keys(c, obj, path, keys) != 0)
        return -1;
    if (json_object_get(obj, "id") == NULL)
        return fail(c, path, "id", "missing");
    if (get_int(c, obj, path, "id", 1, 2147483647L, &id) != 0)
        return -1;
    for (i = 0; i < prov->ldapservers->nelts; i++) {
        if (APR_ARRAY_IDX(prov->ldapservers, i, amx_ldapserver).id == id)
            return fail(c, path, "id", "%ld is given twice", id);
    }
    l = apr_array_push(prov->ldapservers);
    return ldap_fields(c, obj, path, id, l);
}

/* The columns of one LDAP server but its id, defaults filled in, into L. */
static int ldap_fields(ctx *c, json_t *obj, const char *path, long id, amx_ldapserver *l)
{
    long port = 636;

    memset(l, 0, sizeof(*l));
    l->id = id;
    l->search_filter = "(mail={0})";
    l->attr_uid = "uid";
    l->attr_cn = "cn";
    if (get_string(c, obj, path, "name", 0, 0, 128, &l->name) != 0
        || get_int(c, obj, path, "port", 1, 65535, &port) != 0)
        return -1;
    l->port = (int)port;
    l->use_ssl = port == 636;
    if (get_bool(c, obj, path, "use_ssl", &l->use_ssl) != 0
        || get_string(c, obj, path, "search_base", 0, 0, 128, &l->search_base) != 0
        || get_string(c, obj, path, "search_filter", 1, 0, 128, &l->search_filter) != 0
        || get_string(c, obj, path, "attr_uid", 1, 0, 32, &l->attr_uid) != 0
        || get_string(c, obj, path, "attr_cn", 1, 1, 32, &l->attr_cn) != 0
        || get_string(c, obj, path, "bind_password", 1, 1, 128, &l->bind_password) != 0
        || get_string(c, obj, path, "bind_user", 1, 1, 128, &l->bind_user) != 0)
        return -1;
    return 0;
}

int amx_seed_has_ldap(const amx_seed_provider *prov, long id)
{
    int i;
    for (i = 0; i < prov->ldapservers->nelts; i++) {
        if (APR_ARRAY_IDX(prov->ldapservers, i, amx_ldapserver).id == id)
            return 1;
    }
    return 0;
}

/* The provider's name under NAME_KEY and its short name, by default the
 * first word of the name. */
static int provider_names(ctx *c, json_t *doc, const char *path, const char *name_key,
                          const char **name, const char **short_name)
{
    if (get_string(c, doc, path, name_key, 0, 0, 128, name) != 0)
        return -1;
    *short_name = apr_pstrndup(c->p, *name, strcspn(*name, " "));
    if (strlen(*short_name) > 32)
        *short_name = apr_pstrndup(c->p, *short_name, 32);
    return get_string(c, doc, path, "short_name", 1, 0, 32, short_name);
}

const char *amx_seed_domain_name(apr_pool_t *p, const char *name, const char **out)
{
    /* Domains match case-insensitively, a trailing dot aside. */
    size_t n = strlen(name);
    char *norm = apr_pstrdup(p, name);
    if (n > 1 && norm[n - 1] == '.')
        norm[n - 1] = '\0';
    for (char *t = norm; *t; t++)
        *t = (char)(*t >= 'A' && *t <= 'Z' ? *t - 'A' + 'a' : *t);
    if (strchr(norm, ' ') || strchr(norm, '@') || strchr(norm, '/') || *norm == '\0')
        return apr_psprintf(p, "\"%s\" is not a domain name", name);
    *out = norm;
    return NULL;
}

static int parse_provider(ctx *c, json_t *doc, const char *path, apr_array_header_t *all)
{
    static const char *const keys[] = { "version", "provider", "short_name", "domains",
        "servers", "ldapservers", "serverless", NULL };
    amx_seed_provider *prov;
    json_t *list, *v;
    long version = 1;
    size_t i;
    int mail = 0, serverless = 0;

    if (!json_is_object(doc))
        return fail(c, path, NULL, "must be an object");
    if (unknown_keys(c, doc, path, keys) != 0)
        return -1;
    if (json_object_get(doc, "version") && !json_is_integer(json_object_get(doc, "version")))
        return fail(c, path, "version", "must be an integer");
    if (get_int(c, doc, path, "version", -2147483647L, 2147483647L, &version) != 0)
        return -1;
    if (version != 1 && version != 2)
        return fail(c, path, "version", "unsupported version %ld (1 or 2)", version);
    prov = apr_array_push(all);
    memset(prov, 0, sizeof(*prov));
    prov->path = path;
    prov->domains = apr_array_make(c->p, 4, sizeof(amx_seed_domain));
    prov->servers = apr_array_make(c->p, 4, sizeof(amx_seed_server));
    prov->ldapservers = apr_array_make(c->p, 1, sizeof(amx_ldapserver));
    if (provider_names(c, doc, path, "provider", &prov->name, &prov->short_name) != 0)
        return -1;

    if (version == 2 && (list = get_array(c, doc, path, "ldapservers", 1)) != NULL) {
        json_array_foreach(list, i, v) {
            if (parse_ldapserver(c, v, apr_psprintf(c->p, "%s%sldapservers[%" APR_SIZE_T_FMT "]", path,
                                                   *path ? "." : "", i), prov) != 0)
                return -1;
        }
    }
    if (c->error)
        return -1;

    if ((list = get_array(c, doc, path, "domains", 0)) == NULL)
        return -1;
    if (json_array_size(list) == 0)
        return fail(c, path, "domains", "must name at least one domain");
    json_array_foreach(list, i, v) {
        const char *dpath = apr_psprintf(c->p, "%s%sdomains[%" APR_SIZE_T_FMT "]", path, *path ? "." : "", i);
        amx_seed_domain *d = apr_array_push(prov->domains);
        d->ldapserver_id = -1;
        if (version == 1) {
            if (!json_is_string(v))
                return fail(c, dpath, NULL, "must be a domain name (a string) in a "
                            "document without version 2");
            d->name = json_string_value(v);
            if (strlen(d->name) == 0 || strlen(d->name) > 128 || strlen(d->name) != json_string_length(v))
                return fail(c, dpath, NULL, "must be a domain name of 1 to 128 octets");
            d->name = apr_pstrdup(c->p, d->name);
        }
        else {
            static const char *const dkeys[] = { "name", "ldapserver_id", NULL };
            if (!json_is_object(v))
                return fail(c, dpath, NULL, "must be an object with \"name\" in a "
                            "version 2 document");
            if (unknown_keys(c, v, dpath, dkeys) != 0
                || get_string(c, v, dpath, "name", 0, 0, 128, &d->name) != 0
                || get_int(c, v, dpath, "ldapserver_id", 1, 2147483647L, &d->ldapserver_id) != 0)
                return -1;
        }
        {
            const char *why = amx_seed_domain_name(c->p, d->name, &d->name);
            if (why)
                return fail(c, dpath, NULL, "%s", why);
        }
        for (int k = 0; k < all->nelts; k++) {
            amx_seed_provider *other = &APR_ARRAY_IDX(all, k, amx_seed_provider);
            for (int j = 0; j < other->domains->nelts; j++) {
                amx_seed_domain *x = &APR_ARRAY_IDX(other->domains, j, amx_seed_domain);
                if (x != d && strcmp(x->name, d->name) == 0)
                    return fail(c, dpath, NULL, "the domain \"%s\" is given twice", d->name);
            }
        }
    }

    if ((list = get_array(c, doc, path, "servers", 0)) == NULL)
        return -1;
    json_array_foreach(list, i, v) {
        amx_seed_server *s;
        if (parse_server(c, v, apr_psprintf(c->p, "%s%sservers[%" APR_SIZE_T_FMT "]", path,
                                            *path ? "." : "", i), prov) != 0)
            return -1;
        s = &APR_ARRAY_IDX(prov->servers, prov->servers->nelts - 1, amx_seed_server);
        mail += !s->dav;
    }
    /* A provider without mail servers is almost always a mistake; the
     * export marks the deliberate ones. */
    if (get_bool(c, doc, path, "serverless", &serverless) != 0)
        return -1;
    if (mail == 0 && !serverless)
        return fail(c, path, "servers", "no mail server (imap, pop or smtp)");
    return 0;
}

const char *amx_seed_parse(apr_pool_t *p, const char *json, apr_size_t len,
                           apr_array_header_t **out)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    ctx c = { p, NULL, NULL, NULL };
    apr_array_header_t *all = apr_array_make(p, 2, sizeof(amx_seed_provider));

    if (root == NULL)
        return apr_psprintf(p, "invalid JSON at line %d, column %d: %s",
                            jerr.line, jerr.column, jerr.text);
    apr_pool_cleanup_register(p, root, amx_seed_json_cleanup, apr_pool_cleanup_null);
    if (json_is_array(root)) {
        size_t i;
        json_t *doc;
        if (json_array_size(root) == 0)
            return "an empty list: nothing to add";
        json_array_foreach(root, i, doc) {
            if (parse_provider(&c, doc, apr_psprintf(p, "[%" APR_SIZE_T_FMT "]", i), all) != 0)
                return c.error;
        }
    }
    else if (json_is_object(root)) {
        if (parse_provider(&c, root, "", all) != 0)
            return c.error;
    }
    else {
        return "the document must be an object or a list of objects";
    }
    *out = all;
    return NULL;
}

/* ---- one object at a time, for the provisioning API ---------------------- */

static const char *checked(ctx *c, int rv, const char **field)
{
    if (rv == 0)
        return NULL;
    *field = c->key;
    return c->reason ? c->reason : c->error;
}

const char *amx_seed_check_provider(apr_pool_t *p, json_t *obj, const char **name,
                                    const char **short_name, const char **field)
{
    ctx c = { p, NULL, NULL, NULL };
    return checked(&c, provider_names(&c, obj, "", "name", name, short_name), field);
}

const char *amx_seed_check_server(apr_pool_t *p, json_t *obj, amx_seed_server *out,
                                  const char **field)
{
    ctx c = { p, NULL, NULL, NULL };
    return checked(&c, server_fields(&c, obj, "", out), field);
}

const char *amx_seed_check_ldapserver(apr_pool_t *p, json_t *obj, amx_ldapserver *out,
                                      const char **field)
{
    ctx c = { p, NULL, NULL, NULL };
    return checked(&c, ldap_fields(&c, obj, "", 0, out), field);
}
