/*
 * Account lookups through mod_dbd.
 *
 * The statements are fixed at compile time and never contain request
 * data. They are prepared on each pooled connection at its first use rather
 * than through ap_dbd_prepare(): mod_dbd refuses a whole connection when one
 * registered statement fails to prepare, and every statement fails while
 * the tables do not exist yet, which would leave automx-initdb unable to
 * create them. Preparing here also lets a statement be prepared again when
 * the pgsql or mysql driver has reconnected silently and the server-side
 * statement is gone.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "http_log.h"
#include "apr_atomic.h"
#include "apr_encode.h"
#include "apr_dbd.h"
#include "apr_strings.h"
#include "apr_optional.h"

#include "amx_config.h"
#include "amx_idn.h"
#include "amx_metrics.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire = NULL;

typedef enum {
    Q_DOMAIN,
    Q_LDAPSERVER,
    Q_FIRST_DOMAIN,
    Q_COUNTER,
    Q_TABLES
} query_id;

typedef struct {
    const char *label;  /* the statement's name on a connection */
    const char *sql;    /* apr_dbd syntax: %s and %d are parameters */
    int nargs;          /* how often the one argument is passed */
    const char *mysql;  /* for the mysql driver, when it differs */
    int flags;          /* EXEC_* besides EXEC_RETRY */
} statement;

/* How execute() runs a statement. */
#define EXEC_RETRY 1     /* once more after a failure */
#define EXEC_UNCOUNTED 2 /* the cache's own reads: not in the query metrics */

/* The rows of a domain come in one round trip: one result whose first
 * column says what a row is. They are put in order here rather than by
 * ORDER BY, which would make SQLite sort every row of every kind and
 * cost as much as the rest of the query.
 *   D: id, provider_id, ldapserver_id, name, provider name, short name
 *   NULL: id, -, -, name                 (the provider's other domains)
 *   S: id, prio, port, name, type, socket_type, user_name, authentication
 *   V: id, port, use_ssl, url, type, domain_required, user_name
 * The domain itself is one of the provider's domains, so one branch yields
 * the D row and the provider's other domains, and each of the three
 * branches looks the domain up by name once. Every cell costs the sqlite3
 * driver several library calls, NULL cells included: a row has no more
 * columns than an S row needs, and the provider's other domains (a
 * hundred rows for some providers) carry only their id and name. The
 * lowest id wins when names differ only in case. Portable to the sqlite3,
 * pgsql and mysql drivers. */
#define DOMAIN_ID "(SELECT MIN(id) FROM domain WHERE LOWER(name) = %s)"
/* MySQL and MariaDB have no index on LOWER(name), and reading the whole
 * name index for it three times per lookup is what EXPLAIN showed; their
 * UNIQUE index on name compares case-insensitively already (the schema's
 * collation), and the argument is lower case. */
#define DOMAIN_ID_MYSQL "(SELECT MIN(id) FROM domain WHERE name = %s)"
#define IF_SELF(expr) "CASE WHEN x.id = d.id THEN " expr " END"
#define DOMAIN_QUERY(DOMAIN_ID) \
        "SELECT " IF_SELF("'D'") ", x.id, " IF_SELF("d.provider_id") ", " \
        IF_SELF("d.ldapserver_id") ", x.name, " IF_SELF("p.name") ", " \
        IF_SELF("p.short_name") ", NULL, NULL" \
        " FROM domain d JOIN provider p ON p.id = d.provider_id" \
        " JOIN domain x ON x.provider_id = d.provider_id" \
        " WHERE d.id = " DOMAIN_ID \
        " UNION ALL" \
        " SELECT 'S', s.id, s.prio, s.port, s.name, s.type, s.socket_type, s.user_name," \
        " s.authentication FROM server_domain sd JOIN server s ON s.id = sd.server_id" \
        " WHERE sd.domain_id = " DOMAIN_ID \
        " UNION ALL" \
        " SELECT 'V', v.id, v.port, CASE WHEN v.use_ssl THEN 1 ELSE 0 END, v.url, v.type," \
        " CASE WHEN v.domain_required THEN 'true' ELSE 'false' END, v.user_name, NULL" \
        " FROM davserver_domain vd JOIN davserver v ON v.id = vd.davserver_id" \
        " WHERE vd.domain_id = " DOMAIN_ID
