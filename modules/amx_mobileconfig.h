/*
 * Apple configuration profiles (Mobileconfig). Pure: libxml2, APR and
 * APR-util, no httpd.
 */
#ifndef AMX_MOBILECONFIG_H
#define AMX_MOBILECONFIG_H

#include <apr_pools.h>

#include "amx_address.h"
#include "amx_model.h"
#include "amx_xml.h"

/* The servers one mail account payload can hold. */
typedef struct {
    const amx_server *incoming;   /* IMAP before POP */
    const amx_server *outgoing;   /* SMTP */
} amx_mc_servers;

/* Picks the incoming and the outgoing server of D: IMAP before POP; of one
 * type the first by prio, but an encrypted (SSL/STARTTLS) one before an
 * unencrypted one. Returns NULL, or why no profile can be made. */
const char *amx_mc_choose(const amx_domain_data *d, amx_mc_servers *out);

/* EmailAuthPassword, EmailAuthNone, EmailAuthNTLM; NULL for a value with no
 * Apple equivalent. */
const char *amx_mc_authentication(const char *db_value);

/* A name-based (version 5, SHA-1) UUID for ADDRESS and ROLE: the same
 * profile downloaded again replaces the installed one. */
const char *amx_mc_uuid(apr_pool_t *p, const char *address, const char *role);

typedef struct {
    const amx_address *addr;
    const char *account_name;   /* LDAP cn, else the name parameter; may be NULL */
    const char *password;       /* NULL unless passwords are allowed and given */
    const amx_identity *id;
    /* NULL, or for a template (amx_template.h): each UUID written as slot
     * N, and the name it is made from (amx_mc_uuid's ROLE) appended here
     * as string N. */
    apr_array_header_t *uuid_names;
} amx_mc_request;

/* 1 when D's profile can be a template: no DAV URL with a placeholder
 * (its host, port and the UUID's name are taken from the expanded URL). */
int amx_mc_templatable(apr_pool_t *p, const amx_domain_data *d);

/* Writes the whole plist. D must have passed amx_domain_check(), SERVERS
 * amx_mc_choose() and both servers' authentication amx_mc_authentication().
 * Returns 0 or -1. */
int amx_mobileconfig_write(amx_xml *w, apr_pool_t *p, const amx_domain_data *d,
                           const amx_mc_servers *servers, const amx_mc_request *req);

/* DOMAIN reduced to characters safe in a Content-Disposition file name;
 * an internationalised one in A-labels. */
const char *amx_mc_filename(apr_pool_t *p, const char *domain);

#endif
