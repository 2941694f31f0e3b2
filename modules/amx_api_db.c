/*
 * The API's statements, made from the resource descriptions: fixed text
 * for each label (the same every time), request data only in parameters.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "http_log.h"
#include "apr_strings.h"

#include "amx_api_db.h"
#include "amx_api_doc.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

/* pg_advisory_xact_lock's key, the same as automx-initdb's writers take. */
#define PG_LOCK_KEY "6385016"
/* As automx-initdb: how often SQLite's schema may change under a writer. */
#define SCHEMA_RETRIES 10

static int is_driver(ap_dbd_t *dbd, const char *name)
{
    return strcmp(apr_dbd_name(dbd->driver), name) == 0;
}

static int count_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *row,
                     void *ctx, const char **error)
{
    const char *v = amx_store_entry(drv, row, 0);
    *(long *)ctx = v ? strtol(v, NULL, 10) : 0;
    return 0;
}

static int take_lock(amx_api_db *db)
{
    long ignored;
    if (is_driver(db->dbd, "pgsql"))
        return amx_store_exec(db->r, db->dbd, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")",
                              &db->error);
    if (is_driver(db->dbd, "mysql"))
        return amx_store_rows(db->r, db->dbd, "SELECT COUNT(*) FROM provider FOR UPDATE",
                              count_row, &ignored, &db->error);
    return 0;   /* sqlite3: its driver begins with BEGIN IMMEDIATE */
}

int amx_api_db_run(request_rec *r, ap_dbd_t *dbd, int write, amx_api_work_fn work,
                   void *ctx, const char **error)
{
    amx_api_db db = { r, dbd, NULL };
    int attempt;

    for (attempt = 0; ; attempt++) {
        apr_dbd_transaction_t *txn = NULL;
        const char *ignored = NULL;
        int rv;

        db.error = NULL;
        /* A read goes without: SQLite's driver would begin with BEGIN
         * IMMEDIATE, the write lock. */
        rv = write ? amx_store_begin(r, dbd, &txn, &db.error) : 0;
        if (rv == 0 && write)
            rv = take_lock(&db);
        if (rv == 0)
            rv = work(&db, ctx);
        if (rv == 0) {
            rv = amx_store_end(r, dbd, txn, 1, &db.error);
            *error = db.error;
            return rv;
        }
        amx_store_end(r, dbd, txn, 0, &ignored);
        *error = db.error;
        if (rv > 0)
            return rv;
        if (is_driver(dbd, "sqlite3") ? !amx_store_schema_changed(dbd, db.error)
                                        || attempt >= SCHEMA_RETRIES
                                      : attempt >= 1)
            return -1;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "AMX02000: rolled back (%s); once more", db.error);
        amx_store_recover(r, dbd);
    }
}

/* ---- the statements of a resource --------------------------------------- */

static const char *label(amx_api_db *db, const char *op, const char *table)
{
    return apr_pstrcat(db->r->pool, "automx_api_", op, "_", table, NULL);
}

/* id and every column, booleans as 1 or 0 whatever the driver gives. */
static const char *select_list(apr_pool_t *p, const amx_api_resource *res)
{
    const char *s = "id";
    int i;
    for (i = 0; i < res->ncols; i++) {
        const char *c = res->cols[i].name;
        s = res->cols[i].kind == AMX_COL_BOOL
            ? apr_pstrcat(p, s, ", CASE WHEN ", c, " THEN 1 ELSE 0 END", NULL)
            : apr_pstrcat(p, s, ", ", c, NULL);
    }
    return s;
}

static const char *param(const amx_api_col *c)
{
    switch (c->kind) {
    case AMX_COL_INT:
        return "%d";
    case AMX_COL_BOOL:
        return "CASE WHEN %s = '1' THEN TRUE ELSE FALSE END";
    default:
        return "%s";
    }
}

typedef struct {
    const amx_api_resource *res;
    apr_array_header_t *rows;  /* amx_api_row * */
} rows_ctx;

static int resource_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *dbrow,
                        void *ctxv, const char **error)
{
    rows_ctx *ctx = ctxv;
    amx_api_row *row = amx_api_row_make(r->pool, ctx->res);
    const char *id = amx_store_entry(drv, dbrow, 0);
    int i;

    if (id == NULL)
        return -1;
    row->id = strtol(id, NULL, 10);
    for (i = 0; i < ctx->res->ncols; i++) {
        const char *v = amx_store_entry(drv, dbrow, i + 1);
        row->values[i] = v ? apr_pstrdup(r->pool, v) : NULL;
    }
    APR_ARRAY_PUSH(ctx->rows, amx_api_row *) = row;
    return 0;
}

