/*
 * The domain cache in front of the database (SPEC 12): when a process
 * reads the change counter, when it starts its cache over, and what it
 * answers while the database fails.
 *
 * One cache per virtual host, since each may have a database of its own.
 * A process reads the counter at most once per AutomxCacheCheck, on the
 * connection of the request that finds the interval over; the other
 * requests meanwhile go on with what is cached. A write through this
 * host's automx-initdb also bumps a generation in shared memory, seen by
 * every process at its next request.
 */
#include <string.h>

#include "httpd.h"
#include "http_log.h"
#include "apr_atomic.h"
#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

#include "amx_cache.h"
#include "amx_config.h"
#include "amx_metrics.h"
#include "amx_request.h"
#include "amx_store.h"

APLOG_USE_MODULE(automx);

/* Domains not in the database: remembered at most this long and this
 * many, apart from the known ones. */
#define ABSENT_TTL apr_time_from_sec(10)
#define ABSENT_MAX 10000

typedef enum {
    COUNTER_UNKNOWN = 0, /* not read yet */
    COUNTER_READ,        /* coherent: the cache follows the counter */
    COUNTER_MISSING      /* a database without it: a TTL instead */
} counter_state;

/* How long a request waits for another's read of the counter before it
 * goes on with what is cached: longer only when the database hangs. */
#define CHECK_WAIT apr_time_from_msec(250)

typedef struct {
    amx_cache *cache;
#if APR_HAS_THREADS
    apr_thread_mutex_t *checking; /* held by the request reading the counter */
#endif
    apr_time_t next_check;
    apr_int64_t counter;
    counter_state state;
    int failing;            /* the last check found the database failing */
    int told_missing;       /* the missing counter has been logged */
    apr_uint32_t local_gen; /* the shared generation last seen */
} realm;

/* The cache an entry of this request came from, for its kept bytes. */
typedef struct {
    realm *realm;
    amx_cache_entry *entry;
    const amx_domain_data *data;
} held;

static apr_hash_t *realms;   /* server_rec * -> realm; made in child_init */
static volatile apr_uint32_t *shared_gen;

apr_status_t amx_store_child_init(apr_pool_t *pchild, server_rec *s,
                                  volatile apr_uint32_t *generation, int max_entries)
{
    amx_cache_limits lim;
    apr_status_t rv;

    lim.max_entries = max_entries;
    lim.max_absent = ABSENT_MAX < max_entries ? ABSENT_MAX : max_entries;
    lim.absent_ttl = ABSENT_TTL;
    shared_gen = generation;
    realms = apr_hash_make(pchild);
    for (; s; s = s->next) {
        realm *m = apr_pcalloc(pchild, sizeof(*m));
        if ((rv = amx_cache_create(&m->cache, pchild, &lim)) != APR_SUCCESS) {
            realms = NULL;
            return rv;
        }
        m->local_gen = generation ? apr_atomic_read32(generation) : 0;
#if APR_HAS_THREADS
        rv = apr_thread_mutex_create(&m->checking, APR_THREAD_MUTEX_TIMED, pchild);
        if (rv != APR_SUCCESS) {
            realms = NULL;
            return rv;
        }
#endif
        apr_hash_set(realms, apr_pmemdup(pchild, &s, sizeof(s)), sizeof(s), m);
    }
    return APR_SUCCESS;
}

void amx_store_invalidate(void)
{
    if (shared_gen)
        apr_atomic_inc32(shared_gen);
}

static realm *realm_of(request_rec *r)
{
    return realms ? apr_hash_get(realms, &r->server, sizeof(r->server)) : NULL;
}

/* Reads the counter on R's connection and starts over when it moved.
 * Runs in one request of the process at a time. */
static void check_counter(request_rec *r, realm *m, const amx_dir_conf *conf,
                          apr_time_t now)
{
    ap_dbd_t *dbd = amx_store_acquire_quiet(r);
    const char *error = NULL;
    apr_int64_t counter;
    int missing = 0;

    amx_metrics_cache_check();
    if (dbd && amx_store_change_counter(r, dbd, &counter, &missing, &error) == 0) {
        if (m->failing)
            ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                          "AMX01801: the database answers again; cached data is %s",
                          m->state == COUNTER_READ && counter == m->counter
                          ? "still current" : "dropped");
        if (m->state != COUNTER_UNKNOWN && (m->state != COUNTER_READ || counter != m->counter))
            amx_cache_renew(m->cache, now);
        m->counter = counter;
        m->state = COUNTER_READ;
        m->failing = 0;
        return;
    }
    if (dbd && missing) {
        /* Coherent only up to the TTL: the data is renewed when it has
         * lived that long, and the counter looked for again. */
        if (!m->told_missing) {
            m->told_missing = 1;
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "AMX01802: the database has no change counter (table "
                          "automx_change), so a change made elsewhere shows only after "
                          "AutomxCacheTTL (%d s) here: a GET of the automx-initdb "
                          "location adds it", amx_conf_cache_ttl(conf));
        }
        if (m->state == COUNTER_READ
            || now - amx_cache_born(m->cache) >= apr_time_from_sec(amx_conf_cache_ttl(conf)))
            amx_cache_renew(m->cache, now);
        m->state = COUNTER_MISSING;
        m->failing = 0;
        return;
    }
    /* The database fails: keep what is cached (stale if error), say so
     * once per interval (libpq's messages end in a newline). */
    m->failing = 1;
    if (error) {
        char *e = apr_pstrdup(r->pool, error);
        apr_size_t n = strlen(e);
        while (n > 0 && apr_isspace(e[n - 1]))
            e[--n] = '\0';
        error = e;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "AMX01803: cannot read the database's change counter (%s); %s", 
                  dbd ? error : "no database connection",
                  amx_conf_cache_stale_if_error(conf)
                  ? "cached domains are answered from the cache until it answers again"
                  : "AutomxCacheStaleIfError is Off: cached domains get 503 too");
}

