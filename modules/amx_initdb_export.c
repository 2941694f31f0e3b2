/*
 * Export of the whole database as version 2 seed documents, one per
 * provider. Keys beyond automx2's (a server's socket_type, prio, user_name,
 * authentication and domains; a DAV server's port, use_ssl,
 * domain_required, user_name and domains) keep everything that decides a
 * reply, so that purge and re-import give the same replies.
 */
#include "httpd.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include <jansson.h>

#include "amx_http.h"
#include "amx_initdb.h"
#include "amx_model.h"
#include "amx_seed.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

static const char *s(const apr_dbd_driver_t *drv, apr_dbd_row_t *row, int n)
{
    return amx_store_entry(drv, row, n);
}

static long l(const apr_dbd_driver_t *drv, apr_dbd_row_t *row, int n)
{
    const char *v = amx_store_entry(drv, row, n);
    return v ? strtol(v, NULL, 10) : 0;
}

static json_t *str_or_null(const char *v)
{
    return v ? json_string(v) : json_null();
}

static int boolean(const char *v)
{
    int b = 0;
    amx_bool_parse(v, &b);
    return b;
}

typedef struct {
    json_t *docs;          /* the array, in provider id order */
    apr_hash_t *by_provider; /* provider id -> json_t * document */
    apr_hash_t *domain_provider; /* domain name -> provider id string */
    apr_hash_t *entries;   /* "s<id>/<provider>" or "v<id>/<provider>" -> server object */
    apr_hash_t *ldap_rows; /* ldapserver id -> json object */
    apr_hash_t *ldap_placed;
    int data_error;        /* a row no seed document can hold: 400 */
} export_ctx;

/* The row's refusal, for the log and the reply. */
static int refuse(request_rec *r, export_ctx *c, const char **error, const char *table,
                  const char *id, const char *fmt, ...)
{
    va_list ap;
    char *why;
    va_start(ap, fmt);
    why = apr_pvsprintf(r->pool, fmt, ap);
    va_end(ap);
    c->data_error = 1;
    *error = apr_psprintf(r->pool, "table %s, row id %s: %s", table, id ? id : "NULL", why);
    return -1;
}

/* The first of the text COLUMNS of ROW (NULL names skip a column) whose
 * value is not UTF-8, which JSON cannot carry; NULL when all are. */
static const char *not_utf8(const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                            const char *const *columns, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        const char *v = columns[i] ? amx_store_entry(drv, row, i) : NULL;
        json_t *j;
        if (v == NULL)
            continue;
        if ((j = json_string(v)) == NULL)
            return columns[i];
        json_decref(j);
    }
    return NULL;
}

/* Refuses a row with a value that is not UTF-8, or that jansson could not
 * pack (O NULL); else 0. */
#define CHECK_ROW(table, columns, o) do { \
        const char *bad_ = not_utf8(drv, row, columns, \
                                    (int)(sizeof(columns) / sizeof(columns[0]))); \
        if (bad_ || (o) == NULL) { \
            if (o) \
                json_decref(o); \
            return bad_ ? refuse(r, c, error, table, s(drv, row, 0), \
                                 "column %s is not UTF-8", bad_) \
                        : refuse(r, c, error, table, s(drv, row, 0), \
                                 "no JSON could be made of it"); \
        } \
    } while (0)

static int provider_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                        void *cv, const char **error)
{
    static const char *const columns[] = { NULL, "name", "short_name" };
    export_ctx *c = cv;
    json_t *doc = json_pack("{s:i, s:s?, s:s?, s:[], s:[]}", "version", 2,
                            "provider", s(drv, row, 1), "short_name", s(drv, row, 2),
                            "domains", "servers");
    CHECK_ROW("provider", columns, doc);
    json_array_append_new(c->docs, doc);
    apr_hash_set(c->by_provider, apr_pstrdup(r->pool, s(drv, row, 0)), APR_HASH_KEY_STRING, doc);
    return 0;
}