static const statement statements[] = {
    [Q_DOMAIN] = { "automx_domain", DOMAIN_QUERY(DOMAIN_ID), 3, DOMAIN_QUERY(DOMAIN_ID_MYSQL) },
    [Q_LDAPSERVER] = { "automx_ldapserver",
        "SELECT id, name, port, use_ssl, search_base, search_filter, attr_uid,"
        " attr_cn, bind_password, bind_user FROM ldapserver WHERE id = %d", 1, NULL },
    [Q_FIRST_DOMAIN] = { "automx_first_domain",
        "SELECT name FROM domain ORDER BY id LIMIT 1", 0, NULL },
    /* Counted as automx_cache_checks_total, not as lookups. */
    [Q_COUNTER] = { "automx_counter",
        "SELECT counter FROM automx_change WHERE id = 1", 0, NULL, EXEC_UNCOUNTED },
    [Q_TABLES] = { "automx_tables", "SELECT id FROM domain WHERE id = -1", 0, NULL,
        EXEC_UNCOUNTED },
};

static apr_uint32_t prepare_seq;
apr_status_t amx_store_retrieve(void)
{
    dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    return dbd_acquire ? APR_SUCCESS : APR_EGENERAL;
}

ap_dbd_t *amx_store_acquire_quiet(request_rec *r)
{
    return dbd_acquire ? dbd_acquire(r) : NULL;
}

ap_dbd_t *amx_store_acquire(request_rec *r)
{
    ap_dbd_t *dbd = amx_store_acquire_quiet(r);
    if (dbd == NULL) {
        amx_metrics_unavailable(r, AMX_CAUSE_DB_CONNECTION);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX00030: no database connection: check DBDriver and "
                      "DBDParams for this virtual host and that the database is up");
    }
    return dbd;
}

/* The module's statements on one pooled connection: all of them live in
 * one pool under the connection's, so that forgetting them (after a
 * reconnect, or a failed preparation) gives back everything the driver
 * took for them, the mysql driver's statement handles included (closed
 * by their pool's cleanup). Kept as user data of the connection's pool,
 * apart from mod_dbd's own hash of statements. */
typedef struct {
    apr_pool_t *pool;    /* NULL when nothing is prepared */
    apr_hash_t *by_label;
} statement_set;

#define STATEMENTS_KEY "automx:statements"

static statement_set *statements_of(ap_dbd_t *dbd)
{
    void *v = NULL;
    statement_set *set;
    apr_pool_userdata_get(&v, STATEMENTS_KEY, dbd->pool);
    if (v)
        return v;
    /* Once per connection. */
    set = apr_pcalloc(dbd->pool, sizeof(*set));
    apr_pool_userdata_setn(set, STATEMENTS_KEY, NULL, dbd->pool);
    return set;
}

static void forget_statements(statement_set *set)
{
    if (set->pool)
        apr_pool_destroy(set->pool);
    set->pool = NULL;
    set->by_label = NULL;
}

static int is_sqlite(ap_dbd_t *dbd)
{
    return strcmp(apr_dbd_name(dbd->driver), "sqlite3") == 0;
}

int amx_store_schema_changed(ap_dbd_t *dbd, const char *error)
{
    /* apr_dbd's sqlite3 driver prepares with the legacy sqlite3_prepare,
     * so a statement that outlived a schema change fails with
     * SQLITE_ERROR, not SQLITE_SCHEMA, and must be prepared again; only
     * the message (sqlite3_errstr(SQLITE_SCHEMA)) tells it apart. */
    return is_sqlite(dbd) && error && strstr(error, "database schema has changed") != NULL;
}

/* The statement LABEL on this connection, prepared from SQL now when it is
 * not yet there. */
