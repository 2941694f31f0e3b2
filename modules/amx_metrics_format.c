/*
 * Counters, their sums, and their renderings for Prometheus and mod_status.
 */
#include <stdarg.h>

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "amx_metrics_format.h"

/* From 100 us (a cached SQLite row) to 5 s (an LDAP timeout). */
const apr_uint64_t amx_metrics_bucket_us[AMX_METRICS_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
    250000, 500000, 1000000, 2500000, 5000000
};
/* The same bounds as Prometheus' "le" labels, written out so that no
 * floating-point formatting decides what they look like. */
static const char *const bucket_le[AMX_METRICS_BUCKETS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
    "0.1", "0.25", "0.5", "1", "2.5", "5"
};

static const char *const endpoint_names[AMX_EP_COUNT] = {
    "autoconfig", "autodiscover-xml", "autodiscover-json", "mobileconfig", "site",
    "initdb", "pacc", "none"
};
/* mod_status's ?auto keys are one word each. */
static const char *const endpoint_keys[AMX_EP_COUNT] = {
    "Autoconfig", "AutodiscoverXML", "AutodiscoverJSON", "Mobileconfig", "Site",
    "Initdb", "PACC", "NoEndpoint"
};
static const char *const cause_names[AMX_CAUSES] = {
    "database_connection", "database_query", "database_data", "ldap_module",
    "ldap_connection", "ldap_server", "other"
};
static const char *const ldap_names[AMX_LDAP_RESULTS] = { "found", "not_found", "failed" };
static const char *const ldap_keys[AMX_LDAP_RESULTS] = { "Found", "NotFound", "Failed" };

const char *amx_metrics_endpoint_name(amx_endpoint e)
{
    return e < AMX_EP_COUNT ? endpoint_names[e] : "none";
}

const char *amx_metrics_cause_name(amx_cause c)
{
    return c < AMX_CAUSES ? cause_names[c] : "other";
}

/* Relaxed ordering is not available through APR; its full barrier costs a
 * few cycles more and takes no lock. */
void amx_metrics_inc(volatile apr_uint64_t *counter)
{
    apr_atomic_inc64(counter);
}

void amx_metrics_observe(volatile amx_metrics_histogram *h, apr_interval_time_t elapsed)
{
    apr_uint64_t us = elapsed > 0 ? (apr_uint64_t)elapsed : 0;
    int i = 0;

    while (i < AMX_METRICS_BUCKETS && us > amx_metrics_bucket_us[i])
        i++;
    apr_atomic_inc64(&h->bucket[i]);
    apr_atomic_add64(&h->sum_us, us);
    apr_atomic_inc64(&h->count);
}

static void add_histogram(amx_metrics_histogram *sum, volatile amx_metrics_histogram *h)
{
    int i;
    for (i = 0; i <= AMX_METRICS_BUCKETS; i++)
        sum->bucket[i] += apr_atomic_read64(&h->bucket[i]);
    sum->count += apr_atomic_read64(&h->count);
    sum->sum_us += apr_atomic_read64(&h->sum_us);
}

void amx_metrics_add(amx_metrics_slot *sum, volatile amx_metrics_slot *from)
{
    int e, c;

    for (e = 0; e < AMX_EP_COUNT; e++)
        for (c = 0; c < AMX_METRICS_STATUS_SLOTS; c++)
            sum->requests[e][c] += apr_atomic_read64(&from->requests[e][c]);
    sum->cache_hits += apr_atomic_read64(&from->cache_hits);
    sum->cache_misses += apr_atomic_read64(&from->cache_misses);
    sum->cache_stale += apr_atomic_read64(&from->cache_stale);
    sum->cache_checks += apr_atomic_read64(&from->cache_checks);
    add_histogram(&sum->db, &from->db);
    for (c = 0; c < AMX_LDAP_RESULTS; c++)
        sum->ldap[c] += apr_atomic_read64(&from->ldap[c]);
    add_histogram(&sum->ldap_latency, &from->ldap_latency);
    for (c = 0; c < AMX_CAUSES; c++)
        sum->unavailable[c] += apr_atomic_read64(&from->unavailable[c]);
}

/* ---- text ------------------------------------------------------------ */

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *parts;
} text;

