/* Interpretation of the free-text columns of the automx2 schema. */
#include <strings.h>

#include "amx_model.h"

amx_server_type amx_server_type_parse(const char *s)
{
    if (s == NULL)
        return AMX_SERVER_UNKNOWN;
    if (strcasecmp(s, "imap") == 0)
        return AMX_SERVER_IMAP;
    if (strcasecmp(s, "pop") == 0 || strcasecmp(s, "pop3") == 0)
        return AMX_SERVER_POP;
    if (strcasecmp(s, "smtp") == 0)
        return AMX_SERVER_SMTP;
    return AMX_SERVER_UNKNOWN;
}

amx_socket_type amx_socket_type_parse(const char *s)
{
    if (s == NULL)
        return AMX_SOCKET_UNKNOWN;
    /* The automua fork writes TLS for implicit TLS. */
    if (strcasecmp(s, "SSL") == 0 || strcasecmp(s, "TLS") == 0)
        return AMX_SOCKET_SSL;
    if (strcasecmp(s, "STARTTLS") == 0)
        return AMX_SOCKET_STARTTLS;
    if (strcasecmp(s, "plain") == 0)
        return AMX_SOCKET_PLAIN;
    return AMX_SOCKET_UNKNOWN;
}

amx_dav_type amx_dav_type_parse(const char *s)
{
    if (s == NULL)
        return AMX_DAV_UNKNOWN;
    if (strcasecmp(s, "caldav") == 0)
        return AMX_DAV_CALDAV;
    if (strcasecmp(s, "carddav") == 0)
        return AMX_DAV_CARDDAV;
    return AMX_DAV_UNKNOWN;
}

const char *amx_socket_type_name(amx_socket_type t)
{
    switch (t) {
    case AMX_SOCKET_PLAIN:
        return "plain";
    case AMX_SOCKET_SSL:
        return "SSL";
    case AMX_SOCKET_STARTTLS:
        return "STARTTLS";
    default:
        return NULL;
    }
}

int amx_bool_parse(const char *s, int *value)
{
    static const char *const yes[] = { "1", "t", "true", "y", "yes", "on" };
    static const char *const no[] = { "0", "f", "false", "n", "no", "off" };
    unsigned i;

    if (s == NULL)
        return -1;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *value = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *value = 0;
            return 0;
        }
    }
    return -1;
}

int amx_data_error_set(amx_data_error *err, const char *table, long id,
                       const char *column, const char *value)
{
    err->table = table;
    err->id = id;
    err->column = column;
    err->value = value;
    return -1;
}

int amx_domain_check(const amx_domain_data *d, amx_data_error *err)
{
    int i;

    for (i = 0; i < d->servers->nelts; i++) {
        const amx_server *s = &APR_ARRAY_IDX(d->servers, i, amx_server);
        if (amx_server_type_parse(s->type) == AMX_SERVER_UNKNOWN)
            return amx_data_error_set(err, "server", s->id, "type", s->type);
        if (amx_socket_type_parse(s->socket_type) == AMX_SOCKET_UNKNOWN)
            return amx_data_error_set(err, "server", s->id, "socket_type", s->socket_type);
    }
    for (i = 0; i < d->davservers->nelts; i++) {
        const amx_davserver *s = &APR_ARRAY_IDX(d->davservers, i, amx_davserver);
        if (amx_dav_type_parse(s->type) == AMX_DAV_UNKNOWN)
            return amx_data_error_set(err, "davserver", s->id, "type", s->type);
    }
    return 0;
}

#define FIND(table, id, column, value) \
    do { \
        if ((value) && bad(value)) { \
            amx_data_error_set(err, table, id, column, value); \
            return 1; \
        } \
    } while (0)

int amx_domain_find(const amx_domain_data *d, int (*bad)(const char *s),
                    amx_data_error *err)
{
    int i;

    FIND("domain", d->id, "name", d->name);
    FIND("provider", d->provider_id, "name", d->provider_name);
    FIND("provider", d->provider_id, "short_name", d->provider_short_name);
    for (i = 0; d->provider_domains && i < d->provider_domains->nelts; i++)
        FIND("provider", d->provider_id, "name of one of its domains",
             APR_ARRAY_IDX(d->provider_domains, i, const char *));
    for (i = 0; i < d->servers->nelts; i++) {
        const amx_server *s = &APR_ARRAY_IDX(d->servers, i, amx_server);
        FIND("server", s->id, "name", s->name);
        FIND("server", s->id, "user_name", s->user_name);
    }
    for (i = 0; i < d->davservers->nelts; i++) {
        const amx_davserver *v = &APR_ARRAY_IDX(d->davservers, i, amx_davserver);
        FIND("davserver", v->id, "url", v->url);
        FIND("davserver", v->id, "user_name", v->user_name);
    }
    return 0;
}
