/*
 * Microsoft Autodiscover (POX): the request reader and the reply writers.
 * Pure: libxml2 and APR, no httpd.
 */
#ifndef AMX_AUTODISCOVER_H
#define AMX_AUTODISCOVER_H

#include <apr_pools.h>

#include "amx_address.h"
#include "amx_model.h"
#include "amx_xml.h"

#define AMX_AD_REQUEST_NS \
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
#define AMX_AD_RESPONSE_NS \
    "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
#define AMX_AD_OUTLOOK_NS \
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
#define AMX_AD_MOBILESYNC_NS \
    "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"

typedef enum {
    AMX_AD_OK = 0,
    AMX_AD_EMPTY,         /* no bytes at all */
    AMX_AD_MALFORMED,     /* not well-formed XML (or nested too deep) */
    AMX_AD_DTD,           /* a DOCTYPE: how entity bombs and XXE arrive */
    AMX_AD_NAMESPACE,     /* not Autodiscover/Request in the request namespace */
    AMX_AD_NO_ADDRESS,    /* no EMailAddress */
    AMX_AD_REPEATED       /* Request, EMailAddress or AcceptableResponseSchema twice */
} amx_ad_status;

typedef enum {
    AMX_AD_SCHEMA_OUTLOOK = 0,  /* 2006a, or none given */
    AMX_AD_SCHEMA_MOBILESYNC,   /* ActiveSync: the module offers none */
    AMX_AD_SCHEMA_OTHER
} amx_ad_schema;

typedef struct {
    const char *address;     /* EMailAddress, surrounding white space removed */
    apr_size_t address_len;  /* it may contain NUL bytes: check them */
    const char *schema;      /* AcceptableResponseSchema or NULL */
    amx_ad_schema schema_kind;
    const char *reason;      /* for the log when the status is not OK */
} amx_ad_request;

typedef struct amx_ad_reader amx_ad_reader;

/* A push parser with every network and entity feature off; freed with P. */
amx_ad_reader *amx_ad_reader_create(apr_pool_t *p);

/* Feeds LEN more bytes. Returns 0, or -1 once the document is known bad
 * (further bytes are then ignored). */
int amx_ad_reader_feed(amx_ad_reader *rd, const char *buf, apr_size_t len);

/* Ends the document and reads the request out of it. */
amx_ad_status amx_ad_reader_finish(amx_ad_reader *rd, amx_ad_request *out);

/* All of it at once (unit tests, fuzzers). */
amx_ad_status amx_ad_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                           amx_ad_request *out);

const char *amx_ad_strerror(amx_ad_status st);

/* The Outlook reply for D: every database string with its placeholders
 * expanded for ADDR, ID->uid as every login name when set, ID->cn as the
 * display name. D must have passed amx_domain_check(). 0 or -1. */
int amx_autodiscover_write(amx_xml *w, apr_pool_t *p, const amx_domain_data *d,
                           const amx_identity *id, const amx_address *addr);

/* The reply to an ActiveSync client: an error in its own schema that tells
 * it to look elsewhere, since the module configures IMAP, POP and SMTP. */
int amx_autodiscover_write_mobilesync_error(amx_xml *w, const char *address);

#endif