static apr_dbd_prepared_t *prepare(request_rec *r, ap_dbd_t *dbd, const char *label,
                                   const char *sql, const char **error)
{
    statement_set *set = statements_of(dbd);
    apr_dbd_prepared_t *stmt = NULL;
    const char *name;
    int rv;

    if (set->by_label && (stmt = apr_hash_get(set->by_label, label, APR_HASH_KEY_STRING)))
        return stmt;
    if (set->pool == NULL) {
        apr_pool_create(&set->pool, dbd->pool);
        apr_pool_tag(set->pool, "automx_statements");
        set->by_label = apr_hash_make(set->pool);
    }
    /* A new server-side name each time, so a re-preparation never collides
     * with a statement the server may still hold. The drivers copy it. */
    name = apr_psprintf(r->pool, "%s_%u", label, apr_atomic_inc32(&prepare_seq));
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "AMX00031: prepare %s: %s", name, sql);
    rv = apr_dbd_prepare(dbd->driver, set->pool, dbd->handle, sql, name, &stmt);
    if (rv != 0) {
        *error = apr_pstrdup(r->pool, apr_dbd_error(dbd->driver, dbd->handle, rv));
        /* What the pgsql and mysql drivers took for the failed statement
         * (mysql: a statement handle) goes with the set; the statements
         * prepared so far are made again at their next use. The sqlite3
         * driver takes nothing for a statement that fails (and keeps every
         * one that succeeds until the connection closes): there the
         * others stay. */
        if (!is_sqlite(dbd))
            forget_statements(set);
        return NULL;
    }
    apr_hash_set(set->by_label, apr_pstrdup(set->pool, label), APR_HASH_KEY_STRING, stmt);
    return stmt;
}

void amx_store_recover(request_rec *r, ap_dbd_t *dbd)
{
    /* pgsql: PQreset when the server went away; mysql: mysql_ping, which
     * reconnects. Either way the server-side statements are gone. */
    if (apr_dbd_check_conn(dbd->driver, r->pool, dbd->handle) != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "AMX01200: the database connection is still down");
    forget_statements(statements_of(dbd));
}

/* Runs a prepared statement. With RETRY a failure is retried once: the
 * driver may have reconnected since it was made, or the connection may be
 * one the server closed (a database restart) that mod_dbd kept in its
 * pool; then the driver's connection check reconnects first, so that no
 * request fails once the database is back. SQLite wants a statement
 * prepared again after another process changed the schema; one it found
 * busy is not (its driver has waited for the lock already, and keeps every
 * preparation until the connection closes). Inside a transaction a failure
 * is final: the caller runs the whole transaction again. */
static int execute(request_rec *r, ap_dbd_t *dbd, const char *label, const char *sql,
                   int nargs, const char **args, apr_dbd_results_t **res, int *nrows,
                   int flags, const char **error)
{
    int retry = flags & EXEC_RETRY;
    apr_time_t start = amx_metrics_now();
    int attempt;

    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "AMX00032: %s [%s]", sql,
                  nargs ? args[0] : "");
    for (attempt = 0; attempt < (retry ? 2 : 1); attempt++) {
        apr_dbd_prepared_t *stmt;
        int rv;
        if (attempt > 0) {
            statement_set *set = statements_of(dbd);
            if (!is_sqlite(dbd))
                amx_store_recover(r, dbd);
            else if (set->by_label && amx_store_schema_changed(dbd, *error))
                apr_hash_set(set->by_label, label, APR_HASH_KEY_STRING, NULL);
            else if (set->by_label && apr_hash_get(set->by_label, label, APR_HASH_KEY_STRING))
                break;  /* busy, or worse: the same statement would fail again */
        }
        /* Preparing is the first use of a connection that mod_dbd opened
         * ahead (DBDMin): its failure is retried like the statement's. */
        stmt = prepare(r, dbd, label, sql, error);
        if (stmt == NULL)
            continue;
        if (res) {
            *res = NULL;
            /* Random access: the pgsql driver reads sequential results
             * asynchronously and reports a dead connection as "no more
             * rows", which would read as an unknown domain. */
            rv = apr_dbd_pselect(dbd->driver, r->pool, dbd->handle, res, stmt, 1,
                                 nargs, args);
        }
        else {
            rv = apr_dbd_pquery(dbd->driver, r->pool, dbd->handle, nrows, stmt,
                                nargs, args);
        }
        if (rv == 0)
            return flags & EXEC_UNCOUNTED ? 0 : amx_metrics_db(start, 0);
        *error = apr_pstrdup(r->pool, apr_dbd_error(dbd->driver, dbd->handle, rv));
    }
    if (flags & EXEC_UNCOUNTED)
        return -1;
    amx_metrics_unavailable(r, AMX_CAUSE_DB_QUERY);
    return amx_metrics_db(start, -1);
}