static int domain_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                      void *cv, const char **error)
{
    static const char *const columns[] = { NULL, "name" };
    export_ctx *c = cv;
    json_t *doc = apr_hash_get(c->by_provider, s(drv, row, 2), APR_HASH_KEY_STRING);
    json_t *d;
    /* Such a domain cannot be served; an export without it would not be
     * the database. */
    if (doc == NULL)
        return refuse(r, c, error, "domain", s(drv, row, 0),
                      "provider_id %s is not in table provider", s(drv, row, 2));
    d = json_pack("{s:s}", "name", s(drv, row, 1));
    CHECK_ROW("domain", columns, d);
    if (s(drv, row, 3))
        json_object_set_new(d, "ldapserver_id", json_integer(l(drv, row, 3)));
    json_array_append_new(json_object_get(doc, "domains"), d);
    apr_hash_set(c->domain_provider, apr_pstrdup(r->pool, s(drv, row, 1)), APR_HASH_KEY_STRING,
                 apr_pstrdup(r->pool, s(drv, row, 2)));
    if (s(drv, row, 3)) {
        /* Each directory row goes into the first document that needs it;
         * later ones refer to it by id (the import runs in order). */
        const char *lid = apr_pstrdup(r->pool, s(drv, row, 3));
        json_t *ldap = apr_hash_get(c->ldap_rows, lid, APR_HASH_KEY_STRING);
        if (ldap && !apr_hash_get(c->ldap_placed, lid, APR_HASH_KEY_STRING)) {
            json_t *list = json_object_get(doc, "ldapservers");
            if (list == NULL)
                json_object_set_new(doc, "ldapservers", list = json_array());
            json_array_append(list, ldap);
            apr_hash_set(c->ldap_placed, lid, APR_HASH_KEY_STRING, lid);
        }
    }
    return 0;
}

static int ldap_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row, void *cv,
                    const char **error)
{
    static const char *const columns[] = { NULL, "name", NULL, NULL, "search_base",
        "search_filter", "attr_uid", "attr_cn", "bind_password", "bind_user" };
    export_ctx *c = cv;
    json_t *o = json_pack("{s:I, s:s?, s:I, s:b, s:s?, s:s?, s:s?, s:o, s:o, s:o}",
                          "id", (json_int_t)l(drv, row, 0), "name", s(drv, row, 1),
                          "port", (json_int_t)l(drv, row, 2), "use_ssl", boolean(s(drv, row, 3)),
                          "search_base", s(drv, row, 4), "search_filter", s(drv, row, 5),
                          "attr_uid", s(drv, row, 6), "attr_cn", str_or_null(s(drv, row, 7)),
                          "bind_password", str_or_null(s(drv, row, 8)),
                          "bind_user", str_or_null(s(drv, row, 9)));
    CHECK_ROW("ldapserver", columns, o);
    apr_pool_cleanup_register(r->pool, o, amx_seed_json_cleanup, apr_pool_cleanup_null);
    apr_hash_set(c->ldap_rows, apr_pstrdup(r->pool, s(drv, row, 0)), APR_HASH_KEY_STRING, o);
    return 0;
}

/* One server row per linked domain: grouped into one entry per provider. */
static void add_server(request_rec *r, export_ctx *c, const char *key, const char *domain,
                       json_t *fresh)
{
    const char *pid = apr_hash_get(c->domain_provider, domain, APR_HASH_KEY_STRING);
    json_t *doc, *entry;
    const char *k;
    if (pid == NULL) {
        json_decref(fresh);
        return;
    }
    doc = apr_hash_get(c->by_provider, pid, APR_HASH_KEY_STRING);
    k = apr_pstrcat(r->pool, key, "/", pid, NULL);
    entry = apr_hash_get(c->entries, k, APR_HASH_KEY_STRING);
    if (entry == NULL) {
        entry = fresh;
        json_object_set_new(entry, "domains", json_array());
        json_array_append_new(json_object_get(doc, "servers"), entry);
        apr_hash_set(c->entries, k, APR_HASH_KEY_STRING, entry);
    }
    else {
        json_decref(fresh);
    }
    json_array_append_new(json_object_get(entry, "domains"), json_string(domain));
}

static int server_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                      void *cv, const char **error)
{
    static const char *const columns[] = { NULL, NULL, "name", NULL, "type", "socket_type",
        "user_name", "authentication" };
    export_ctx *c = cv;
    json_t *o = json_pack("{s:s?, s:s?, s:I, s:I, s:s?, s:s?, s:s?}",
                          "type", s(drv, row, 4), "name", s(drv, row, 2),
                          "port", (json_int_t)l(drv, row, 3), "prio", (json_int_t)l(drv, row, 1),
                          "socket_type", s(drv, row, 5), "user_name", s(drv, row, 6),
                          "authentication", s(drv, row, 7));
    CHECK_ROW("server", columns, o);
    add_server(r, c, apr_pstrcat(r->pool, "s", s(drv, row, 0), NULL), s(drv, row, 8), o);
    return 0;
}