typedef struct {
    apr_array_header_t *rows;  /* amx_api_row *, by id */
    int link;
} links_ctx;

static int link_row(request_rec *r, const apr_dbd_driver_t *drv, apr_dbd_row_t *dbrow,
                    void *ctxv, const char **error)
{
    links_ctx *ctx = ctxv;
    const char *self = amx_store_entry(drv, dbrow, 0), *other = amx_store_entry(drv, dbrow, 1);
    long id = self ? strtol(self, NULL, 10) : 0;
    int i;
    for (i = 0; other && i < ctx->rows->nelts; i++) {
        amx_api_row *row = APR_ARRAY_IDX(ctx->rows, i, amx_api_row *);
        if (row->id == id)
            APR_ARRAY_PUSH(row->links[ctx->link], long) = strtol(other, NULL, 10);
    }
    return 0;
}

/* The links of ROWS, whose ids are from FIRST to LAST, one query per link
 * table. */
static int read_links(amx_api_db *db, const amx_api_resource *res, apr_array_header_t *rows,
                      long first, long last)
{
    int i;
    for (i = 0; i < res->nlinks && rows->nelts > 0; i++) {
        const amx_api_link *l = &res->links[i];
        const char *args[2] = { apr_ltoa(db->r->pool, first), apr_ltoa(db->r->pool, last) };
        links_ctx ctx = { rows, i };
        const char *sql = apr_pstrcat(db->r->pool, "SELECT ", l->self, ", ", l->other, " FROM ",
                                      l->table, " WHERE ", l->self, " >= %d AND ", l->self,
                                      " <= %d ORDER BY ", l->self, ", ", l->other, NULL);
        if (amx_store_select(db->r, db->dbd, label(db, apr_pstrcat(db->r->pool, "links_",
                             l->self, NULL), l->table), sql, 2, args, link_row, &ctx,
                             &db->error) != 0)
            return -1;
    }
    return 0;
}

int amx_api_db_get(amx_api_db *db, const amx_api_resource *res, long id, amx_api_row **out)
{
    apr_pool_t *p = db->r->pool;
    rows_ctx ctx = { res, apr_array_make(p, 1, sizeof(amx_api_row *)) };
    const char *arg = apr_ltoa(p, id);

    if (amx_store_select(db->r, db->dbd, label(db, "get", res->table),
                         apr_pstrcat(p, "SELECT ", select_list(p, res), " FROM ", res->table,
                                     " WHERE id = %d", NULL), 1, &arg, resource_row, &ctx,
                         &db->error) != 0
        || read_links(db, res, ctx.rows, id, id) != 0)
        return -1;
    if (ctx.rows->nelts == 0)
        return 0;
    *out = APR_ARRAY_IDX(ctx.rows, 0, amx_api_row *);
    return 1;
}

/* The A-label form of a stored or asked name: what two spellings of one
 * domain have in common. */
static const char *ascii_form(apr_pool_t *p, const char *name)
{
    const char *other, *form = amx_api_domain_forms(p, name, &other);
    if (form == NULL)
        return name;
    if (other) {
        const char *c;
        for (c = form; *c && (unsigned char)*c < 0x80; c++)
            ;
        if (*c)
            return other;
    }
    return form;
}

/* The domain NAME finds: with LOOSE, any the database's collation takes
 * for it (what its UNIQUE index refuses beside it). */
static int find_domain(amx_api_db *db, const char *name, int loose, amx_api_row **out)
{
    apr_pool_t *p = db->r->pool;
    const amx_api_resource *res = amx_api_resource_find("domains", 7);
    const char *other, *lookup = amx_api_domain_forms(p, name, &other), *want;
    /* MySQL and MariaDB: the UNIQUE index on name compares
     * case-insensitively already; LOWER(name) would read all of it. */
    const char *where = is_driver(db->dbd, "mysql") ? " WHERE name = %s" : " WHERE LOWER(name) = %s";
    const char *forms[2] = { lookup, other };
    int i, k;

    if (lookup == NULL)
        return 0;
    want = ascii_form(p, lookup);
    for (i = 0; i < 2 && forms[i]; i++) {
        rows_ctx ctx = { res, apr_array_make(p, 1, sizeof(amx_api_row *)) };
        if (amx_store_select(db->r, db->dbd, label(db, "byname", res->table),
                             apr_pstrcat(p, "SELECT ", select_list(p, res), " FROM domain",
                                         where, " ORDER BY id", NULL), 1, &forms[i],
                             resource_row, &ctx, &db->error) != 0)
            return -1;
        /* The collation decides what "name =" finds; MariaDB's also ignore
         * accents: only the domain asked for counts. */
        for (k = 0; k < ctx.rows->nelts; k++) {
            amx_api_row *row = APR_ARRAY_IDX(ctx.rows, k, amx_api_row *);
            if (loose || strcmp(ascii_form(p, row->values[0]), want) == 0)
                return amx_api_db_get(db, res, row->id, out);
        }
    }
    return 0;
}