/* Calls FN for every row of RES (all of them: stopping early leaks the
 * result, so the rows after a failure are read and dropped). -1 with FN's
 * *ERROR, or -2 when the driver failed reading a row. */
static int each_row(request_rec *r, ap_dbd_t *dbd, apr_dbd_results_t *res,
                    amx_store_row_fn fn, void *ctx, const char **error)
{
    apr_dbd_row_t *row = NULL;
    const char *failed = NULL;
    int rv, n = 1;

    while ((rv = amx_store_row(dbd->driver, r->pool, res, &row, n)) == 0) {
        const char *why = NULL;
        if (!failed && fn(r, dbd->driver, row, ctx, &why) != 0)
            failed = why ? why : "unexpected NULL in a NOT NULL column";
        n++;
    }
    if (rv != -1) {
        *error = apr_psprintf(r->pool, "reading row %d: %s", n,
                              apr_dbd_error(dbd->driver, dbd->handle, rv));
        return -2;
    }
    if (failed) {
        *error = failed;
        return -1;
    }
    return 0;
}

int amx_store_select(request_rec *r, ap_dbd_t *dbd, const char *label, const char *sql,
                     int nargs, const char **args, amx_store_row_fn fn, void *ctx,
                     const char **error)
{
    apr_dbd_results_t *res = NULL;
    if (execute(r, dbd, label, sql, nargs, args, &res, NULL, 0, error) != 0)
        return -1;
    return each_row(r, dbd, res, fn, ctx, error) == 0 ? 0 : -1;
}

int amx_store_update(request_rec *r, ap_dbd_t *dbd, const char *label, const char *sql,
                     int nargs, const char **args, const char **error)
{
    int nrows = 0;
    return execute(r, dbd, label, sql, nargs, args, NULL, &nrows, 0, error);
}

int amx_store_exec(request_rec *r, ap_dbd_t *dbd, const char *sql, const char **error)
{
    int nrows = 0, rv;
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "AMX01201: %s", sql);
    rv = apr_dbd_query(dbd->driver, dbd->handle, &nrows, sql);
    if (rv != 0) {
        *error = apr_psprintf(r->pool, "%s: %s", sql, apr_dbd_error(dbd->driver, dbd->handle, rv));
        return -1;
    }
    return 0;
}

int amx_store_rows(request_rec *r, ap_dbd_t *dbd, const char *sql, amx_store_row_fn fn,
                   void *ctx, const char **error)
{
    apr_dbd_results_t *res = NULL;
    int rv;
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, "AMX01202: %s", sql);
    rv = apr_dbd_select(dbd->driver, r->pool, dbd->handle, &res, sql, 1);
    if (rv != 0) {
        *error = apr_psprintf(r->pool, "%s: %s", sql, apr_dbd_error(dbd->driver, dbd->handle, rv));
        return -1;
    }
    switch (each_row(r, dbd, res, fn, ctx, error)) {
    case 0:
        return 0;
    case -2:
        *error = apr_psprintf(r->pool, "%s: %s", sql, *error);
        break;
    }
    return -1;
}

/* ---- transactions (automx-initdb) -------------------------------------- */

#define TXN_KEY "automx:transaction"

