/*
 * automx-initdb: the one handler that writes. GET creates the tables and
 * the sample data, GET with Accept: application/json exports everything as
 * seed documents, POST adds providers from seed documents, DELETE purges.
 * Every write is one transaction: a request that fails writes nothing.
 */
#include "httpd.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_dbd.h"
#include "apr_strings.h"
#include <limits.h>

#include "amx_serve.h"
#include "amx_http.h"
#include "amx_initdb.h"
#include "amx_schema.h"
#include "amx_seed.h"
#include "amx_sql_gen.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

/* A seed of a thousand domains fits with room to spare. */
#define SEED_BODY_MAX (1024 * 1024)

typedef enum { DB_SQLITE, DB_PGSQL, DB_MYSQL, DB_OTHER } db_kind;

static db_kind kind_of(ap_dbd_t *dbd)
{
    const char *name = apr_dbd_name(dbd->driver);
    if (strcmp(name, "sqlite3") == 0)
        return DB_SQLITE;
    if (strcmp(name, "pgsql") == 0)
        return DB_PGSQL;
    if (strcmp(name, "mysql") == 0)
        return DB_MYSQL;
    return DB_OTHER;
}

int amx_initdb_page(request_rec *r, int status, const char *message)
{
    amx_http_out out;
    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    if (r->header_only)
        return OK;
    amx_http_out_init(&out, r);
    ap_fprintf(r->output_filters, out.bb,
               "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
               "<title>automx-initdb</title></head>\n<body>\n<p>%s</p>\n"
               /* As automx2's replies do: back to the self-service page. */
               "<p><a href=\"/\">Back to the start page</a></p>\n</body>\n</html>\n",
               ap_escape_html(r->pool, message));
    return amx_http_out_finish(&out);
}

/* The first column of the first row as a number. */
static int first_long(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                      void *ctx, const char **error)
{
    long *out = ctx;
    const char *v = amx_store_entry(drv, row, 0);
    if (*out == LONG_MIN)
        *out = v ? strtol(v, NULL, 10) : 0;
    return 0;
}

/* The first column of the first row of fixed SQL as a number (0 when
 * there is none). */
static int select_long(request_rec *r, ap_dbd_t *dbd, const char *sql, long *out,
                       const char **error)
{
    *out = LONG_MIN;
    if (amx_store_rows(r, dbd, sql, first_long, out, error) != 0)
        return -1;
    if (*out == LONG_MIN)
        *out = 0;
    return 0;
}

static void use_write_ahead_log(request_rec *r, ap_dbd_t *dbd);

/* What is done in one transaction: 0 to commit, REFUSED to roll back a
 * request that is wrong (not a database failure), -1 with *ERROR. */
#define REFUSED 1
typedef int (*work_fn)(request_rec *r, ap_dbd_t *dbd, void *ctx, const char **error);

enum { CREATE = 1, LOCK = 2 };

/* pg_advisory_xact_lock's key for the writers of automx-initdb: "amx". */
#define PG_LOCK_KEY "6385016"

/* Opens the transaction, making the schema current first with CREATE
 * (what was changed goes to *SCHEMA), and with LOCK so that no other
 * writer can interleave (two seeds would read the same max(id) and both
 * write). */
static int open_transaction(request_rec *r, ap_dbd_t *dbd, int flags,
                            amx_schema_result *schema, apr_dbd_transaction_t **txn,
                            const char **error)
{
    long ignored;
    db_kind kind = kind_of(dbd);

    if (schema)
        memset(schema, 0, sizeof(*schema));
    /* MySQL commits before and after every DDL statement, which would end
     * the transaction: there the tables are made first, on their own. */
    if ((flags & CREATE) && kind == DB_MYSQL && amx_schema_prepare(r, dbd, schema, error) != 0)
        return -1;
    if ((flags & CREATE) && kind == DB_SQLITE)
        use_write_ahead_log(r, dbd);
    /* apr_dbd's sqlite3 driver begins with BEGIN IMMEDIATE: the write
     * lock is taken at once. */
    if (amx_store_begin(r, dbd, txn, error) != 0)
        return -1;
    /* PostgreSQL: a lock of the module's own before anything else. Locking
     * the provider table after creating the tables deadlocked two seeds:
     * CREATE INDEX IF NOT EXISTS holds a share lock on domain to the end,
     * which the other's INSERT INTO domain waits for while holding the
     * provider lock the first one waits for. */
    if ((flags & LOCK) && kind == DB_PGSQL
        && amx_store_exec(r, dbd, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")", error) != 0)
        return -1;
    if ((flags & CREATE) && kind != DB_MYSQL && amx_schema_prepare(r, dbd, schema, error) != 0)
        return -1;
    if ((flags & LOCK) && kind == DB_MYSQL)
        return select_long(r, dbd, "SELECT COUNT(*) FROM provider FOR UPDATE", &ignored, error);
    return 0;
}