int amx_api_db_get_domain(amx_api_db *db, const char *name, amx_api_row **out)
{
    return find_domain(db, name, 0, out);
}

int amx_api_db_domain_taken(amx_api_db *db, const char *name, long id, amx_api_row **out)
{
    /* MariaDB's case-insensitive collations also ignore accents: there
     * bucher.example takes the place of bücher.example. */
    int rv = find_domain(db, name, 0, out);
    if (rv == 0 && is_driver(db->dbd, "mysql"))
        rv = find_domain(db, name, 1, out);
    return rv == 1 && (*out)->id == id ? 0 : rv;
}

int amx_api_db_list(amx_api_db *db, const amx_api_resource *res, long after, long limit,
                    apr_array_header_t **rows, int *more)
{
    apr_pool_t *p = db->r->pool;
    rows_ctx ctx = { res, apr_array_make(p, (int)limit + 1, sizeof(amx_api_row *)) };
    const char *arg = apr_ltoa(p, after);

    /* A fixed LIMIT (the largest page and one to tell whether there are
     * more): a parameter there is not portable to every driver. */
    if (amx_store_select(db->r, db->dbd, label(db, "list", res->table),
                         apr_pstrcat(p, "SELECT ", select_list(p, res), " FROM ", res->table,
                                     " WHERE id > %d ORDER BY id LIMIT ",
                                     apr_itoa(p, AMX_API_PAGE_MAX + 1), NULL),
                         1, &arg, resource_row, &ctx, &db->error) != 0)
        return -1;
    *more = ctx.rows->nelts > limit;
    if (*more)
        ctx.rows->nelts = (int)limit;
    if (ctx.rows->nelts > 0
        && read_links(db, res, ctx.rows, APR_ARRAY_IDX(ctx.rows, 0, amx_api_row *)->id,
                      APR_ARRAY_IDX(ctx.rows, ctx.rows->nelts - 1, amx_api_row *)->id) != 0)
        return -1;
    *rows = ctx.rows;
    return 0;
}

int amx_api_db_exists(amx_api_db *db, const char *table, long id)
{
    long n = 0;
    if (amx_api_db_count(db, table, "id", id, &n) != 0)
        return -1;
    return n > 0;
}

int amx_api_db_count(amx_api_db *db, const char *table, const char *column, long id, long *n)
{
    const char *arg = apr_ltoa(db->r->pool, id);
    *n = 0;
    return amx_store_select(db->r, db->dbd, label(db, apr_pstrcat(db->r->pool, "count_",
                            column, NULL), table),
                            apr_pstrcat(db->r->pool, "SELECT COUNT(*) FROM ", table, " WHERE ",
                                        column, " = %d", NULL),
                            1, &arg, count_row, n, &db->error);
}

static int write_links(amx_api_db *db, const amx_api_resource *res, const amx_api_row *row,
                       int replace)
{
    apr_pool_t *p = db->r->pool;
    int i, k;
    for (i = 0; i < res->nlinks; i++) {
        const amx_api_link *l = &res->links[i];
        const char *args[2] = { apr_ltoa(p, row->id), NULL };
        if (replace
            && amx_store_update(db->r, db->dbd, label(db, apr_pstrcat(p, "unlink_", l->self,
                                NULL), l->table),
                                apr_pstrcat(p, "DELETE FROM ", l->table, " WHERE ", l->self,
                                            " = %d", NULL), 1, args, &db->error) != 0)
            return -1;
        for (k = 0; k < row->links[i]->nelts; k++) {
            args[1] = apr_ltoa(p, APR_ARRAY_IDX(row->links[i], k, long));
            if (amx_store_update(db->r, db->dbd, label(db, apr_pstrcat(p, "link_", l->self,
                                 NULL), l->table),
                                 apr_pstrcat(p, "INSERT INTO ", l->table, " (", l->self, ", ",
                                             l->other, ") VALUES (%d, %d)", NULL),
                                 2, args, &db->error) != 0)
                return -1;
        }
    }
    return 0;
}