int amx_store_begin(request_rec *r, ap_dbd_t *dbd, apr_dbd_transaction_t **txn,
                    const char **error)
{
    void *kept = NULL;
    int pgsql = strcmp(apr_dbd_name(dbd->driver), "pgsql") == 0, rv;

    *txn = NULL;
    if (pgsql) {
        /* The pgsql driver writes through the NULL it was given when BEGIN
         * fails (a server that went away): it gets the connection's own
         * transaction object from the first BEGIN that worked, and before
         * that, only a connection that has just answered. The sqlite3
         * driver ties a reused object to no connection: the others get a
         * new one each time. */
        apr_pool_userdata_get(&kept, TXN_KEY, dbd->pool);
        if (kept == NULL && amx_store_exec(r, dbd, "SELECT 1", error) != 0)
            return -1;
        *txn = kept;
    }
    rv = apr_dbd_transaction_start(dbd->driver, pgsql ? dbd->pool : r->pool, dbd->handle, txn);
    if (*txn) {
        /* A kept object remembers the last request's mode. */
        apr_dbd_transaction_mode_set(dbd->driver, *txn, APR_DBD_TRANSACTION_COMMIT);
        if (pgsql && kept == NULL && rv == 0)
            apr_pool_userdata_setn(*txn, TXN_KEY, NULL, dbd->pool);
    }
    if (rv != 0) {
        *error = apr_psprintf(r->pool, "starting a transaction: %s",
                              apr_dbd_error(dbd->driver, dbd->handle, rv));
        /* The drivers tie a transaction that failed to start to the
         * connection all the same; ending it unties it. */
        if (*txn) {
            apr_dbd_transaction_mode_set(dbd->driver, *txn, APR_DBD_TRANSACTION_ROLLBACK);
            apr_dbd_transaction_end(dbd->driver, r->pool, *txn);
        }
        *txn = NULL;
        return -1;
    }
    return 0;
}

int amx_store_end(request_rec *r, ap_dbd_t *dbd, apr_dbd_transaction_t *txn, int commit,
                  const char **error)
{
    int rv;
    if (txn == NULL)
        return 0;
    /* The drivers roll back by themselves after a failed statement of the
     * transaction; a refused request asks for it. */
    if (!commit)
        apr_dbd_transaction_mode_set(dbd->driver, txn, APR_DBD_TRANSACTION_ROLLBACK);
    rv = apr_dbd_transaction_end(dbd->driver, r->pool, txn);
    if (commit && rv != 0) {
        *error = apr_psprintf(r->pool, "committing: %s",
                              apr_dbd_error(dbd->driver, dbd->handle, rv));
        return -1;
    }
    return 0;
}

/* Runs Q with NARGS string ARGS into FN. */
static int run(request_rec *r, ap_dbd_t *dbd, query_id q, int nargs, const char **args,
               amx_store_row_fn fn, void *ctx, const char **error)
{
    apr_dbd_results_t *res = NULL;
    const char *sql = statements[q].mysql && strcmp(apr_dbd_name(dbd->driver), "mysql") == 0
                      ? statements[q].mysql : statements[q].sql;
    if (execute(r, dbd, statements[q].label, sql, nargs, args, &res, NULL,
                EXEC_RETRY | statements[q].flags, error) != 0)
        return -1;
    return each_row(r, dbd, res, fn, ctx, error) == 0 ? 0 : -1;
}

const char *amx_store_entry(const apr_dbd_driver_t *driver, apr_dbd_row_t *row, int n)
{
    char *v = NULL;
    if (apr_dbd_datum_get(driver, row, n, APR_DBD_TYPE_STRING, &v) != APR_SUCCESS)
        return NULL;
    return v;
}

static const char *col(request_rec *r, const apr_dbd_driver_t *driver,
                       apr_dbd_row_t *row, int n)
{
    const char *v = amx_store_entry(driver, row, n);
    return v ? apr_pstrdup(r->pool, v) : NULL;
}

static long col_long(const apr_dbd_driver_t *driver, apr_dbd_row_t *row, int n)
{
    const char *v = amx_store_entry(driver, row, n);
    return v ? strtol(v, NULL, 10) : 0;
}

static int col_bool(const apr_dbd_driver_t *driver, apr_dbd_row_t *row, int n)
{
    int b = 0;
    if (amx_bool_parse(amx_store_entry(driver, row, n), &b) != 0)
        return 0;
    return b;
}

/* A domain of the provider, before it is put in order. */
typedef struct {
    long id;
    const char *name;
} provider_domain;

typedef struct {
    int found;
    amx_domain_data *d;
    long ldapserver_id;
    apr_array_header_t *provider_domains;  /* of provider_domain */
} domain_ctx;

/* Drops what a query read into CTX, as if it had found nothing. */
static void forget_domain(domain_ctx *ctx)
{
    ctx->found = 0;
    ctx->ldapserver_id = -1;
    apr_array_clear(ctx->provider_domains);
    apr_array_clear(ctx->d->servers);
    apr_array_clear(ctx->d->davservers);
}