/* How often a transaction is run again because SQLite's schema changed
 * under it. Each time another process has changed the schema between the
 * moment this connection last read it and the moment it took the write
 * lock, so the number of writers bounds it; SQLite's own bound for the
 * same loop (sqlite3_prepare_v2) is SQLITE_MAX_SCHEMA_RETRY, 50. */
#define SCHEMA_RETRIES 10

/* WORK in one transaction, run again when an attempt failed in a way that
 * another on the same connection can mend: SQLite's schema changed by
 * another process (the statements are prepared again and read the new
 * one), or, once, a pgsql or mysql connection the server had closed (a
 * restart), which the driver reconnects while the statements prepared on
 * it are gone. Nothing of a failed attempt stays: it was rolled back. A
 * failed COMMIT is not tried again. */
static int in_transaction(request_rec *r, ap_dbd_t *dbd, int flags,
                          amx_schema_result *schema, work_fn work, void *ctx,
                          const char **error)
{
    int attempt;

    for (attempt = 0; ; attempt++) {
        apr_dbd_transaction_t *txn = NULL;
        const char *ignored = NULL;
        int rv;

        *error = NULL;
        rv = open_transaction(r, dbd, flags, schema, &txn, error);
        if (rv == 0)
            rv = work(r, dbd, ctx, error);
        if (rv == 0)
            return amx_store_end(r, dbd, txn, 1, error);
        amx_store_end(r, dbd, txn, 0, &ignored);
        if (rv == REFUSED)
            return REFUSED;
        /* A refused trigger is refused again: no second attempt. */
        if (schema && schema->counter_failed)
            return -1;
        if (kind_of(dbd) == DB_SQLITE ? !amx_store_schema_changed(dbd, *error)
                                         || attempt >= SCHEMA_RETRIES
                                      : attempt >= 1)
            return -1;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "AMX01203: rolled back (%s); once more", *error);
        amx_store_recover(r, dbd);
    }
}

static int db_failed(request_rec *r, const amx_dir_conf *conf, const char *what,
                     const char *error)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "AMX00302: %s failed, nothing written: %s",
                  what, error ? error : "unknown error");
    return amx_http_unavailable(r, conf);
}

/* ---- GET: tables and sample data ---------------------------------------- */

/* automx-initdb puts an SQLite database in write-ahead-log mode: a lookup
 * then takes no file lock and never waits for a writer. The log needs
 * automx.db-wal and automx.db-shm beside the database, created and written
 * by every reader, so it is set only here, where httpd writes to the
 * directory anyway (SQLite's journal), and never in sql/: a database
 * provisioned by hand into a directory httpd may only read must keep
 * working. Outside any transaction, where SQLite accepts it; it returns a
 * row (the mode now in force), so it is a select. When it fails the tables
 * are created all the same: the database works without it, only slower. */
static void use_write_ahead_log(request_rec *r, ap_dbd_t *dbd)
{
    long ignored;
    const char *error = NULL;
    if (select_long(r, dbd, "PRAGMA journal_mode = WAL", &ignored, &error) != 0)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "AMX00305: %s", error);
}

static int load_sample(request_rec *r, ap_dbd_t *dbd, void *ctx, const char **error)
{
    long *providers = ctx;
    const char *const *sql;

    if (select_long(r, dbd, "SELECT COUNT(*) FROM provider", providers, error) != 0)
        return -1;
    for (sql = amx_sql_sample_data; *providers == 0 && *sql; sql++) {
        if (amx_store_exec(r, dbd, *sql, error) != 0)
            return -1;
    }
    return 0;
}