static int davserver_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                         void *cv, const char **error)
{
    static const char *const columns[] = { NULL, "url", NULL, "type", NULL, NULL,
        "user_name" };
    export_ctx *c = cv;
    json_t *o = json_pack("{s:s?, s:s?, s:I, s:b, s:b, s:o}",
                          "type", s(drv, row, 3), "url", s(drv, row, 1),
                          "port", (json_int_t)l(drv, row, 2), "use_ssl", boolean(s(drv, row, 4)),
                          "domain_required", boolean(s(drv, row, 5)),
                          "user_name", str_or_null(s(drv, row, 6)));
    CHECK_ROW("davserver", columns, o);
    add_server(r, c, apr_pstrcat(r->pool, "v", s(drv, row, 0), NULL), s(drv, row, 7), o);
    return 0;
}

/* A provider without mail servers is refused by POST unless marked. */
static void mark_serverless(json_t *docs)
{
    size_t i, k;
    json_t *doc, *srv;
    json_array_foreach(docs, i, doc) {
        int mail = 0;
        json_array_foreach(json_object_get(doc, "servers"), k, srv) {
            const char *t = json_string_value(json_object_get(srv, "type"));
            mail |= t && amx_server_type_parse(t) != AMX_SERVER_UNKNOWN;
        }
        if (!mail)
            json_object_set_new(doc, "serverless", json_true());
    }
}

/* json_dump_callback's writer: 0, or -1 when the client went away. */
static int dump_to(const char *buffer, size_t size, void *out)
{
    return amx_http_out_write(out, buffer, (int)size) < 0 ? -1 : 0;
}

int amx_initdb_export(request_rec *r, const amx_dir_conf *conf, ap_dbd_t *dbd)
{
    export_ctx c;
    const char *error = NULL;
    amx_http_out out;

    c.docs = json_array();
    apr_pool_cleanup_register(r->pool, c.docs, amx_seed_json_cleanup, apr_pool_cleanup_null);
    c.by_provider = apr_hash_make(r->pool);
    c.domain_provider = apr_hash_make(r->pool);
    c.entries = apr_hash_make(r->pool);
    c.ldap_rows = apr_hash_make(r->pool);
    c.ldap_placed = apr_hash_make(r->pool);
    c.data_error = 0;
    if (amx_store_rows(r, dbd, "SELECT id, name, port, CASE WHEN use_ssl THEN 1 ELSE 0 END, search_base,"
                     " search_filter, attr_uid, attr_cn, bind_password, bind_user"
                     " FROM ldapserver ORDER BY id", ldap_row, &c, &error) != 0
        || amx_store_rows(r, dbd, "SELECT id, name, short_name FROM provider ORDER BY id",
                provider_row, &c, &error) != 0
        || amx_store_rows(r, dbd, "SELECT id, name, provider_id, ldapserver_id FROM domain ORDER BY id",
                domain_row, &c, &error) != 0
        || amx_store_rows(r, dbd, "SELECT s.id, s.prio, s.name, s.port, s.type, s.socket_type,"
                     " s.user_name, s.authentication, d.name FROM server s"
                     " JOIN server_domain sd ON sd.server_id = s.id"
                     " JOIN domain d ON d.id = sd.domain_id ORDER BY s.id, d.id",
                server_row, &c, &error) != 0
        || amx_store_rows(r, dbd, "SELECT v.id, v.url, v.port, v.type, CASE WHEN v.use_ssl THEN 1 ELSE 0"
                     " END, CASE WHEN v.domain_required THEN 1 ELSE 0 END, v.user_name, d.name"
                     " FROM davserver v JOIN davserver_domain vd ON vd.davserver_id = v.id"
                     " JOIN domain d ON d.id = vd.domain_id ORDER BY v.id, d.id",
                davserver_row, &c, &error) != 0) {
        if (c.data_error) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "AMX01210: export refused: %s", error);
            return amx_initdb_page(r, HTTP_BAD_REQUEST, apr_pstrcat(r->pool,
                                   "No export: ", error, NULL));
        }
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "AMX00310: export failed: %s", error);
        return amx_http_unavailable(r, conf);
    }
    mark_serverless(c.docs);
    ap_set_content_type(r, "application/json");
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    /* Straight into the brigade: no copy of the whole text. */
    json_dump_callback(c.docs, dump_to, &out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    return amx_http_out_finish(&out);
}