static int compare(long x, long y)
{
    return x < y ? -1 : x > y;
}

static int domain_by_id(const void *a, const void *b)
{
    return compare(((const provider_domain *)a)->id, ((const provider_domain *)b)->id);
}

static int server_by_prio_then_id(const void *a, const void *b)
{
    const amx_server *x = a, *y = b;
    return x->prio != y->prio ? compare(x->prio, y->prio) : compare(x->id, y->id);
}

static int davserver_by_id(const void *a, const void *b)
{
    return compare(((const amx_davserver *)a)->id, ((const amx_davserver *)b)->id);
}

/* The provider's domains and the domain's DAV servers by id, its mail
 * servers by prio (the lowest first) and then id. */
static void put_in_order(domain_ctx *ctx, apr_pool_t *p)
{
    amx_domain_data *d = ctx->d;
    apr_array_header_t *pd = ctx->provider_domains;
    int i;

    qsort(pd->elts, (size_t)pd->nelts, sizeof(provider_domain), domain_by_id);
    d->provider_domains = apr_array_make(p, pd->nelts, sizeof(const char *));
    for (i = 0; i < pd->nelts; i++)
        APR_ARRAY_PUSH(d->provider_domains, const char *)
            = APR_ARRAY_IDX(pd, i, provider_domain).name;
    qsort(d->servers->elts, (size_t)d->servers->nelts, sizeof(amx_server),
          server_by_prio_then_id);
    qsort(d->davservers->elts, (size_t)d->davservers->nelts, sizeof(amx_davserver),
          davserver_by_id);
}

static int add_provider_domain(domain_ctx *ctx, long id, const char *name)
{
    provider_domain *pd = apr_array_push(ctx->provider_domains);
    pd->id = id;
    pd->name = name;
    return name ? 0 : -1;
}

static int domain_row(request_rec *r, const apr_dbd_driver_t *drv,
                      apr_dbd_row_t *row, void *ctxv, const char **error)
{
    domain_ctx *ctx = ctxv;
    amx_domain_data *d = ctx->d;
    const char *kind = amx_store_entry(drv, row, 0);

    if (kind == NULL)  /* one of the provider's other domains */
        return add_provider_domain(ctx, col_long(drv, row, 1), col(r, drv, row, 4));
    switch (kind[0]) {
    case 'D':
        ctx->found = 1;
        d->id = col_long(drv, row, 1);
        d->provider_id = col_long(drv, row, 2);
        ctx->ldapserver_id = amx_store_entry(drv, row, 3) ? col_long(drv, row, 3) : -1;
        d->name = col(r, drv, row, 4);
        d->provider_name = col(r, drv, row, 5);
        d->provider_short_name = col(r, drv, row, 6);
        if (!d->provider_name || !d->provider_short_name)
            return -1;
        return add_provider_domain(ctx, d->id, d->name);
    case 'S': {
        amx_server *s = apr_array_push(d->servers);
        s->id = col_long(drv, row, 1);
        s->prio = (int)col_long(drv, row, 2);
        s->port = (int)col_long(drv, row, 3);
        s->name = col(r, drv, row, 4);
        s->type = col(r, drv, row, 5);
        s->socket_type = col(r, drv, row, 6);
        s->user_name = col(r, drv, row, 7);
        s->authentication = col(r, drv, row, 8);
        return s->name && s->user_name && s->authentication ? 0 : -1;
    }
    case 'V': {
        amx_davserver *v = apr_array_push(d->davservers);
        v->id = col_long(drv, row, 1);
        v->port = (int)col_long(drv, row, 2);
        v->use_ssl = col_bool(drv, row, 3);
        v->url = col(r, drv, row, 4);
        v->type = col(r, drv, row, 5);
        v->domain_required = col_bool(drv, row, 6);
        v->user_name = col(r, drv, row, 7);
        return v->url ? 0 : -1;
    }
    }
    return -1;
}

static int name_row(request_rec *r, const apr_dbd_driver_t *drv,
                    apr_dbd_row_t *row, void *ctxv, const char **error)
{
    const char *name = col(r, drv, row, 0);
    if (name == NULL)
        return -1;
    APR_ARRAY_PUSH((apr_array_header_t *)ctxv, const char *) = name;
    return 0;
}