/* The change counter could not be made: one error line with the
 * database's reason, and a reply saying what the database wants. Not a
 * 503: trying again later does not help until the operator acts. */
static int counter_failed(request_rec *r, ap_dbd_t *dbd, const char *error)
{
    int mysql = kind_of(dbd) == DB_MYSQL;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "AMX01900: the change counter (table "
                  "automx_change and its triggers) could not be added, %s: %s",
                  mysql ? "what was made of it is removed again" : "nothing written",
                  error ? error : "unknown error");
    return amx_initdb_page(r, HTTP_INTERNAL_SERVER_ERROR, apr_pstrcat(r->pool,
                           "The change counter (table automx_change and its triggers) could "
                           "not be added. ", amx_schema_counter_hint(dbd),
                           mysql ? " Missing tables and columns were added; no provider data "
                                   "was written."
                                 : " Nothing was written.", NULL));
}

/* A sentence of the reply for what was upgraded, logged once. */
static const char *upgraded(request_rec *r, const amx_schema_result *schema)
{
    if (schema->changes == NULL)
        return "";
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "AMX01901: %s", schema->changes);
    return apr_pstrcat(r->pool, " ", schema->changes, NULL);
}

static int create(request_rec *r, const amx_dir_conf *conf, ap_dbd_t *dbd)
{
    const char *error = NULL;
    long providers = 0;
    amx_schema_result schema;

    if (in_transaction(r, dbd, CREATE | LOCK, &schema, load_sample, &providers, &error) != 0)
        return schema.counter_failed ? counter_failed(r, dbd, error)
             : db_failed(r, conf, "creating the tables and the sample data", error);
    amx_store_invalidate();
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "AMX00303: tables %s",
                  providers ? "checked; provider data was already there"
                            : "created and sample data loaded");
    return amx_initdb_page(r, HTTP_OK, apr_pstrcat(r->pool, providers
                           ? "Database already contains provider data."
                           : "Database is now prepared.", upgraded(r, &schema), NULL));
}

/* ---- DELETE: purge ------------------------------------------------------ */

static const char *const tables[] = { "davserver_domain", "server_domain", "davserver",
    "server", "domain", "ldapserver", "provider", NULL };

static int table_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                     void *ctx, const char **error)
{
    const char *name = amx_store_entry(drv, row, 0);
    if (name)
        apr_hash_set(ctx, apr_pstrdup(r->pool, name), APR_HASH_KEY_STRING, "");
    return 0;
}

typedef struct {
    int purged;   /* tables emptied */
} purge_ctx;

static int purge_tables(request_rec *r, ap_dbd_t *dbd, void *ctxv, const char **error)
{
    purge_ctx *ctx = ctxv;
    apr_hash_t *present = apr_hash_make(r->pool);
    const char *catalog;
    const char *const *t;

    /* Only the tables there are: a database without them has nothing to
     * purge, and a failed DELETE would end the transaction. */
    switch (kind_of(dbd)) {
    case DB_PGSQL:
        catalog = "SELECT table_name FROM information_schema.tables"
                  " WHERE table_schema = current_schema()";
        break;
    case DB_MYSQL:
        catalog = "SELECT table_name FROM information_schema.tables"
                  " WHERE table_schema = DATABASE()";
        break;
    default:
        catalog = "SELECT name FROM sqlite_master WHERE type = 'table'";
    }
    ctx->purged = 0;
    if (amx_store_rows(r, dbd, catalog, table_row, present, error) != 0)
        return -1;
    for (t = tables; *t; t++) {
        if (apr_hash_get(present, *t, APR_HASH_KEY_STRING) == NULL)
            continue;
        if (amx_store_exec(r, dbd, apr_pstrcat(r->pool, "DELETE FROM ", *t, NULL), error) != 0)
            return -1;
        ctx->purged++;
    }
    return 0;
}

