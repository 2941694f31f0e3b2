/* The API's resources and their JSON, checked as seed documents are. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "amx_api_resource.h"
#include "amx_idn.h"
#include "amx_model.h"
#include "amx_seed.h"

static const char *num(apr_pool_t *p, long n)
{
    return apr_ltoa(p, n);
}

static const char *b01(int b)
{
    return b ? "1" : "0";
}

/* ---- checks: one per resource, values in the order of its columns ----- */

static const char *check_provider(apr_pool_t *p, json_t *obj, const char **v,
                                  const char **field)
{
    return amx_seed_check_provider(p, obj, &v[0], &v[1], field);
}

const char *amx_api_domain_forms(apr_pool_t *p, const char *name, const char **other)
{
    const char *norm, *lookup;
    *other = NULL;
    if (amx_seed_domain_name(p, name, &norm) != NULL)
        return NULL;
    if (amx_idn_forms(p, norm, &lookup, other) != 0)
        return NULL;
    return lookup;
}

/* An id in OBJ's KEY: 1 or more; absent or null gives NULL when NULLABLE. */
static const char *get_id(apr_pool_t *p, json_t *obj, const char *key, int nullable,
                          const char **out, const char **field)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if ((v == NULL || json_is_null(v)) && nullable)
        return NULL;
    *field = key;
    if (v == NULL)
        return "missing";
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 2147483647)
        return "must be an id (a whole number from 1)";
    *out = num(p, (long)json_integer_value(v));
    *field = NULL;
    return NULL;
}

static const char *check_domain(apr_pool_t *p, json_t *obj, const char **v,
                                const char **field)
{
    json_t *name = json_object_get(obj, "name");
    const char *other, *why;

    *field = "name";
    if (name == NULL)
        return "missing";
    if (!json_is_string(name) || json_string_length(name) == 0
        || strlen(json_string_value(name)) != json_string_length(name))
        return "must be a domain name";
    if ((why = amx_seed_domain_name(p, json_string_value(name), &v[0])) != NULL)
        return why;
    if ((v[0] = amx_api_domain_forms(p, json_string_value(name), &other)) == NULL)
        return "not a valid (internationalised) domain name";
    if (strlen(v[0]) > 128)
        return "longer than 128 octets";
    *field = NULL;
    if ((why = get_id(p, obj, "provider_id", 0, &v[1], field)) != NULL)
        return why;
    return get_id(p, obj, "ldapserver_id", 1, &v[2], field);
}

static const char *check_server(apr_pool_t *p, json_t *obj, const char **v, const char **field,
                                int dav)
{
    amx_seed_server s;
    const char *type = json_string_value(json_object_get(obj, "type"));
    const char *why;
    /* The wrong collection first: its other columns would be wrong too. */
    int is_dav = type && (strcasecmp(type, "caldav") == 0 || strcasecmp(type, "carddav") == 0);
    if (type && is_dav != dav)
        s.dav = is_dav;
    else if ((why = amx_seed_check_server(p, obj, &s, field)) != NULL)
        return why;
    if (s.dav != dav) {
        *field = "type";
        return dav ? "must be caldav or carddav (mail servers are servers)"
                   : "must be imap, pop or smtp (caldav and carddav are davservers)";
    }
    if (dav) {
        const amx_davserver *d = &s.davserver;
        v[0] = d->url;
        v[1] = num(p, d->port);
        v[2] = d->type;
        v[3] = b01(d->use_ssl);
        v[4] = b01(d->domain_required);
        v[5] = d->user_name;
    }
    else {
        const amx_server *m = &s.server;
        v[0] = num(p, m->prio);
        v[1] = m->name;
        v[2] = num(p, m->port);
        v[3] = m->type;
        v[4] = m->socket_type;
        v[5] = m->user_name;
        v[6] = m->authentication;
    }
    return NULL;
}

static const char *check_mail(apr_pool_t *p, json_t *obj, const char **v, const char **field)
{
    return check_server(p, obj, v, field, 0);
}

static const char *check_dav(apr_pool_t *p, json_t *obj, const char **v, const char **field)
{
    return check_server(p, obj, v, field, 1);
}

