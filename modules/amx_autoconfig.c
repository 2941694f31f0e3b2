/* Mozilla Autoconfig reply generator. */
#include "amx_autoconfig.h"
#include "amx_xml.h"

static int write_server(amx_xml *w, const amx_server *s,
                        const amx_identity *id)
{
    const char *element, *type;

    switch (amx_server_type_parse(s->type)) {
    case AMX_SERVER_IMAP:
        element = "incomingServer";
        type = "imap";
        break;
    case AMX_SERVER_POP:
        element = "incomingServer";
        type = "pop3";
        break;
    case AMX_SERVER_SMTP:
        element = "outgoingServer";
        type = "smtp";
        break;
    default:
        return -1; /* excluded by amx_domain_check() */
    }
    if (amx_xml_start(w, element) < 0
        || amx_xml_attribute(w, "type", type) < 0
        || amx_xml_element(w, "hostname", s->name) < 0
        || amx_xml_element_int(w, "port", s->port) < 0
        || amx_xml_element(w, "socketType",
                           amx_socket_type_name(amx_socket_type_parse(s->socket_type))) < 0
        || amx_xml_element(w, "username",
                           (id && id->uid) ? id->uid : s->user_name) < 0
        || amx_xml_element(w, "authentication", s->authentication) < 0
        || amx_xml_end(w) < 0)
        return -1;
    return 0;
}

int amx_autoconfig_write(amx_xml *w, const amx_domain_data *d,
                         const amx_identity *id)
{
    /* The provider's first domain names it, as in Mozilla's ISPDB. */
    const char *provider_id = d->provider_domains->nelts
        ? APR_ARRAY_IDX(d->provider_domains, 0, const char *) : d->name;
    int i;

    if (amx_xml_start(w, "clientConfig") < 0
        || amx_xml_attribute(w, "version", "1.1") < 0
        || amx_xml_start(w, "emailProvider") < 0
        || amx_xml_attribute(w, "id", provider_id) < 0
        || amx_xml_element(w, "identity", NULL) < 0)
        return -1;
    for (i = 0; i < d->provider_domains->nelts; i++) {
        if (amx_xml_element(w, "domain",
                            APR_ARRAY_IDX(d->provider_domains, i, const char *)) < 0)
            return -1;
    }
    if (amx_xml_element(w, "displayName", d->provider_name) < 0
        || amx_xml_element(w, "displayShortName", d->provider_short_name) < 0)
        return -1;
    for (i = 0; i < d->servers->nelts; i++) {
        if (write_server(w, &APR_ARRAY_IDX(d->servers, i, amx_server), id) < 0)
            return -1;
    }
    if (amx_xml_end(w) < 0 || amx_xml_end(w) < 0)
        return -1;
    return 0;
}
