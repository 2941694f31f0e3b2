/*
 * The account data of one mail domain, as read from the database, and the
 * vocabulary used to interpret its free-text columns. Pure data: no httpd.
 */
#ifndef AMX_MODEL_H
#define AMX_MODEL_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
    AMX_SERVER_UNKNOWN = 0,
    AMX_SERVER_IMAP,
    AMX_SERVER_POP,
    AMX_SERVER_SMTP
} amx_server_type;

typedef enum {
    AMX_SOCKET_UNKNOWN = 0,
    AMX_SOCKET_PLAIN,
    AMX_SOCKET_SSL,
    AMX_SOCKET_STARTTLS
} amx_socket_type;

typedef enum {
    AMX_DAV_UNKNOWN = 0,
    AMX_DAV_CALDAV,
    AMX_DAV_CARDDAV
} amx_dav_type;

/* One row of `server`; strings exactly as stored. */
typedef struct {
    long id;
    int prio;
    const char *name;
    int port;
    const char *type;
    const char *socket_type;
    const char *user_name;
    const char *authentication;
} amx_server;

/* One row of `davserver`. */
typedef struct {
    long id;
    const char *url;
    int port;                 /* 0: take it from the URL */
    const char *type;
    int use_ssl;
    int domain_required;
    const char *user_name;    /* NULL when the column is NULL */
} amx_davserver;

/* One row of `ldapserver`. */
typedef struct {
    long id;
    const char *name;
    int port;
    int use_ssl;
    const char *search_base;
    const char *search_filter;
    const char *attr_uid;
    const char *attr_cn;       /* may be NULL */
    const char *bind_password; /* may be NULL; never logged */
    const char *bind_user;     /* may be NULL */
} amx_ldapserver;

/* Everything a reply for one domain needs. */
typedef struct {
    long id;
    const char *name;
    long provider_id;
    const char *provider_name;
    const char *provider_short_name;
    apr_array_header_t *provider_domains; /* const char *, by domain id */
    apr_array_header_t *servers;          /* amx_server, by prio then id */
    apr_array_header_t *davservers;       /* amx_davserver, by id */
    amx_ldapserver *ldap;                 /* NULL: no LDAP for this domain */
} amx_domain_data;

/* What a directory said about the requesting user; both NULL without LDAP. */
typedef struct {
    const char *uid;
    const char *cn;
} amx_identity;

/* A value in the database that the module cannot turn into a reply. */
typedef struct {
    const char *table;
    long id;
    const char *column;
    const char *value;
} amx_data_error;

amx_server_type amx_server_type_parse(const char *s);
amx_socket_type amx_socket_type_parse(const char *s);
amx_dav_type amx_dav_type_parse(const char *s);

/* The spelling Thunderbird accepts: plain, SSL, STARTTLS. */
const char *amx_socket_type_name(amx_socket_type t);

/* Booleans arrive as 1/0, t/f, true/false, y/n, yes/no, on/off. Returns
 * 0 on success, -1 when S is none of these. */
int amx_bool_parse(const char *s, int *value);

/* Checks type and socket_type of every mail server (and the type of every
 * DAV server) so that a reply is refused before its first byte is sent.
 * Returns 0, or -1 with ERR naming the offending row. */
int amx_domain_check(const amx_domain_data *d, amx_data_error *err);

/* ERR filled in with the row and value at fault; returns -1. */
int amx_data_error_set(amx_data_error *err, const char *table, long id,
                       const char *column, const char *value);

/* The first string of D that a reply writes as it is for which BAD says yes:
 * 1 with ERR naming its row, or 0. The replies use it to log a value
 * they had to alter (amx_xml_unwritable). */
int amx_domain_find(const amx_domain_data *d, int (*bad)(const char *s),
                    amx_data_error *err);

#endif