static const char *check_ldap(apr_pool_t *p, json_t *obj, const char **v, const char **field)
{
    amx_ldapserver l;
    const char *why = amx_seed_check_ldapserver(p, obj, &l, field);
    if (why)
        return why;
    v[0] = l.name;
    v[1] = num(p, l.port);
    v[2] = b01(l.use_ssl);
    v[3] = l.search_base;
    v[4] = l.search_filter;
    v[5] = l.attr_uid;
    v[6] = l.attr_cn;
    v[7] = l.bind_password;
    v[8] = l.bind_user;
    return NULL;
}

/* ---- the resources ------------------------------------------------------ */

static const amx_api_col provider_cols[] = {
    { "name", AMX_COL_STR, NULL, 0 }, { "short_name", AMX_COL_STR, NULL, 0 },
};
static const amx_api_col domain_cols[] = {
    { "name", AMX_COL_STR, NULL, 0 }, { "provider_id", AMX_COL_INT, "provider", 0 },
    { "ldapserver_id", AMX_COL_INT, "ldapserver", 0 },
};
static const amx_api_link domain_links[] = {
    { "servers", "server_domain", "domain_id", "server_id", "server" },
    { "davservers", "davserver_domain", "domain_id", "davserver_id", "davserver" },
};
static const amx_api_col server_cols[] = {
    { "prio", AMX_COL_INT, NULL, 0 }, { "name", AMX_COL_STR, NULL, 0 },
    { "port", AMX_COL_INT, NULL, 0 }, { "type", AMX_COL_STR, NULL, 0 },
    { "socket_type", AMX_COL_STR, NULL, 0 }, { "user_name", AMX_COL_STR, NULL, 0 },
    { "authentication", AMX_COL_STR, NULL, 0 },
};
static const amx_api_link server_links[] = {
    { "domains", "server_domain", "server_id", "domain_id", "domain" },
};
static const amx_api_col davserver_cols[] = {
    { "url", AMX_COL_STR, NULL, 0 }, { "port", AMX_COL_INT, NULL, 0 },
    { "type", AMX_COL_STR, NULL, 0 }, { "use_ssl", AMX_COL_BOOL, NULL, 0 },
    { "domain_required", AMX_COL_BOOL, NULL, 0 }, { "user_name", AMX_COL_STR, NULL, 0 },
};
static const amx_api_link davserver_links[] = {
    { "domains", "davserver_domain", "davserver_id", "domain_id", "domain" },
};
static const amx_api_col ldapserver_cols[] = {
    { "name", AMX_COL_STR, NULL, 0 }, { "port", AMX_COL_INT, NULL, 0 },
    { "use_ssl", AMX_COL_BOOL, NULL, 0 }, { "search_base", AMX_COL_STR, NULL, 0 },
    { "search_filter", AMX_COL_STR, NULL, 0 }, { "attr_uid", AMX_COL_STR, NULL, 0 },
    { "attr_cn", AMX_COL_STR, NULL, 0 }, { "bind_password", AMX_COL_STR, NULL, 1 },
    { "bind_user", AMX_COL_STR, NULL, 0 },
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const amx_api_resource providers = {
    "providers", "provider", provider_cols, N(provider_cols), NULL, 0, 0,
    "domain", "provider_id", check_provider
};
static const amx_api_resource domains = {
    "domains", "domain", domain_cols, N(domain_cols), domain_links, N(domain_links), 1,
    NULL, NULL, check_domain
};
static const amx_api_resource servers = {
    "servers", "server", server_cols, N(server_cols), server_links, N(server_links), 0,
    NULL, NULL, check_mail
};
static const amx_api_resource davservers = {
    "davservers", "davserver", davserver_cols, N(davserver_cols), davserver_links,
    N(davserver_links), 0, NULL, NULL, check_dav
};
static const amx_api_resource ldapservers = {
    "ldapservers", "ldapserver", ldapserver_cols, N(ldapserver_cols), NULL, 0, 0,
    "domain", "ldapserver_id", check_ldap
};

const amx_api_resource *const amx_api_resources[] = {
    &providers, &domains, &servers, &davservers, &ldapservers, NULL
};

const amx_api_resource *amx_api_resource_find(const char *name, size_t len)
{
    const amx_api_resource *const *r;
    for (r = amx_api_resources; *r; r++) {
        if (strlen((*r)->path) == len && strncmp((*r)->path, name, len) == 0)
            return *r;
    }
    return NULL;
}

int amx_api_col_index(const amx_api_resource *res, const char *name)
{
    int i;
    for (i = 0; i < res->ncols; i++) {
        if (strcmp(res->cols[i].name, name) == 0)
            return i;
    }
    return -1;
}

amx_api_row *amx_api_row_make(apr_pool_t *p, const amx_api_resource *res)
{
    amx_api_row *row = apr_pcalloc(p, sizeof(*row));
    int i;
    row->values = apr_pcalloc(p, sizeof(const char *) * (apr_size_t)(res->ncols + 1));
    row->links = apr_pcalloc(p, sizeof(apr_array_header_t *) * (apr_size_t)(res->nlinks + 1));
    for (i = 0; i < res->nlinks; i++)
        row->links[i] = apr_array_make(p, 4, sizeof(long));
    return row;
}

json_t *amx_api_row_json(const amx_api_resource *res, const amx_api_row *row)
{
    json_t *doc = json_object();
    int i, j;

    json_object_set_new(doc, "id", json_integer(row->id));
    for (i = 0; i < res->ncols; i++) {
        const amx_api_col *c = &res->cols[i];
        const char *v = row->values[i];
        json_t *j_v;
        int b = 0;
        if (c->secret)
            continue;
        if (v == NULL)
            j_v = json_null();
        else if (c->kind == AMX_COL_INT)
            j_v = json_integer(strtol(v, NULL, 10));
        else if (c->kind == AMX_COL_BOOL)
            j_v = json_boolean(amx_bool_parse(v, &b) == 0 && b);
        else
            j_v = json_string(v);
        /* A stored value that is not UTF-8 cannot be JSON: shown as null
         * rather than dropped, so the member is always there. */
        json_object_set_new(doc, c->name, j_v ? j_v : json_null());
    }
    for (i = 0; i < res->nlinks; i++) {
        json_t *ids = json_array();
        for (j = 0; j < row->links[i]->nelts; j++)
            json_array_append_new(ids, json_integer(APR_ARRAY_IDX(row->links[i], j, long)));
        json_object_set_new(doc, res->links[i].member, ids);
    }
    return doc;
}

static int is_link(const amx_api_resource *res, const char *key)
{
    int i;
    for (i = 0; i < res->nlinks; i++) {
        if (strcmp(res->links[i].member, key) == 0)
            return 1;
    }
    return 0;
}

const char *amx_api_row_from_json(apr_pool_t *p, const amx_api_resource *res, json_t *obj,
                                  long id, amx_api_row *out, const char **field)
{
    const char *key, *why;
    json_t *v, *cols;
    int i;

    *field = NULL;
    if (!json_is_object(obj))
        return "the body must be a JSON object";
    /* The columns go to the seed's rules; id and the links are the API's. */
    cols = json_object();
    json_object_foreach(obj, key, v) {
        if (strcmp(key, "id") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) != id || id == 0) {
                json_decref(cols);
                *field = "id";
                return id ? "is read-only: it must be the id of the resource or left out"
                          : "is read-only: the server chooses it";
            }
        }
        else if (is_link(res, key)) {
            continue;
        }
        else if (amx_api_col_index(res, key) < 0) {
            json_decref(cols);
            *field = apr_pstrdup(p, key);
            return "unknown member";
        }
        else {
            json_object_set(cols, key, v);
        }
    }
    out->id = id;
    why = res->check(p, cols, out->values, field);
    if (why && *field)
        *field = apr_pstrdup(p, *field);
    json_decref(cols);
    if (why)
        return why;
    for (i = 0; i < res->nlinks; i++) {
        json_t *list = json_object_get(obj, res->links[i].member), *e;
        size_t k;
        if (list == NULL)
            continue;
        if (!json_is_array(list)) {
            *field = res->links[i].member;
            return "must be a list of ids";
        }
        json_array_foreach(list, k, e) {
            long n = json_is_integer(e) ? (long)json_integer_value(e) : 0;
            int seen;
            if (n < 1 || n > 2147483647L) {
                *field = apr_psprintf(p, "%s[%d]", res->links[i].member, (int)k);
                return "must be an id (a whole number from 1)";
            }
            for (seen = 0; seen < out->links[i]->nelts; seen++) {
                if (APR_ARRAY_IDX(out->links[i], seen, long) == n)
                    break;
            }
            if (seen == out->links[i]->nelts)
                APR_ARRAY_PUSH(out->links[i], long) = n;
        }
    }
    return NULL;
}
