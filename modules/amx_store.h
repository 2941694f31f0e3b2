/*
 * The account database, through mod_dbd.
 */
#ifndef AMX_STORE_H
#define AMX_STORE_H

#include "httpd.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "amx_model.h"

/* Looks up mod_dbd's optional functions; APR_EGENERAL when mod_dbd is not
 * loaded. Called at start-up. */
apr_status_t amx_store_retrieve(void);

/* Makes this process's domain caches, one per virtual host (SPEC 12);
 * MAX_ENTRIES domains per generation. GENERATION points at a counter in
 * shared memory that a write on this host bumps. */
apr_status_t amx_store_child_init(apr_pool_t *pchild, server_rec *s,
                                  volatile apr_uint32_t *generation, int max_entries);

/* After a write on this host: every process of it starts its cache over
 * at its next request, without waiting for the change counter. */
void amx_store_invalidate(void);

/* The database connection of this request, NULL (logged) when down. */
ap_dbd_t *amx_store_acquire(request_rec *r);
/* The same, logging nothing: for the cache's check, which logs once per
 * interval. */
ap_dbd_t *amx_store_acquire_quiet(request_rec *r);

/* Reads everything about DOMAIN (normalised; an internationalised name in
 * either form finds the domain stored in either, A-labels tried first),
 * from this process's cache when it has it (amx_store_cache.c). Returns OK
 * with *OUT set (read only: it may be shared), HTTP_NO_CONTENT when the
 * domain is not in the database, HTTP_BAD_REQUEST when DOMAIN is no valid
 * internationalised name, or HTTP_SERVICE_UNAVAILABLE when the database
 * failed and the domain is not cached (all but 204 logged). */
int amx_store_domain(request_rec *r, const char *domain, amx_domain_data **out);

/* Below the cache. The two forms of DOMAIN to look up, the ASCII one
 * first (OTHER NULL when there is one only); HTTP_BAD_REQUEST (logged)
 * when it is no valid internationalised name. */
int amx_store_domain_forms(request_rec *r, const char *domain, const char **lookup,
                           const char **other);
/* Reads DOMAIN (then OTHER) from the database, as amx_store_domain. */
int amx_store_lookup_domain(request_rec *r, const char *domain, const char *other,
                            amx_domain_data **out);
/* The database's change counter (SPEC 12): 0 with *COUNTER, or -1 with
 * *ERROR and *MISSING 1 when the database answers but has no counter. */
int amx_store_change_counter(request_rec *r, ap_dbd_t *dbd, apr_int64_t *counter,
                             int *missing, const char **error);

/* Bytes of a reply kept beside a cached domain, made once per generation
 * of the cache by the first request that needs them: a reply, or what a
 * handler needs to make one quickly (a template). They are shared by
 * every domain of the provider that has the same servers and DAV servers
 * (a provider's hundred domains keep one copy), so they must not depend
 * on the domain's own name or id (d->name, d->id), nor on the request:
 * what does goes into the reply per request. */
typedef enum {
    AMX_KEPT_AUTOCONFIG,
    AMX_KEPT_AUTODISCOVER,
    AMX_KEPT_AUTODISCOVER_JSON,
    AMX_KEPT_MOBILECONFIG,
    AMX_KEPT_KINDS
} amx_kept_kind;

/* The bytes kept for D under KIND, valid until R's pool is destroyed;
 * NULL when D did not come from the cache or nothing is kept yet. */
const void *amx_store_kept(request_rec *r, const amx_domain_data *d, amx_kept_kind kind,
                           apr_size_t *len);

/* Keeps a copy of the LEN bytes at DATA beside D under KIND when D came
 * from the cache (else, or when some are kept already, does nothing). */
void amx_store_keep(request_rec *r, const amx_domain_data *d, amx_kept_kind kind,
                    const void *data, apr_size_t len);

/* The name of the domain with the lowest id. Returns OK with *NAME set (NULL
 * when there is none), or HTTP_SERVICE_UNAVAILABLE with *ERROR saying why
 * (NULL when there is no connection at all). */
int amx_store_first_domain(request_rec *r, const char **name, const char **error);

/* Row N (from 1) of a result selected with random access: the only way
 * all three drivers agree on (mysql refuses "next row" there). Returns 0, -1
 * after the last row, or a driver error. */
#define amx_store_row(driver, pool, res, row, n) \
    apr_dbd_get_row((driver), (pool), (res), (row), (n))

/* Column N of ROW, NULL for SQL NULL (the pgsql driver's apr_dbd_get_entry
 * gives "" for both). */
const char *amx_store_entry(const apr_dbd_driver_t *driver, apr_dbd_row_t *row, int n);

/* Takes one row; 0, or -1 with *ERROR naming the row when it cannot (left
 * NULL: "unexpected NULL in a NOT NULL column"). */
typedef int (*amx_store_row_fn)(request_rec *r, const apr_dbd_driver_t *driver,
                                apr_dbd_row_t *row, void *ctx, const char **error);

/* For automx-initdb: a fixed statement (apr_dbd syntax, never request
 * data) prepared on DBD under LABEL and run with string ARGS, every row
 * of a select given to FN. 0, or -1 with *ERROR. */
int amx_store_select(request_rec *r, ap_dbd_t *dbd, const char *label, const char *sql,
                     int nargs, const char **args, amx_store_row_fn fn, void *ctx,
                     const char **error);
int amx_store_update(request_rec *r, ap_dbd_t *dbd, const char *label, const char *sql,
                     int nargs, const char **args, const char **error);

/* Fixed SQL without parameters, not prepared: a statement of the schema,
 * or a select whose every row goes to FN. 0, or -1 with *ERROR naming the
 * statement. */
int amx_store_exec(request_rec *r, ap_dbd_t *dbd, const char *sql, const char **error);
int amx_store_rows(request_rec *r, ap_dbd_t *dbd, const char *sql, amx_store_row_fn fn,
                   void *ctx, const char **error);

/* One transaction with apr_dbd's own calls. amx_store_begin: 0 with *TXN
 * set, or -1 with *ERROR and nothing open. amx_store_end commits when
 * COMMIT and no statement of the transaction failed, else rolls back;
 * -1 with *ERROR when a commit failed. */
int amx_store_begin(request_rec *r, ap_dbd_t *dbd, apr_dbd_transaction_t **txn,
                    const char **error);
int amx_store_end(request_rec *r, ap_dbd_t *dbd, apr_dbd_transaction_t *txn, int commit,
                  const char **error);

/* After a failed attempt, before the next: the connection checked (the
 * pgsql and mysql drivers reconnect there) and the module's statements
 * forgotten, to be prepared again on it at their next use. */
void amx_store_recover(request_rec *r, ap_dbd_t *dbd);

/* 1 when ERROR is SQLite's "the schema changed under the statement": run
 * it again, and it reads the new schema. */
int amx_store_schema_changed(ap_dbd_t *dbd, const char *error);

#endif