static int ldapserver_row(request_rec *r, const apr_dbd_driver_t *drv,
                          apr_dbd_row_t *row, void *ctxv, const char **error)
{
    amx_ldapserver **out = ctxv, *l;
    if (*out)
        return 0;
    *out = l = apr_pcalloc(r->pool, sizeof(*l));
    l->id = col_long(drv, row, 0);
    l->name = col(r, drv, row, 1);
    l->port = (int)col_long(drv, row, 2);
    l->use_ssl = col_bool(drv, row, 3);
    l->search_base = col(r, drv, row, 4);
    l->search_filter = col(r, drv, row, 5);
    l->attr_uid = col(r, drv, row, 6);
    l->attr_cn = col(r, drv, row, 7);
    l->bind_password = col(r, drv, row, 8);
    l->bind_user = col(r, drv, row, 9);
    return l->name && l->search_base && l->search_filter && l->attr_uid ? 0 : -1;
}

/* Runs Q with its one argument (passed as often as Q needs it) and reads
 * its rows; 0 or -1 with *ERROR. */
static int query(request_rec *r, ap_dbd_t *dbd, query_id q, const char *arg,
                 amx_store_row_fn fn, void *ctx, const char **error)
{
    const char *args[3] = { arg, arg, arg };
    return run(r, dbd, q, statements[q].nargs, args, fn, ctx, error);
}

static int ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80)
            return 0;
    }
    return 1;
}

int amx_store_domain_forms(request_rec *r, const char *domain, const char **lookup,
                           const char **other)
{
    const char *l, *o;

    /* An internationalised name is looked up in one form and, when that
     * finds nothing, in the other: the same statement with another
     * argument, so the index on the name serves both. A-labels first: they
     * are ASCII, which every collation compares exactly, while MariaDB's
     * usual case-insensitive collations also ignore accents, so that
     * münchen.de would find munchen.de. */
    if (amx_idn_forms(r->pool, domain, &l, &o) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01100: invalid internationalised domain name \"%s\"", domain);
        return HTTP_BAD_REQUEST;
    }
    if (o && ascii(o)) {
        *lookup = o;
        *other = l;
    }
    else {
        *lookup = l;
        *other = o;
    }
    return OK;
}

/* The A-label form of NAME, ASCII lower case, no trailing dot: what two
 * spellings of one domain have in common. NAME itself when it is not a
 * valid internationalised name. */
static const char *domain_key(apr_pool_t *p, const char *name)
{
    char *s = apr_pstrdup(p, name);
    apr_size_t n = strlen(s);
    const char *lookup, *other;

    ap_str_tolower(s);
    if (n > 0 && s[n - 1] == '.')
        s[n - 1] = '\0';
    if (amx_idn_forms(p, s, &lookup, &other) != 0)
        return s;
    return other && ascii(other) ? other : lookup;
}

/* Whether the domain row a query found is the one asked for. The
 * database's collation decides what "name = ?" matches, and MariaDB's
 * case-insensitive ones also ignore accents: koln.de would find köln.de,
 * another domain. WANT is the A-label form asked for. */
static int is_domain_asked(apr_pool_t *p, const char *stored, const char *want)
{
    return stored && strcmp(domain_key(p, stored), want) == 0;
}