static int purge(request_rec *r, const amx_dir_conf *conf, ap_dbd_t *dbd)
{
    const char *error = NULL;
    purge_ctx ctx;

    if (in_transaction(r, dbd, 0, NULL, purge_tables, &ctx, &error) != 0)
        return db_failed(r, conf, "purging", error);
    amx_store_invalidate();
    if (ctx.purged == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01204: purge: the database has none of the tables");
        return amx_initdb_page(r, HTTP_OK, "Database content purged: there were no tables, "
                                "nothing to purge.");
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "AMX00304: database content purged");
    return amx_initdb_page(r, HTTP_OK, "Database content purged.");
}

/* ---- POST: seed --------------------------------------------------------- */

/* The body as it comes, appended to the brigade's last heap bucket while
 * that has room (apr_brigade_write), and flattened once at the end: memory
 * linear in the body however small the pieces it arrives in. */
static void collect(void *ctx, const char *data, apr_size_t len)
{
    apr_brigade_write(ctx, NULL, NULL, data, len);
}

typedef struct {
    request_rec *r;
    ap_dbd_t *dbd;
    apr_array_header_t *providers;  /* amx_seed_provider */
    long next_provider, next_domain, next_server, next_davserver;
    const char *error;     /* a database failure */
    const char *refusal;   /* a problem of the document: 400 */
} seeding;

static const char *num(seeding *s, long n)
{
    return apr_ltoa(s->r->pool, n);
}

static int update(seeding *s, const char *label, const char *sql, int nargs, ...)
{
    const char *args[12];
    va_list ap;
    int i;
    va_start(ap, nargs);
    for (i = 0; i < nargs; i++)
        args[i] = va_arg(ap, const char *);
    va_end(ap);
    return amx_store_update(s->r, s->dbd, label, sql, nargs, args, &s->error);
}

static int found_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                     void *ctx, const char **error)
{
    *(int *)ctx = 1;
    return 0;
}

/* 1 when the statement finds a row, 0 when not, -1 on failure. */
static int exists(seeding *s, const char *label, const char *sql, const char *arg)
{
    int found = 0;
    if (amx_store_select(s->r, s->dbd, label, sql, 1, &arg, found_row, &found, &s->error) != 0)
        return -1;
    return found;
}

static const char *b01(int b)
{
    return b ? "1" : "0";
}

#define BOOL_PARAM "CASE WHEN %s = '1' THEN TRUE ELSE FALSE END"

static int link_domains(seeding *s, const char *label, const char *sql, long id,
                        const amx_seed_server *srv, const long *domain_ids,
                        const amx_seed_provider *prov)
{
    int k, j;
    for (k = 0; k < prov->domains->nelts; k++) {
        const char *name = APR_ARRAY_IDX(prov->domains, k, amx_seed_domain).name;
        int wanted = srv->domains == NULL;
        for (j = 0; srv->domains && j < srv->domains->nelts; j++)
            wanted |= strcasecmp(APR_ARRAY_IDX(srv->domains, j, const char *), name) == 0;
        if (wanted && update(s, label, sql, 2, num(s, id), num(s, domain_ids[k])) != 0)
            return -1;
    }
    return 0;
}

