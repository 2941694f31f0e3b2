/*
 * The schema, made current by automx-initdb: missing tables created, an
 * older automx2 schema upgraded in place, the change counter added.
 */
#ifndef AMX_SCHEMA_H
#define AMX_SCHEMA_H

#include "httpd.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

typedef struct {
    /* What was added to or upgraded in a database that had the tables
     * already, as sentences for the reply; NULL when nothing (a database
     * made from nothing is simply "prepared"). */
    const char *changes;
    /* The change counter could not be made (*ERROR says why): creating
     * triggers was refused, most often for want of a privilege. */
    int counter_failed;
} amx_schema_result;

/* Makes the schema of DBD current. PostgreSQL and SQLite: inside the
 * caller's transaction, so that a failure leaves nothing. MySQL and
 * MariaDB commit each DDL statement: there it runs outside any
 * transaction, and what this call made of a change counter it could not
 * complete is removed again; a MySQL user without the TRIGGER privilege
 * takes a counter whose row is there as complete (it sees no trigger).
 * 0, or -1 with *ERROR. */
int amx_schema_prepare(request_rec *r, ap_dbd_t *dbd, amx_schema_result *out,
                       const char **error);

/* What the operator must do when the counter could not be made on DBD:
 * the privileges the engine wants, for a reply page. */
const char *amx_schema_counter_hint(ap_dbd_t *dbd);

#endif
