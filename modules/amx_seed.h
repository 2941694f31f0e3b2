/*
 * Seed documents: the JSON that automx-initdb takes (automx2's legacy
 * format and version 2, with this module's optional keys) and gives back
 * on export. Validation and defaults only; no database. Pure: jansson and
 * APR, no httpd.
 */
#ifndef AMX_SEED_H
#define AMX_SEED_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "amx_model.h"

typedef struct {
    const char *name;
    long ldapserver_id;     /* -1: none */
} amx_seed_domain;

/* A mail server (kind 0) or a DAV server (kind 1) with the domains of its
 * provider it serves (NULL: all of them). */
typedef struct {
    int dav;
    amx_server server;
    amx_davserver davserver;
    apr_array_header_t *domains;   /* const char *, or NULL */
    const char *path;              /* where it stands in the document */
} amx_seed_server;

typedef struct {
    const char *name;
    const char *short_name;
    apr_array_header_t *domains;      /* amx_seed_domain */
    apr_array_header_t *servers;      /* amx_seed_server, document order */
    apr_array_header_t *ldapservers;  /* amx_ldapserver, ids as given */
    const char *path;
} amx_seed_provider;

/* Reads one document (an object) or several (an array of objects). Returns
 * NULL with *OUT an array of amx_seed_provider, or a message that names the
 * key and its position, e.g. "[1].servers[0].type: unknown server type
 * \"imapx\"". Checks everything that needs no database: types, ranges,
 * column sizes, mandatory keys, a domain given twice, a mail server at
 * all, ldapserver_id against the document's own ldapservers (the others
 * are returned for the caller to look up: amx_seed_external_ldap). */
const char *amx_seed_parse(apr_pool_t *p, const char *json, apr_size_t len,
                           apr_array_header_t **out);

/* A pool cleanup that releases a jansson object (json_decref). */
apr_status_t amx_seed_json_cleanup(void *json);

/* 1 when ID is one of the document's ldapservers for PROV. */
int amx_seed_has_ldap(const amx_seed_provider *prov, long id);

/* DOMAIN as stored: lower case, no trailing dot. NULL with *OUT set, or
 * why it is no domain name. */
const char *amx_seed_domain_name(apr_pool_t *p, const char *domain, const char **out);

/* For the provisioning API: one object by the same rules and defaults as
 * in a seed document (a provider's name under "name", a server without
 * "domains", an LDAP server without "id"). NULL with the result set, or
 * the reason, with *FIELD the key at fault (NULL: the object itself). */
const char *amx_seed_check_provider(apr_pool_t *p, json_t *obj, const char **name,
                                    const char **short_name, const char **field);
const char *amx_seed_check_server(apr_pool_t *p, json_t *obj, amx_seed_server *out,
                                  const char **field);
const char *amx_seed_check_ldapserver(apr_pool_t *p, json_t *obj, amx_ldapserver *out,
                                      const char **field);

#endif