static int seed_provider(seeding *s, const amx_seed_provider *prov)
{
    long provider_id = s->next_provider++;
    long *domain_ids = apr_pcalloc(s->r->pool, sizeof(long) * (apr_size_t)prov->domains->nelts);
    int i, found;

    for (i = 0; i < prov->ldapservers->nelts; i++) {
        const amx_ldapserver *l = &APR_ARRAY_IDX(prov->ldapservers, i, amx_ldapserver);
        found = exists(s, "automx_seed_ldap_exists", "SELECT id FROM ldapserver WHERE id = %d",
                       num(s, l->id));
        if (found < 0)
            return -1;
        if (found) {
            s->refusal = apr_psprintf(s->r->pool, "%s%sldapservers[%d].id: %ld already exists "
                                      "in the database", prov->path, *prov->path ? "." : "",
                                      i, l->id);
            return -1;
        }
        if (update(s, "automx_seed_ldap",
                   "INSERT INTO ldapserver (id, name, port, use_ssl, search_base, search_filter,"
                   " attr_uid, attr_cn, bind_password, bind_user) VALUES (%d, %s, %d, "
                   BOOL_PARAM ", %s, %s, %s, %s, %s, %s)", 10, num(s, l->id), l->name,
                   num(s, l->port), b01(l->use_ssl), l->search_base, l->search_filter,
                   l->attr_uid, l->attr_cn, l->bind_password, l->bind_user) != 0)
            return -1;
    }
    if (update(s, "automx_seed_provider",
               "INSERT INTO provider (id, name, short_name) VALUES (%d, %s, %s)", 3,
               num(s, provider_id), prov->name, prov->short_name) != 0)
        return -1;
    for (i = 0; i < prov->domains->nelts; i++) {
        const amx_seed_domain *d = &APR_ARRAY_IDX(prov->domains, i, amx_seed_domain);
        /* MySQL: the UNIQUE index on name compares case-insensitively
         * (see amx_store.c); LOWER(name) would read all of it. */
        found = exists(s, "automx_seed_domain_exists", kind_of(s->dbd) == DB_MYSQL
                       ? "SELECT id FROM domain WHERE name = %s"
                       : "SELECT id FROM domain WHERE LOWER(name) = %s", d->name);
        if (found < 0)
            return -1;
        if (found) {
            s->refusal = apr_psprintf(s->r->pool, "%s%sdomains[%d]: the domain \"%s\" already "
                                      "exists", prov->path, *prov->path ? "." : "", i, d->name);
            return -1;
        }
        if (d->ldapserver_id >= 0 && !amx_seed_has_ldap(prov, d->ldapserver_id)) {
            found = exists(s, "automx_seed_ldap_exists",
                           "SELECT id FROM ldapserver WHERE id = %d", num(s, d->ldapserver_id));
            if (found < 0)
                return -1;
            if (!found) {
                s->refusal = apr_psprintf(s->r->pool, "%s%sdomains[%d].ldapserver_id: unknown "
                                          "ldapserver_id %ld", prov->path,
                                          *prov->path ? "." : "", i, d->ldapserver_id);
                return -1;
            }
        }
        domain_ids[i] = s->next_domain++;
        if (update(s, "automx_seed_domain",
                   "INSERT INTO domain (id, name, provider_id, ldapserver_id) VALUES "
                   "(%d, %s, %d, %d)", 4, num(s, domain_ids[i]), d->name,
                   num(s, provider_id), d->ldapserver_id >= 0 ? num(s, d->ldapserver_id) : NULL) != 0)
            return -1;
    }
    for (i = 0; i < prov->servers->nelts; i++) {
        const amx_seed_server *srv = &APR_ARRAY_IDX(prov->servers, i, amx_seed_server);
        if (!srv->dav) {
            const amx_server *m = &srv->server;
            long id = s->next_server++;
            if (update(s, "automx_seed_server",
                       "INSERT INTO server (id, prio, name, port, type, socket_type, user_name,"
                       " authentication) VALUES (%d, %d, %s, %d, %s, %s, %s, %s)", 8,
                       num(s, id), num(s, m->prio), m->name, num(s, m->port), m->type,
                       m->socket_type, m->user_name, m->authentication) != 0
                || link_domains(s, "automx_seed_server_domain",
                                "INSERT INTO server_domain (server_id, domain_id) VALUES (%d, %d)",
                                id, srv, domain_ids, prov) != 0)
                return -1;
        }
        else {
            const amx_davserver *v = &srv->davserver;
            long id = s->next_davserver++;
            if (update(s, "automx_seed_davserver",
                       "INSERT INTO davserver (id, url, port, type, use_ssl, domain_required,"
                       " user_name) VALUES (%d, %s, %d, %s, " BOOL_PARAM ", " BOOL_PARAM ", %s)",
                       7, num(s, id), v->url, num(s, v->port), v->type, b01(v->use_ssl),
                       b01(v->domain_required), v->user_name) != 0
                || link_domains(s, "automx_seed_davserver_domain",
                                "INSERT INTO davserver_domain (davserver_id, domain_id) "
                                "VALUES (%d, %d)", id, srv, domain_ids, prov) != 0)
                return -1;
        }
    }
    return 0;
}