static void put(text *t, const char *s)
{
    APR_ARRAY_PUSH(t->parts, const char *) = s;
}

static void putf(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put(t, apr_pvsprintf(t->p, fmt, ap));
    va_end(ap);
}

static const char *done(text *t)
{
    return apr_array_pstrcat(t->p, t->parts, 0);
}

/* Microseconds as decimal seconds, exactly. */
static const char *seconds(apr_pool_t *p, apr_uint64_t us)
{
    return apr_psprintf(p, "%" APR_UINT64_T_FMT ".%06" APR_UINT64_T_FMT,
                        us / 1000000, us % 1000000);
}

static void family(text *t, const char *name, const char *type, const char *help)
{
    putf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(text *t, const char *name, const char *help, apr_uint64_t v)
{
    family(t, name, "counter", help);
    putf(t, "%s %" APR_UINT64_T_FMT "\n", name, v);
}

static void histogram(text *t, const char *name, const char *help,
                      const amx_metrics_histogram *h)
{
    apr_uint64_t cumulative = 0;
    int i;

    family(t, name, "histogram", help);
    for (i = 0; i <= AMX_METRICS_BUCKETS; i++) {
        cumulative += h->bucket[i];
        putf(t, "%s_bucket{le=\"%s\"} %" APR_UINT64_T_FMT "\n", name,
             i < AMX_METRICS_BUCKETS ? bucket_le[i] : "+Inf", cumulative);
    }
    putf(t, "%s_sum %s\n", name, seconds(t->p, h->sum_us));
    putf(t, "%s_count %" APR_UINT64_T_FMT "\n", name, h->count);
}

const char *amx_metrics_prometheus(apr_pool_t *p, const amx_metrics_slot *sum,
                                   const int *codes)
{
    text t = { p, apr_array_make(p, 128, sizeof(const char *)) };
    int e, c;

    family(&t, "automx_requests_total", "counter",
           "Requests handled by mod_automx, by endpoint and final HTTP status.");
    /* Only the pairs that happened: six endpoints by every status httpd
     * knows would be hundreds of zeros. */
    for (e = 0; e < AMX_EP_COUNT; e++)
        for (c = 0; c < AMX_METRICS_STATUS_SLOTS; c++)
            if (sum->requests[e][c] && codes[c])
                putf(&t, "automx_requests_total{endpoint=\"%s\",code=\"%d\"} %"
                     APR_UINT64_T_FMT "\n", endpoint_names[e], codes[c], sum->requests[e][c]);
    counter(&t, "automx_cache_hits_total",
            "Domain lookups answered from a process's cache.", sum->cache_hits);
    counter(&t, "automx_cache_misses_total",
            "Domain lookups the cache did not hold, so the database was asked.",
            sum->cache_misses);
    counter(&t, "automx_cache_stale_total",
            "Replies built from cached data while the database failed.", sum->cache_stale);
    counter(&t, "automx_cache_checks_total",
            "Reads of the database's change counter.", sum->cache_checks);
    histogram(&t, "automx_db_query_duration_seconds",
              "Time of each database statement, a retry after a reconnection included.",
              &sum->db);
    family(&t, "automx_ldap_lookups_total", "counter",
           "Directory lookups of a login name, by result.");
    for (c = 0; c < AMX_LDAP_RESULTS; c++)
        putf(&t, "automx_ldap_lookups_total{result=\"%s\"} %" APR_UINT64_T_FMT "\n",
             ldap_names[c], sum->ldap[c]);
    histogram(&t, "automx_ldap_lookup_duration_seconds",
              "Time of each directory lookup, connecting included.", &sum->ldap_latency);
    family(&t, "automx_unavailable_total", "counter",
           "Replies with status 503, by cause.");
    for (c = 0; c < AMX_CAUSES; c++)
        putf(&t, "automx_unavailable_total{cause=\"%s\"} %" APR_UINT64_T_FMT "\n",
             cause_names[c], sum->unavailable[c]);
    return done(&t);
}

static apr_uint64_t endpoint_total(const amx_metrics_slot *sum, int e)
{
    apr_uint64_t n = 0;
    int c;
    for (c = 0; c < AMX_METRICS_STATUS_SLOTS; c++)
        n += sum->requests[e][c];
    return n;
}

static apr_uint64_t total(const apr_uint64_t *v, int n)
{
    apr_uint64_t s = 0;
    while (n-- > 0)
        s += v[n];
    return s;
}

static const char *short_status(text *t, const amx_metrics_slot *sum)
{
    apr_uint64_t all = 0;
    int e, c;

    for (e = 0; e < AMX_EP_COUNT; e++)
        all += endpoint_total(sum, e);
    putf(t, "AutomxRequests: %" APR_UINT64_T_FMT "\n", all);
    for (e = 0; e < AMX_EP_COUNT; e++)
        putf(t, "AutomxRequests%s: %" APR_UINT64_T_FMT "\n", endpoint_keys[e],
             endpoint_total(sum, e));
    putf(t, "AutomxCacheHits: %" APR_UINT64_T_FMT "\n", sum->cache_hits);
    putf(t, "AutomxCacheMisses: %" APR_UINT64_T_FMT "\n", sum->cache_misses);
    putf(t, "AutomxCacheStale: %" APR_UINT64_T_FMT "\n", sum->cache_stale);
    putf(t, "AutomxCacheChecks: %" APR_UINT64_T_FMT "\n", sum->cache_checks);
    putf(t, "AutomxDBQueries: %" APR_UINT64_T_FMT "\n", sum->db.count);
    putf(t, "AutomxDBQuerySeconds: %s\n", seconds(t->p, sum->db.sum_us));
    for (c = 0; c < AMX_LDAP_RESULTS; c++)
        putf(t, "AutomxLDAP%s: %" APR_UINT64_T_FMT "\n", ldap_keys[c], sum->ldap[c]);
    putf(t, "AutomxLDAPSeconds: %s\n", seconds(t->p, sum->ldap_latency.sum_us));
    putf(t, "AutomxUnavailable: %" APR_UINT64_T_FMT "\n",
         total(sum->unavailable, AMX_CAUSES));
    return done(t);
}

static void row(text *t, const char *name, const char *value)
{
    putf(t, "<tr><td>%s</td><td>%s</td></tr>\n", name, value);
}

static const char *u64(apr_pool_t *p, apr_uint64_t v)
{
    return apr_psprintf(p, "%" APR_UINT64_T_FMT, v);
}

const char *amx_metrics_status(apr_pool_t *p, const amx_metrics_slot *sum,
                               const int *codes, int short_form)
{
    text t = { p, apr_array_make(p, 64, sizeof(const char *)) };
    int e, c;

    if (short_form)
        return short_status(&t, sum);
    put(&t, "<hr />\n<h2>mod_automx</h2>\n<table border=\"0\">\n"
            "<tr><th>endpoint</th><th>status</th><th>requests</th></tr>\n");
    for (e = 0; e < AMX_EP_COUNT; e++)
        for (c = 0; c < AMX_METRICS_STATUS_SLOTS; c++)
            if (sum->requests[e][c] && codes[c])
                putf(&t, "<tr><td>%s</td><td>%d</td><td>%" APR_UINT64_T_FMT "</td></tr>\n",
                     endpoint_names[e], codes[c], sum->requests[e][c]);
    put(&t, "</table>\n<table border=\"0\">\n");
    row(&t, "cache hits", u64(p, sum->cache_hits));
    row(&t, "cache misses", u64(p, sum->cache_misses));
    row(&t, "stale replies", u64(p, sum->cache_stale));
    row(&t, "change-counter checks", u64(p, sum->cache_checks));
    row(&t, "database statements", u64(p, sum->db.count));
    row(&t, "database seconds", seconds(p, sum->db.sum_us));
    for (c = 0; c < AMX_LDAP_RESULTS; c++)
        row(&t, apr_pstrcat(p, "LDAP ", ldap_names[c], NULL), u64(p, sum->ldap[c]));
    row(&t, "LDAP seconds", seconds(p, sum->ldap_latency.sum_us));
    for (c = 0; c < AMX_CAUSES; c++)
        row(&t, apr_pstrcat(p, "503 ", cause_names[c], NULL), u64(p, sum->unavailable[c]));
    put(&t, "</table>\n");
    return done(&t);
}
