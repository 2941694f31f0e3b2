/* Per-process domain data cache with a shared generation counter. */
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "amx_cache.h"

typedef struct {
    apr_pool_t *pool;        /* the entry and everything it points to */
    amx_domain_data *data;   /* NULL: not in the database */
    apr_time_t expires;
    apr_uint32_t generation;
} entry;

struct amx_cache {
    apr_pool_t *pool;
    apr_hash_t *entries;
    apr_thread_mutex_t *lock; /* NULL without threads */
    volatile apr_uint32_t *generation;
    int max_entries;
};

static const char *copy_str(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

amx_domain_data *amx_domain_data_copy(apr_pool_t *p, const amx_domain_data *d)
{
    amx_domain_data *c = apr_pmemdup(p, d, sizeof(*d));
    int i;

    c->name = copy_str(p, d->name);
    c->provider_name = copy_str(p, d->provider_name);
    c->provider_short_name = copy_str(p, d->provider_short_name);
    c->provider_domains = apr_array_copy(p, d->provider_domains);
    for (i = 0; i < c->provider_domains->nelts; i++)
        APR_ARRAY_IDX(c->provider_domains, i, const char *) =
            copy_str(p, APR_ARRAY_IDX(d->provider_domains, i, const char *));
    c->servers = apr_array_copy(p, d->servers);
    for (i = 0; i < c->servers->nelts; i++) {
        amx_server *s = &APR_ARRAY_IDX(c->servers, i, amx_server);
        s->name = copy_str(p, s->name);
        s->type = copy_str(p, s->type);
        s->socket_type = copy_str(p, s->socket_type);
        s->user_name = copy_str(p, s->user_name);
        s->authentication = copy_str(p, s->authentication);
    }
    c->davservers = apr_array_copy(p, d->davservers);
    for (i = 0; i < c->davservers->nelts; i++) {
        amx_davserver *s = &APR_ARRAY_IDX(c->davservers, i, amx_davserver);
        s->url = copy_str(p, s->url);
        s->type = copy_str(p, s->type);
        s->user_name = copy_str(p, s->user_name);
    }
    if (d->ldap) {
        amx_ldapserver *l = apr_pmemdup(p, d->ldap, sizeof(*l));
        l->name = copy_str(p, l->name);
        l->search_base = copy_str(p, l->search_base);
        l->search_filter = copy_str(p, l->search_filter);
        l->attr_uid = copy_str(p, l->attr_uid);
        l->attr_cn = copy_str(p, l->attr_cn);
        l->bind_password = copy_str(p, l->bind_password);
        l->bind_user = copy_str(p, l->bind_user);
        c->ldap = l;
    }
    return c;
}

apr_status_t amx_cache_create(amx_cache **out, apr_pool_t *p,
                              volatile apr_uint32_t *generation, int max_entries)
{
    amx_cache *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    rv = apr_pool_create(&c->pool, p);
    if (rv != APR_SUCCESS)
        return rv;
    c->entries = apr_hash_make(c->pool);
    c->generation = generation;
    c->max_entries = max_entries > 0 ? max_entries : 1;
#if APR_HAS_THREADS
    rv = apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS)
        return rv;
#endif
    *out = c;
    return APR_SUCCESS;
}

static void lock(amx_cache *c)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(c->lock);
#endif
}

static void unlock(amx_cache *c)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(c->lock);
#endif
}

int amx_cache_get(amx_cache *c, const char *key, apr_time_t now, apr_pool_t *p,
                  amx_domain_data **d, apr_uint32_t *generation)
{
    apr_uint32_t gen = apr_atomic_read32(c->generation);
    entry *e;
    int hit = 0;

    lock(c);
    e = apr_hash_get(c->entries, key, APR_HASH_KEY_STRING);
    if (e && e->generation == gen && now < e->expires) {
        /* A copy: the entry may be replaced while the request uses it. */
        *d = e->data ? amx_domain_data_copy(p, e->data) : NULL;
        hit = 1;
    }
    unlock(c);
    *generation = gen;
    return hit;
}

void amx_cache_put(amx_cache *c, const char *key, const amx_domain_data *d,
                   apr_uint32_t gen, apr_time_t now, apr_interval_time_t ttl)
{
    apr_pool_t *ep;
    entry *e, *old;

    if (apr_atomic_read32(c->generation) != gen)
        return; /* written meanwhile: what was read may be old already */
    lock(c);
    old = apr_hash_get(c->entries, key, APR_HASH_KEY_STRING);
    if (old) {
        apr_hash_set(c->entries, key, APR_HASH_KEY_STRING, NULL);
        apr_pool_destroy(old->pool);
    }
    else if ((int)apr_hash_count(c->entries) >= c->max_entries) {
        /* Full: start over rather than track ages; a refill costs one
         * lookup per domain. */
        apr_hash_index_t *hi;
        for (hi = apr_hash_first(NULL, c->entries); hi; hi = apr_hash_next(hi)) {
            entry *x = apr_hash_this_val(hi);
            apr_pool_destroy(x->pool);
        }
        apr_hash_clear(c->entries);
    }
    if (apr_pool_create(&ep, c->pool) == APR_SUCCESS) {
        e = apr_palloc(ep, sizeof(*e));
        e->pool = ep;
        e->data = d ? amx_domain_data_copy(ep, d) : NULL;
        e->expires = now + ttl;
        e->generation = gen;
        apr_hash_set(c->entries, apr_pstrdup(ep, key), APR_HASH_KEY_STRING, e);
    }
    unlock(c);
}

void amx_cache_invalidate(amx_cache *c)
{
    apr_atomic_inc32(c->generation);
}
