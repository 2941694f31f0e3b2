/*
 * The module's counters and their two renderings: Prometheus' text
 * exposition format (version 0.0.4) and mod_status's section. One
 * amx_metrics_slot per httpd process lives in shared memory; the figures
 * shown are the sum over all slots. Needs APR only.
 */
#ifndef AMX_METRICS_FORMAT_H
#define AMX_METRICS_FORMAT_H

#include <apr_pools.h>
#include <apr_time.h>

/* What a request asked for. AMX_EP_NONE: handler automx had no endpoint
 * at the path (404). */
typedef enum {
    AMX_EP_AUTOCONFIG,
    AMX_EP_AUTODISCOVER_XML,
    AMX_EP_AUTODISCOVER_JSON,
    AMX_EP_MOBILECONFIG,
    AMX_EP_SITE,
    AMX_EP_INITDB,
    AMX_EP_PACC,
    AMX_EP_NONE,
    AMX_EP_COUNT
} amx_endpoint;

typedef enum {
    AMX_LDAP_FOUND,
    AMX_LDAP_NOT_FOUND,
    AMX_LDAP_FAILED,
    AMX_LDAP_RESULTS
} amx_ldap_result;

/* Why a reply was 503. */
typedef enum {
    AMX_CAUSE_DB_CONNECTION,  /* mod_dbd gave no connection */
    AMX_CAUSE_DB_QUERY,       /* a statement failed */
    AMX_CAUSE_DB_DATA,        /* a domain names an ldapserver row that is missing */
    AMX_CAUSE_LDAP_MODULE,    /* a domain has an LDAP server, mod_ldap is not loaded */
    AMX_CAUSE_LDAP_CONNECTION,/* no connection to the directory */
    AMX_CAUSE_LDAP_SERVER,    /* the directory refused the bind or the search */
    AMX_CAUSE_OTHER,          /* a 503 no unit of the module decided */
    AMX_CAUSES
} amx_cause;

/* Status codes are counted by httpd's own index of them
 * (ap_index_of_response), which has fewer entries than this. */
#define AMX_METRICS_STATUS_SLOTS 128

/* Upper bounds of the latency buckets, in microseconds; +Inf follows. */
#define AMX_METRICS_BUCKETS 15
extern const apr_uint64_t amx_metrics_bucket_us[AMX_METRICS_BUCKETS];

typedef struct {
    apr_uint64_t bucket[AMX_METRICS_BUCKETS + 1];  /* per bucket, not cumulative */
    apr_uint64_t count;
    apr_uint64_t sum_us;
} amx_metrics_histogram;

typedef struct {
    apr_uint64_t requests[AMX_EP_COUNT][AMX_METRICS_STATUS_SLOTS];
    apr_uint64_t cache_hits;
    apr_uint64_t cache_misses;
    apr_uint64_t cache_stale;
    apr_uint64_t cache_checks;
    amx_metrics_histogram db;
    apr_uint64_t ldap[AMX_LDAP_RESULTS];
    amx_metrics_histogram ldap_latency;
    apr_uint64_t unavailable[AMX_CAUSES];
} amx_metrics_slot;

/* Lock-free updates of a slot that other threads update at the same time. */
void amx_metrics_inc(volatile apr_uint64_t *counter);
void amx_metrics_observe(volatile amx_metrics_histogram *h, apr_interval_time_t elapsed);

/* Adds every counter of FROM (read atomically: FROM is being updated) to SUM. */
void amx_metrics_add(amx_metrics_slot *sum, volatile amx_metrics_slot *from);

/* CODES[i] is the HTTP status counted at index i of requests[][i], 0 for
 * an unused index. */

/* The Prometheus text exposition of SUM, a string in P. */
const char *amx_metrics_prometheus(apr_pool_t *p, const amx_metrics_slot *sum,
                                   const int *codes);

/* mod_status's section: an HTML fragment, or with SHORT the "Key: value"
 * lines of server-status?auto. */
const char *amx_metrics_status(apr_pool_t *p, const amx_metrics_slot *sum,
                               const int *codes, int short_form);

const char *amx_metrics_endpoint_name(amx_endpoint e);
const char *amx_metrics_cause_name(amx_cause c);

#endif