static int seed_providers(request_rec *r, ap_dbd_t *dbd, void *ctx, const char **error)
{
    seeding *s = ctx;
    int i;

    s->dbd = dbd;
    s->refusal = NULL;
    if (select_long(r, dbd, "SELECT COALESCE(MAX(id), 0) + 1 FROM provider",
                    &s->next_provider, &s->error) != 0
        || select_long(r, dbd, "SELECT COALESCE(MAX(id), 0) + 1 FROM domain",
                       &s->next_domain, &s->error) != 0
        || select_long(r, dbd, "SELECT COALESCE(MAX(id), 0) + 1 FROM server",
                       &s->next_server, &s->error) != 0
        || select_long(r, dbd, "SELECT COALESCE(MAX(id), 0) + 1 FROM davserver",
                       &s->next_davserver, &s->error) != 0)
        return -1;
    for (i = 0; i < s->providers->nelts; i++) {
        if (seed_provider(s, &APR_ARRAY_IDX(s->providers, i, amx_seed_provider)) != 0)
            return s->refusal ? REFUSED : -1;
    }
    return 0;
}

static int json_content_type(const char *ct)
{
    size_t n;
    if (ct == NULL)
        return 0;
    while (*ct == ' ')
        ct++;
    n = strcspn(ct, "; \t");
    return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

static int seed(request_rec *r, const amx_dir_conf *conf, ap_dbd_t *dbd)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    apr_off_t limit = SEED_BODY_MAX;
    apr_array_header_t *providers;
    const char *why;
    seeding s;
    apr_bucket_brigade *bb;
    char *body;
    apr_size_t body_len;
    amx_schema_result schema;
    int rv;

    if (!json_content_type(ct)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX00307: seed with content type \"%s\", not application/json",
                      ct ? ct : "(none)");
        return HTTP_UNSUPPORTED_MEDIA_TYPE;
    }
    if (ap_get_limit_req_body(r) > 0 && ap_get_limit_req_body(r) < limit)
        limit = ap_get_limit_req_body(r);
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    rv = amx_http_read_body(r, limit, "seed document", collect, bb);
    if (rv == OK && apr_brigade_pflatten(bb, &body, &body_len, r->pool) != APR_SUCCESS)
        rv = HTTP_INTERNAL_SERVER_ERROR;
    apr_brigade_destroy(bb);
    if (rv != OK)
        return rv;
    if ((why = amx_seed_parse(r->pool, body, body_len, &providers)) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "AMX00308: seed refused: %s", why);
        return amx_initdb_page(r, HTTP_BAD_REQUEST,
                               apr_pstrcat(r->pool, "Nothing written: ", why, NULL));
    }
    memset(&s, 0, sizeof(s));
    s.r = r;
    s.providers = providers;
    /* The manuals seed a fresh installation with POST alone. */
    rv = in_transaction(r, dbd, CREATE | LOCK, &schema, seed_providers, &s, &s.error);
    if (rv == REFUSED) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "AMX00308: seed refused: %s", s.refusal);
        return amx_initdb_page(r, HTTP_BAD_REQUEST,
                    apr_pstrcat(r->pool, "Nothing written: ", s.refusal, NULL));
    }
    if (rv != 0)
        return schema.counter_failed ? counter_failed(r, dbd, s.error)
             : db_failed(r, conf, "seeding", s.error);
    amx_store_invalidate();
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "AMX00309: %d provider(s) added",
                  providers->nelts);
    return amx_initdb_page(r, HTTP_OK, apr_pstrcat(r->pool, "Database is now prepared.",
                                                   upgraded(r, &schema), NULL));
}

int amx_serve_initdb(request_rec *r, const amx_dir_conf *conf)
{
    ap_dbd_t *dbd = amx_store_acquire(r);
    const char *accept;

    if (dbd == NULL)
        return amx_http_unavailable(r, conf);
    switch (r->method_number) {
    case M_GET:
        accept = apr_table_get(r->headers_in, "Accept");
        if (accept && ap_strcasestr(accept, "text/dns"))
            return amx_serve_dns(r, conf, dbd);
        if (accept && ap_strcasestr(accept, "application/json"))
            return amx_initdb_export(r, conf, dbd);
        return create(r, conf, dbd);
    case M_POST:
        return seed(r, conf, dbd);
    case M_DELETE:
        return purge(r, conf, dbd);
    default:
        return HTTP_METHOD_NOT_ALLOWED; /* the dispatcher allows only these */
    }
}
