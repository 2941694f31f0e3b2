/*
 * The provisioning API's resources: which table each is, its columns and
 * link tables, and the way between a row and its JSON representation,
 * checked by the rules of the seed documents (amx_seed.h). Pure: jansson,
 * libidn2 and APR, no httpd.
 */
#ifndef AMX_API_RESOURCE_H
#define AMX_API_RESOURCE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

typedef enum { AMX_COL_INT, AMX_COL_STR, AMX_COL_BOOL } amx_api_kind;

typedef struct {
    const char *name;    /* the column, and the JSON member */
    amx_api_kind kind;
    const char *ref;     /* the table whose id it holds, or NULL */
    int secret;          /* written, never returned (bind_password) */
} amx_api_col;

/* A many-to-many link: MEMBER lists the ids of TARGET rows, kept in TABLE
 * as (SELF, OTHER) pairs. */
typedef struct {
    const char *member;
    const char *table;
    const char *self;
    const char *other;
    const char *target;
} amx_api_link;

/* A row as the API sees it: its id, its other columns as strings (NULL is
 * SQL NULL) in the order of the resource's columns, its links. */
typedef struct {
    long id;
    const char **values;
    apr_array_header_t **links;   /* one array of long per link */
} amx_api_row;

typedef const char *(*amx_api_check_fn)(apr_pool_t *p, json_t *obj, const char **values,
                                        const char **field);

typedef struct {
    const char *path;           /* the collection's name in the URL */
    const char *table;
    const amx_api_col *cols;    /* all but id */
    int ncols;
    const amx_api_link *links;
    int nlinks;
    int by_name;                /* addressed by its name (domains) */
    const char *children;       /* a table whose rows need this one, or NULL */
    const char *children_ref;   /* their column naming it */
    amx_api_check_fn check;
} amx_api_resource;

/* The resource whose collection is NAME (LEN octets), or NULL. */
const amx_api_resource *amx_api_resource_find(const char *name, size_t len);

/* Every resource, for the routing's error messages: NULL-terminated. */
extern const amx_api_resource *const amx_api_resources[];

/* The index of the column named NAME, or -1. */
int amx_api_col_index(const amx_api_resource *res, const char *name);

/* A new row for RES with room for every column and link. */
amx_api_row *amx_api_row_make(apr_pool_t *p, const amx_api_resource *res);

/* ROW as the API returns it: id, columns (no secret), links. A new reference. */
json_t *amx_api_row_json(const amx_api_resource *res, const amx_api_row *row);

/* The body OBJ of a create (ID 0: it must have no id) or replace (ID: it
 * may repeat it) into OUT, checked and with the defaults of a seed. NULL,
 * or the reason with *FIELD naming the member (NULL: the whole body). */
const char *amx_api_row_from_json(apr_pool_t *p, const amx_api_resource *res, json_t *obj,
                                  long id, amx_api_row *out, const char **field);

/* The normalised stored form of domain NAME, or NULL when it is none; its
 * other form (A- or U-labels) in *OTHER when there is one. */
const char *amx_api_domain_forms(apr_pool_t *p, const char *name, const char **other);

#endif
