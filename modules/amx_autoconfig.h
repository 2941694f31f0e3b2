/*
 * Mozilla Autoconfig (clientConfig version 1.1, with the calendar and
 * address book sections of draft-ietf-mailmaint-autoconfig). Pure: no httpd.
 *
 * A reply is made in two steps so that every data error is found before
 * the first byte is sent: amx_autoconfig_prepare() checks the domain's
 * rows and turns them into what the document says, amx_autoconfig_write()
 * only writes.
 */
#ifndef AMX_AUTOCONFIG_H
#define AMX_AUTOCONFIG_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "amx_model.h"
#include "amx_xml.h"

/* One incomingServer/outgoingServer, values as they are written. */
typedef struct {
    const char *element;        /* incomingServer or outgoingServer */
    const char *type;           /* imap, pop3, smtp */
    const char *hostname;
    int port;
    const char *socket_type;    /* plain, SSL, STARTTLS */
    const char *username;
    const char *authentication; /* the draft's spelling */
} amx_ac_server;

/* One calendar/addressbook section. */
typedef struct {
    const char *element;        /* calendar or addressbook */
    const char *type;           /* caldav or carddav */
    const char *url;
    const char *username;       /* NULL: no username element */
} amx_ac_dav;

typedef struct {
    const char *provider_id;    /* a valid host name where one exists */
    apr_array_header_t *domains; /* const char * */
    const char *display_name;
    const char *display_short_name;
    apr_array_header_t *servers; /* amx_ac_server: incoming, then outgoing */
    apr_array_header_t *dav;     /* amx_ac_dav */
} amx_autoconfig_doc;

/* The draft's spelling of an automx2 authentication value, matched
 * case-insensitively: plain -> password-cleartext, secure/encrypted ->
 * password-encrypted, the draft's own values as the draft spells them.
 * NULL for anything else. */
const char *amx_ac_authentication(const char *value);

/* 1 when S is a host name as Thunderbird checks it: dot-separated labels
 * of letters, digits and inner hyphens, 1..63 octets each, at most 255 in
 * all, an optional trailing dot. */
int amx_ac_hostname_valid(const char *s);

/* The URL of a DAV server as Autoconfig writes it: the URL is all a client
 * gets there, so the davserver's PORT, when above 0, is written into it
 * (as Mobileconfig's port key takes it before the URL's); the stored URL
 * when it already says so, when PORT is the scheme's default and the URL
 * names none, or when it is no absolute URL. */
const char *amx_ac_dav_url(apr_pool_t *p, const char *url, int port);

/* Checks D (amx_domain_check() and the Autoconfig rules: authentication,
 * host name, port 1..65535, user name, DAV URL) and builds the document
 * in P. Values lose surrounding white space. A plain server is left out
 * when the domain has an encrypted one of the same protocol. Returns 0,
 * or -1 with ERR naming the offending row. */
int amx_autoconfig_prepare(apr_pool_t *p, const amx_domain_data *d,
                           amx_autoconfig_doc **doc, amx_data_error *err);

/* Writes DOC to W (which amx_xml_open started). Placeholders stay as they
 * are: the client replaces them. ID->uid, when set, replaces every
 * username. Returns 0, or -1 when the writer failed. */
int amx_autoconfig_write(amx_xml *w, const amx_autoconfig_doc *doc,
                         const amx_identity *id);

#endif
