/*
 * Counters in one shared-memory segment: a header, then one slot per
 * httpd process (ServerLimit of them). A child takes a slot in child_init
 * and updates it with atomic additions, so no update waits for a lock;
 * readers sum every slot. The segment is made once, in the parent's
 * process pool, and found again through ap_retained_data on every later
 * configuration pass: restarts, graceful or not, keep the figures, and
 * children of old and new generations write into the same memory. A slot
 * shared by two processes (a child replacing one that is still finishing
 * its requests) stays correct, since every update is atomic.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "ap_mpm.h"
#include "apr_atomic.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "mod_status.h"

#include "amx_metrics.h"
#include "amx_request.h"

APLOG_USE_MODULE(automx);

#define RETAINED_KEY "mod_automx-metrics"

typedef struct {
    apr_uint32_t next_slot;   /* the slot the next child takes (modulo nslots) */
    apr_uint32_t nslots;
    char align[56];           /* slots start on their own cache line */
} metrics_header;

typedef struct {
    apr_shm_t *shm;           /* in the process pool: outlives every pconf */
} metrics_retained;

/* Per request: the endpoint and, for a 503, its cause. */
typedef struct {
    int endpoint;             /* amx_endpoint, -1 unknown */
    int cause;                /* amx_cause, -1 none */
} metrics_note;

static int metrics_on = 1;                  /* AutomxMetrics */
static metrics_header *header;              /* NULL: off */
static amx_metrics_slot *slots;
static volatile amx_metrics_slot *my_slot;  /* this process's */
static int codes[AMX_METRICS_STATUS_SLOTS]; /* status of each index */

const char *amx_metrics_set_enabled(cmd_parms *cmd, void *dummy, int on)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err)
        return err;
    metrics_on = on;
    return NULL;
}

/* ---- counting ---------------------------------------------------------- */

static metrics_note *note_of(request_rec *r)
{
    amx_request_note *rn = amx_request_note_of(r, &automx_module, 1);
    metrics_note *n = rn->metrics;
    if (n == NULL) {
        n = apr_palloc(r->pool, sizeof(*n));
        n->endpoint = -1;
        n->cause = -1;
        rn->metrics = n;
    }
    return n;
}

void amx_metrics_route(request_rec *r, amx_endpoint e)
{
    if (my_slot != NULL)
        note_of(r)->endpoint = e;
}

void amx_metrics_unavailable(request_rec *r, amx_cause cause)
{
    if (my_slot)
        note_of(r)->cause = cause;
}

void amx_metrics_cache(int hit)
{
    if (my_slot)
        amx_metrics_inc(hit ? &my_slot->cache_hits : &my_slot->cache_misses);
}

void amx_metrics_cache_stale(void)
{
    if (my_slot)
        amx_metrics_inc(&my_slot->cache_stale);
}

void amx_metrics_cache_check(void)
{
    if (my_slot)
        amx_metrics_inc(&my_slot->cache_checks);
}

apr_time_t amx_metrics_now(void)
{
    return my_slot ? apr_time_now() : 0;
}

int amx_metrics_db(apr_time_t start, int rv)
{
    if (my_slot)
        amx_metrics_observe(&my_slot->db, apr_time_now() - start);
    return rv;
}

void amx_metrics_ldap(amx_ldap_result result, apr_time_t start)
{
    if (my_slot == NULL)
        return;
    amx_metrics_inc(&my_slot->ldap[result]);
    amx_metrics_observe(&my_slot->ldap_latency, apr_time_now() - start);
}

/* After the reply: the final status is what the client got, whichever
 * unit or filter set it. An internal redirect (an ErrorDocument, say)
 * continues in r->next, whose status mod_log_config's %>s shows too. */
static int metrics_log_transaction(request_rec *r)
{
    metrics_note *n = NULL;
    request_rec *last;

    if (my_slot == NULL)
        return DECLINED;
    for (last = r; ; last = last->next) {
        if (n == NULL) {
            amx_request_note *rn = amx_request_note_of(last, &automx_module, 0);
            n = rn ? rn->metrics : NULL;
        }
        if (last->next == NULL)
            break;
    }
    if (n == NULL)
        return DECLINED;
    if (n->endpoint >= 0)
        amx_metrics_inc(&my_slot->requests[n->endpoint][ap_index_of_response(last->status)]);
    if (last->status == HTTP_SERVICE_UNAVAILABLE)
        amx_metrics_inc(&my_slot->unavailable[n->cause >= 0 ? n->cause : AMX_CAUSE_OTHER]);
    return DECLINED;
}