static const char **row_args(apr_pool_t *p, const amx_api_resource *res, const amx_api_row *row,
                             int id_first)
{
    const char **args = apr_pcalloc(p, sizeof(const char *) * (apr_size_t)(res->ncols + 1));
    int i;
    for (i = 0; i < res->ncols; i++)
        args[i + (id_first ? 1 : 0)] = row->values[i];
    args[id_first ? 0 : res->ncols] = apr_ltoa(p, row->id);
    return args;
}

int amx_api_db_insert(amx_api_db *db, const amx_api_resource *res, amx_api_row *row)
{
    apr_pool_t *p = db->r->pool;
    const char *cols = "id", *params = "%d";
    long next = 0;
    int i;

    /* Under the writers' lock: nobody else takes the same id. */
    if (amx_store_select(db->r, db->dbd, label(db, "next", res->table),
                         apr_pstrcat(p, "SELECT COALESCE(MAX(id), 0) + 1 FROM ", res->table,
                                     NULL), 0, NULL, count_row, &next, &db->error) != 0)
        return -1;
    row->id = next;
    for (i = 0; i < res->ncols; i++) {
        cols = apr_pstrcat(p, cols, ", ", res->cols[i].name, NULL);
        params = apr_pstrcat(p, params, ", ", param(&res->cols[i]), NULL);
    }
    if (amx_store_update(db->r, db->dbd, label(db, "insert", res->table),
                         apr_pstrcat(p, "INSERT INTO ", res->table, " (", cols, ") VALUES (",
                                     params, ")", NULL),
                         res->ncols + 1, row_args(p, res, row, 1), &db->error) != 0)
        return -1;
    return write_links(db, res, row, 0);
}

int amx_api_db_update(amx_api_db *db, const amx_api_resource *res, const amx_api_row *row)
{
    apr_pool_t *p = db->r->pool;
    const char *set = NULL;
    int i;

    for (i = 0; i < res->ncols; i++)
        set = apr_pstrcat(p, set ? set : "", set ? ", " : "", res->cols[i].name, " = ",
                          param(&res->cols[i]), NULL);
    if (amx_store_update(db->r, db->dbd, label(db, "update", res->table),
                         apr_pstrcat(p, "UPDATE ", res->table, " SET ", set, " WHERE id = %d",
                                     NULL),
                         res->ncols + 1, row_args(p, res, row, 0), &db->error) != 0)
        return -1;
    return write_links(db, res, row, 1);
}

/* One fixed statement with the one id parameter. */
static int by_id(amx_api_db *db, const char *op, const char *table, const char *sql, long id)
{
    const char *arg = apr_ltoa(db->r->pool, id);
    return amx_store_update(db->r, db->dbd, label(db, op, table), sql, 1, &arg, &db->error);
}

int amx_api_db_delete(amx_api_db *db, const amx_api_resource *res, long id, int cascade)
{
    apr_pool_t *p = db->r->pool;
    amx_api_row row;
    int i;

    if (cascade && strcmp(res->table, "provider") == 0
        && (by_id(db, "cascade_sd", "provider", "DELETE FROM server_domain WHERE domain_id IN "
                  "(SELECT id FROM domain WHERE provider_id = %d)", id) != 0
            || by_id(db, "cascade_vd", "provider", "DELETE FROM davserver_domain WHERE "
                     "domain_id IN (SELECT id FROM domain WHERE provider_id = %d)", id) != 0
            || by_id(db, "cascade_d", "provider",
                     "DELETE FROM domain WHERE provider_id = %d", id) != 0))
        return -1;
    if (cascade && strcmp(res->table, "ldapserver") == 0
        && by_id(db, "cascade_d", "ldapserver",
                 "UPDATE domain SET ldapserver_id = NULL WHERE ldapserver_id = %d", id) != 0)
        return -1;
    /* The links go first: a domain's are in the link tables too. */
    memset(&row, 0, sizeof(row));
    row.id = id;
    row.links = apr_pcalloc(p, sizeof(apr_array_header_t *) * (apr_size_t)(res->nlinks + 1));
    for (i = 0; i < res->nlinks; i++)
        row.links[i] = apr_array_make(p, 1, sizeof(long));
    if (write_links(db, res, &row, 1) != 0)
        return -1;
    return by_id(db, "delete", res->table,
                 apr_pstrcat(p, "DELETE FROM ", res->table, " WHERE id = %d", NULL), id);
}