int amx_store_lookup_domain(request_rec *r, const char *domain, const char *other,
                            amx_domain_data **out)
{
    apr_time_t start = apr_time_now();
    ap_dbd_t *dbd = amx_store_acquire(r);
    amx_domain_data *d;
    domain_ctx ctx;
    const char *error = NULL, *want;
    query_id failed;

    if (dbd == NULL)
        return HTTP_SERVICE_UNAVAILABLE;
    d = apr_pcalloc(r->pool, sizeof(*d));
    d->servers = apr_array_make(r->pool, 4, sizeof(amx_server));
    d->davservers = apr_array_make(r->pool, 2, sizeof(amx_davserver));
    ctx.found = 0;
    ctx.d = d;
    ctx.ldapserver_id = -1;
    ctx.provider_domains = apr_array_make(r->pool, 4, sizeof(provider_domain));
    want = ascii(domain) ? domain : other;
    if (query(r, dbd, failed = Q_DOMAIN, domain, domain_row, &ctx, &error) != 0)
        goto fail;
    if (ctx.found && !is_domain_asked(r->pool, d->name, want))
        forget_domain(&ctx);
    /* Nothing found yields no row of any kind: ctx is still empty. */
    if (!ctx.found && other
        && query(r, dbd, Q_DOMAIN, other, domain_row, &ctx, &error) != 0)
        goto fail;
    if (ctx.found && !is_domain_asked(r->pool, d->name, want))
        forget_domain(&ctx);
    if (!ctx.found) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "AMX00033: domain \"%s\"%s%s%s is not in the database (%"
                      APR_TIME_T_FMT " us)", domain, other ? " (\"" : "", other ? other : "",
                      other ? "\")" : "", apr_time_now() - start);
        return HTTP_NO_CONTENT;
    }
    put_in_order(&ctx, r->pool);
    if (ctx.ldapserver_id >= 0) {
        if (query(r, dbd, failed = Q_LDAPSERVER, apr_ltoa(r->pool, ctx.ldapserver_id),
                  ldapserver_row, &d->ldap, &error) != 0)
            goto fail;
        if (d->ldap == NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "AMX00034: domain \"%s\" (id %ld) refers to ldapserver id %ld, "
                          "which does not exist", d->name, d->id, ctx.ldapserver_id);
            amx_metrics_unavailable(r, AMX_CAUSE_DB_DATA);
            return HTTP_SERVICE_UNAVAILABLE;
        }
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "AMX00035: domain \"%s\": provider %ld, %d servers, %d DAV servers%s "
                  "(%" APR_TIME_T_FMT " us)", d->name, d->provider_id, d->servers->nelts,
                  d->davservers->nelts, d->ldap ? ", LDAP" : "", apr_time_now() - start);
    *out = d;
    return OK;

fail:
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "AMX00036: database query %s failed: %s", statements[failed].label,
                  error ? error : "unknown error");
    return HTTP_SERVICE_UNAVAILABLE;
}

int amx_store_first_domain(request_rec *r, const char **name, const char **error)
{
    ap_dbd_t *dbd = amx_store_acquire(r);
    apr_array_header_t *names;

    *name = NULL;
    *error = NULL;
    if (dbd == NULL)
        return HTTP_SERVICE_UNAVAILABLE;
    names = apr_array_make(r->pool, 1, sizeof(const char *));
    if (query(r, dbd, Q_FIRST_DOMAIN, NULL, name_row, names, error) != 0) {
        if (*error == NULL)
            *error = "unknown error";
        return HTTP_SERVICE_UNAVAILABLE;
    }
    if (names->nelts > 0)
        *name = APR_ARRAY_IDX(names, 0, const char *);
    return OK;
}

/* Reads the one value of the change counter's row. */
static int counter_row(request_rec *r, const apr_dbd_driver_t *drv,
                       apr_dbd_row_t *row, void *ctxv, const char **error)
{
    const char *v = amx_store_entry(drv, row, 0);
    if (v == NULL)
        return -1;
    *(apr_int64_t *)ctxv = apr_atoi64(v);
    return 0;
}

static int ignore_row(request_rec *r, const apr_dbd_driver_t *drv,
                      apr_dbd_row_t *row, void *ctxv, const char **error)
{
    return 0;
}

int amx_store_change_counter(request_rec *r, ap_dbd_t *dbd, apr_int64_t *counter,
                             int *missing, const char **error)
{
    *counter = -1;
    *missing = 0;
    *error = NULL;
    if (query(r, dbd, Q_COUNTER, NULL, counter_row, counter, error) == 0) {
        if (*counter >= 0)
            return 0;
        /* The table is there, its row is not: as good as no counter. */
        *missing = 1;
        return -1;
    }
    /* Whether the counter or the database failed: when the tables answer,
     * it is the counter that is missing (a database automx2 made). A probe
     * rather than the drivers' error texts, which differ by engine. */
    {
        const char *probe_error = NULL;
        if (query(r, dbd, Q_TABLES, NULL, ignore_row, NULL, &probe_error) == 0)
            *missing = 1;
    }
    if (*error == NULL)
        *error = "unknown error";
    return -1;
}