/* ---- reading ----------------------------------------------------------- */

static amx_metrics_slot *sum_slots(apr_pool_t *p)
{
    amx_metrics_slot *sum = apr_pcalloc(p, sizeof(*sum));
    apr_uint32_t i;
    for (i = 0; i < header->nslots; i++)
        amx_metrics_add(sum, &slots[i]);
    return sum;
}

static int metrics_handler(request_rec *r)
{
    if (r->handler == NULL || strcmp(r->handler, "automx-metrics") != 0)
        return DECLINED;
    r->allowed |= (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_OPTIONS);
    if (r->method_number == M_OPTIONS) {
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD, OPTIONS");
        ap_set_content_length(r, 0);
        return OK;
    }
    if (r->method_number != M_GET) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01601: method %s not allowed for %s", r->method, r->uri);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (header == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "AMX01602: %s: no figures, the counters are off (AutomxMetrics Off)",
                      r->uri);
        return HTTP_NOT_FOUND;
    }
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    if (!r->header_only)
        ap_rputs(amx_metrics_prometheus(r->pool, sum_slots(r->pool), codes), r);
    return OK;
}

/* mod_status's hook: its section in server-status, or lines in ?auto. */
static int metrics_status_hook(request_rec *r, int flags)
{
    if (header)
        ap_rputs(amx_metrics_status(r->pool, sum_slots(r->pool), codes,
                                    flags & AP_STATUS_SHORT), r);
    return OK;
}

/* ---- start-up ---------------------------------------------------------- */

static int metrics_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    metrics_on = 1;  /* a restart reads the directive anew */
    header = NULL;
    slots = NULL;
    return OK;
}

/* The status each index of ap_index_of_response() stands for. */
static void fill_codes(void)
{
    int c;
    memset(codes, 0, sizeof(codes));
    for (c = 100; c < 600; c++) {
        int i = ap_index_of_response(c);
        const char *line = ap_get_status_line(c);
        if (i >= 0 && i < AMX_METRICS_STATUS_SLOTS && codes[i] == 0 && line
            && atoi(line) == c)
            codes[i] = c;
    }
}

static int metrics_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    metrics_retained *ret;
    apr_status_t rv;
    int nslots = 0;

    if (!metrics_on)
        return OK;
    fill_codes();
    ret = ap_retained_data_get(RETAINED_KEY);
    if (ret == NULL)
        ret = ap_retained_data_create(RETAINED_KEY, sizeof(*ret));
    if (ret->shm == NULL) {
        /* ServerLimit cannot change on a graceful restart; when a full
         * restart raises it, children share slots, which stays correct. */
        if (ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &nslots) != APR_SUCCESS || nslots < 1)
            nslots = 1;
        rv = apr_shm_create(&ret->shm, sizeof(metrics_header)
                            + (apr_size_t)nslots * sizeof(amx_metrics_slot),
                            NULL, s->process->pool);
        if (rv != APR_SUCCESS) {
            ret->shm = NULL;
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                         "AMX01600: cannot create the shared memory of the counters "
                         "(%d processes): serving without them", nslots);
            return OK;
        }
        header = apr_shm_baseaddr_get(ret->shm);
        memset(header, 0, apr_shm_size_get(ret->shm));
        header->nslots = (apr_uint32_t)nslots;
    }
    header = apr_shm_baseaddr_get(ret->shm);
    slots = (amx_metrics_slot *)(header + 1);
    return OK;
}

static void metrics_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (header)
        my_slot = &slots[apr_atomic_inc32(&header->next_slot) % header->nslots];
    else
        my_slot = NULL;
}

void amx_metrics_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(metrics_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(metrics_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(metrics_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(metrics_log_transaction, NULL, NULL, APR_HOOK_MIDDLE);
    /* An optional hook: nothing happens when mod_status is not loaded. */
    APR_OPTIONAL_HOOK(ap, status_hook, metrics_status_hook, NULL, NULL, APR_HOOK_MIDDLE);
}
