/*
 * The provisioning API's rows in the database: reading, writing and
 * deleting one resource with its links, a page of a list, and the
 * transaction every request runs in. Above the store (amx_store.h); the
 * statements are fixed per resource, request data only ever a parameter.
 */
#ifndef AMX_API_DB_H
#define AMX_API_DB_H

#include "httpd.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "amx_api_resource.h"

typedef struct {
    request_rec *r;
    ap_dbd_t *dbd;
    const char *error;    /* what failed, for the log */
} amx_api_db;

/* The work of one request: 0 to commit, an HTTP status (a refusal: rolled
 * back), or -1 on a database failure with DB->error set. */
typedef int (*amx_api_work_fn)(amx_api_db *db, void *ctx);

/* WORK; with WRITE in one transaction, after taking the writers' lock, so
 * that ids and ETags are read and written by one writer at a time. Run
 * again when SQLite's schema changed under it or, once, after the pgsql or
 * mysql driver reconnected. Returns what WORK returned, or -1 when the
 * commit failed. */
int amx_api_db_run(request_rec *r, ap_dbd_t *dbd, int write, amx_api_work_fn work,
                   void *ctx, const char **error);

/* One row with its links by id: 1 with *OUT, 0 when there is none, -1. */
int amx_api_db_get(amx_api_db *db, const amx_api_resource *res, long id, amx_api_row **out);

/* The domain named NAME (either form of an internationalised name): 1, 0
 * or -1 as amx_api_db_get. */
int amx_api_db_get_domain(amx_api_db *db, const char *name, amx_api_row **out);

/* 1 with *OUT when another domain than ID has NAME, or a name the
 * database takes for the same (MariaDB's collations ignore accents), 0
 * when not, -1. */
int amx_api_db_domain_taken(amx_api_db *db, const char *name, long id, amx_api_row **out);

/* Up to LIMIT rows with ids above AFTER, by id, into *ROWS (amx_api_row *);
 * *MORE 1 when there are more. 0 or -1. */
int amx_api_db_list(amx_api_db *db, const amx_api_resource *res, long after, long limit,
                    apr_array_header_t **rows, int *more);

/* 1 when TABLE has a row with ID, 0 when not, -1. */
int amx_api_db_exists(amx_api_db *db, const char *table, long id);

/* How many rows of TABLE have COLUMN = ID into *N. 0 or -1. */
int amx_api_db_count(amx_api_db *db, const char *table, const char *column, long id, long *n);

/* ROW inserted with the next free id (set in ROW->id), or updated, with
 * its links replaced. 0 or -1. */
int amx_api_db_insert(amx_api_db *db, const amx_api_resource *res, amx_api_row *row);
int amx_api_db_update(amx_api_db *db, const amx_api_resource *res, const amx_api_row *row);

/* The row ID with its links; with CASCADE, the rows that need it first
 * (a provider's domains and their links; an LDAP server's mention in its
 * domains, set to NULL). 0 or -1. */
int amx_api_db_delete(amx_api_db *db, const amx_api_resource *res, long id, int cascade);

#endif