/* Before a lookup: a write on this host, or the interval over. Once the
 * interval is over, no request answers from the cache before the counter
 * has been read: the others wait for the one that reads it (a change
 * shows within the interval, an idle process included), unless the
 * database hangs. */
static void refresh(request_rec *r, realm *m, const amx_dir_conf *conf, apr_time_t now)
{
    apr_uint32_t g = shared_gen ? apr_atomic_read32(shared_gen) : 0;

    /* Renewed before the generation is noted as seen: a request that
     * comes meanwhile renews too rather than answer from the old one. */
    if (g != m->local_gen) {
        amx_cache_renew(m->cache, now);
        m->local_gen = g;
    }
    if (now < m->next_check)
        return;
#if APR_HAS_THREADS
    if (apr_thread_mutex_trylock(m->checking) != APR_SUCCESS
        && apr_thread_mutex_timedlock(m->checking, CHECK_WAIT) != APR_SUCCESS)
        return;
#endif
    if (now >= m->next_check) {
        check_counter(r, m, conf, now);
        m->next_check = apr_time_now() + apr_time_from_sec(amx_conf_cache_check(conf));
    }
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(m->checking);
#endif
}

static void note_held(request_rec *r, realm *m, amx_cache_entry *e, const amx_domain_data *d)
{
    held *h = apr_palloc(r->pool, sizeof(*h));
    h->realm = m;
    h->entry = e;
    h->data = d;
    amx_request_note_of(r, &automx_module, 1)->held = h;
}

int amx_store_domain(request_rec *r, const char *domain, amx_domain_data **out)
{
    const amx_dir_conf *conf = amx_config_of(r);
    const amx_domain_data *d;
    const char *lookup, *other;
    amx_cache_entry *e;
    amx_cache_gen *gen;
    apr_time_t now;
    realm *m;
    int rv;

    if ((rv = amx_store_domain_forms(r, domain, &lookup, &other)) != OK)
        return rv;
    if (!amx_conf_cache(conf) || (m = realm_of(r)) == NULL)
        return amx_store_lookup_domain(r, lookup, other, out);
    now = apr_time_now();
    refresh(r, m, conf, now);
    if (m->failing && !amx_conf_cache_stale_if_error(conf)) {
        amx_metrics_unavailable(r, AMX_CAUSE_DB_QUERY);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "AMX01804: the database fails; not answering \"%s\" from the cache "
                      "(AutomxCacheStaleIfError Off)", lookup);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    switch (amx_cache_get(m->cache, lookup, now, r->pool, &d, &e, &gen)) {
    case AMX_CACHE_HIT:
        amx_metrics_cache(1);
        if (m->failing)
            amx_metrics_cache_stale();
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "AMX00037: domain \"%s\" from the cache%s", lookup,
                      m->failing ? " (the database fails)" : "");
        note_held(r, m, e, d);
        *out = (amx_domain_data *)d;
        return OK;
    case AMX_CACHE_ABSENT:
        amx_metrics_cache(1);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "AMX00037: domain \"%s\" from the cache: not in the database", lookup);
        return HTTP_NO_CONTENT;
    case AMX_CACHE_MISS:
        break;
    }
    amx_metrics_cache(0);
    rv = amx_store_lookup_domain(r, lookup, other, out);
    if (rv == OK) {
        e = amx_cache_put(m->cache, lookup, *out, gen, r->pool, &d);
        if (e) {
            note_held(r, m, e, d);
            *out = (amx_domain_data *)d;
        }
    }
    else if (rv == HTTP_NO_CONTENT) {
        amx_cache_put_absent(m->cache, lookup, gen, now);
    }
    else if (rv == HTTP_SERVICE_UNAVAILABLE && amx_conf_cache_stale_if_error(conf)
             && amx_cache_get_stale(m->cache, lookup, r->pool, &d, &e)) {
        /* Cached before a change or before the cache was full: old, but
         * better than nothing while the database fails. */
        amx_metrics_cache_stale();
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "AMX01805: the database fails; answering \"%s\" from older cached data",
                      lookup);
        note_held(r, m, e, d);
        *out = (amx_domain_data *)d;
        rv = OK;
    }
    return rv;
}

static const held *held_for(request_rec *r, const amx_domain_data *d)
{
    const amx_request_note *n = amx_request_note_of(r, &automx_module, 0);
    const held *h = n ? n->held : NULL;
    return h && h->data == d ? h : NULL;
}

const void *amx_store_kept(request_rec *r, const amx_domain_data *d, amx_kept_kind kind,
                           apr_size_t *len)
{
    const held *h = held_for(r, d);
    return h ? amx_cache_kept(h->realm->cache, h->entry, (int)kind, len) : NULL;
}

void amx_store_keep(request_rec *r, const amx_domain_data *d, amx_kept_kind kind,
                    const void *data, apr_size_t len)
{
    const held *h = held_for(r, d);
    if (h)
        amx_cache_keep(h->realm->cache, h->entry, (int)kind, data, len);
}
