/* The counters' arithmetic and their Prometheus and mod_status texts. */
#include <apr_strings.h>

#include "unit.h"
#include "amx_metrics_format.h"

static int codes[AMX_METRICS_STATUS_SLOTS];

static int has_line(const char *text, const char *line)
{
    const char *p = text;
    size_t n = strlen(line);
    while ((p = strstr(p, line)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return 1;
        p += n;
    }
    return 0;
}

static void test_buckets(void)
{
    amx_metrics_histogram h;
    memset(&h, 0, sizeof(h));
    amx_metrics_observe(&h, 0);        /* le 0.0001 */
    amx_metrics_observe(&h, 100);      /* le 0.0001: bounds are inclusive */
    amx_metrics_observe(&h, 101);      /* le 0.00025 */
    amx_metrics_observe(&h, 5000000);  /* le 5 */
    amx_metrics_observe(&h, 5000001);  /* +Inf */
    amx_metrics_observe(&h, -3);       /* a clock step back counts as 0 */
    CHECK(h.bucket[0] == 3);
    CHECK(h.bucket[1] == 1);
    CHECK(h.bucket[AMX_METRICS_BUCKETS - 1] == 1);
    CHECK(h.bucket[AMX_METRICS_BUCKETS] == 1);
    CHECK(h.count == 6);
    CHECK(h.sum_us == 0 + 100 + 101 + 5000000 + 5000001);
}

static void test_sum_and_prometheus(void)
{
    amx_metrics_slot *a = apr_pcalloc(unit_pool, sizeof(*a));
    amx_metrics_slot *b = apr_pcalloc(unit_pool, sizeof(*b));
    amx_metrics_slot *sum = apr_pcalloc(unit_pool, sizeof(*sum));
    const char *t;

    a->requests[AMX_EP_AUTOCONFIG][3] = 2;
    b->requests[AMX_EP_AUTOCONFIG][3] = 5;
    b->requests[AMX_EP_AUTODISCOVER_XML][7] = 1;
    b->requests[AMX_EP_SITE][9] = 4;      /* no status at index 9: not shown */
    a->cache_hits = 3;
    b->cache_misses = 1;
    amx_metrics_observe(&a->db, 300);
    amx_metrics_observe(&b->db, 1500000);
    amx_metrics_inc(&b->ldap[AMX_LDAP_NOT_FOUND]);
    amx_metrics_inc(&a->unavailable[AMX_CAUSE_DB_CONNECTION]);
    amx_metrics_inc(&b->unavailable[AMX_CAUSE_DB_CONNECTION]);
    amx_metrics_add(sum, a);
    amx_metrics_add(sum, b);
    CHECK(sum->requests[AMX_EP_AUTOCONFIG][3] == 7);
    CHECK(sum->db.count == 2);

    t = amx_metrics_prometheus(unit_pool, sum, codes);
    CHECK(has_line(t, "# HELP automx_requests_total Requests handled by mod_automx, "
                      "by endpoint and final HTTP status."));
    CHECK(has_line(t, "# TYPE automx_requests_total counter"));
    CHECK(has_line(t, "automx_requests_total{endpoint=\"autoconfig\",code=\"200\"} 7"));
    CHECK(has_line(t, "automx_requests_total{endpoint=\"autodiscover-xml\",code=\"503\"} 1"));
    CHECK(strstr(t, "endpoint=\"site\"") == NULL);
    CHECK(strstr(t, "endpoint=\"mobileconfig\"") == NULL);
    CHECK(has_line(t, "# TYPE automx_cache_hits_total counter"));
    CHECK(has_line(t, "automx_cache_hits_total 3"));
    CHECK(has_line(t, "automx_cache_misses_total 1"));
    CHECK(has_line(t, "automx_cache_stale_total 0"));
    CHECK(has_line(t, "automx_cache_checks_total 0"));
    CHECK(has_line(t, "# TYPE automx_db_query_duration_seconds histogram"));
    CHECK(has_line(t, "automx_db_query_duration_seconds_bucket{le=\"0.00025\"} 0"));
    CHECK(has_line(t, "automx_db_query_duration_seconds_bucket{le=\"0.0005\"} 1"));
    CHECK(has_line(t, "automx_db_query_duration_seconds_bucket{le=\"1\"} 1"));
    CHECK(has_line(t, "automx_db_query_duration_seconds_bucket{le=\"2.5\"} 2"));
    CHECK(has_line(t, "automx_db_query_duration_seconds_bucket{le=\"+Inf\"} 2"));
    CHECK(has_line(t, "automx_db_query_duration_seconds_sum 1.500300"));
    CHECK(has_line(t, "automx_db_query_duration_seconds_count 2"));
    CHECK(has_line(t, "automx_ldap_lookups_total{result=\"found\"} 0"));
    CHECK(has_line(t, "automx_ldap_lookups_total{result=\"not_found\"} 1"));
    CHECK(has_line(t, "automx_ldap_lookups_total{result=\"failed\"} 0"));
    CHECK(has_line(t, "automx_ldap_lookup_duration_seconds_count 0"));
    CHECK(has_line(t, "automx_ldap_lookup_duration_seconds_sum 0.000000"));
    CHECK(has_line(t, "automx_unavailable_total{cause=\"database_connection\"} 2"));
    CHECK(has_line(t, "automx_unavailable_total{cause=\"other\"} 0"));
    /* Every line is a comment or a sample; the text ends with a newline. */
    CHECK(t[strlen(t) - 1] == '\n');
    CHECK(strstr(t, "\n\n") == NULL);

    t = amx_metrics_status(unit_pool, sum, codes, 1);
    CHECK(has_line(t, "AutomxRequests: 12"));
    CHECK(has_line(t, "AutomxRequestsAutoconfig: 7"));
    CHECK(has_line(t, "AutomxRequestsSite: 4"));
    CHECK(has_line(t, "AutomxCacheHits: 3"));
    CHECK(has_line(t, "AutomxDBQueries: 2"));
    CHECK(has_line(t, "AutomxDBQuerySeconds: 1.500300"));
    CHECK(has_line(t, "AutomxLDAPNotFound: 1"));
    CHECK(has_line(t, "AutomxUnavailable: 2"));
    t = amx_metrics_status(unit_pool, sum, codes, 0);
    CHECK(strstr(t, "<h2>mod_automx</h2>") != NULL);
    CHECK(strstr(t, "<tr><td>autoconfig</td><td>200</td><td>7</td></tr>") != NULL);
    CHECK(strstr(t, "<tr><td>503 database_connection</td><td>2</td></tr>") != NULL);
}

void test_metrics(void)
{
    codes[3] = 200;
    codes[7] = 503;
    test_buckets();
    test_sum_and_prometheus();
    CHECK_STR(amx_metrics_endpoint_name(AMX_EP_AUTODISCOVER_JSON), "autodiscover-json");
    CHECK_STR(amx_metrics_cause_name(AMX_CAUSE_LDAP_SERVER), "ldap_server");
}
