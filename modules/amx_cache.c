/* Per-process domain cache: generations of arenas, shared provider data. */
#include <string.h>

#include <apr_allocator.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_thread_rwlock.h>

#include "amx_cache.h"

/* What the domains of one provider with the same servers have in common,
 * stored once per generation: the bytes kept for them are the same too. */
typedef struct {
    const char *provider_name;
    const char *provider_short_name;
    apr_array_header_t *provider_domains;
    apr_array_header_t *servers;
    apr_array_header_t *davservers;
    struct {
        const void *data;
        apr_size_t len;
    } kept[AMX_CACHE_KEPT_MAX];
} shape;

struct amx_cache_entry {
    amx_domain_data data;  /* its arrays and names belong to SHAPE */
    shape *shape;
    amx_cache_gen *gen;
};

struct amx_cache_gen {
    apr_pool_t *pool;
    apr_hash_t *domains;    /* key -> amx_cache_entry */
    apr_hash_t *shapes;     /* provider id, server ids, DAV ids -> shape */
    apr_hash_t *strings;    /* every name stored once */
    apr_size_t bytes;
    int entries;
    volatile apr_uint32_t refs; /* holders: the cache itself, and requests */
};

struct amx_cache {
    apr_pool_t *pool;       /* with an allocator of its own */
    /* Requests read under a shared lock, so that the threads of a process
     * do not queue for a hit; the few writes take it alone. NULL without
     * threads. */
    apr_thread_rwlock_t *lock;
    amx_cache_limits lim;
    amx_cache_gen *current;
    amx_cache_gen *previous; /* answers only while the database fails */
    apr_time_t born;
    apr_pool_t *absent_pool;
    apr_hash_t *absent;     /* key -> apr_time_t until when */
    int generations;
};

typedef struct {
    amx_cache *c;
    amx_cache_gen *gen;
} hold;

static void rdlock(amx_cache *c)
{
#if APR_HAS_THREADS
    if (c->lock)
        apr_thread_rwlock_rdlock(c->lock);
#endif
}

static void lock(amx_cache *c)
{
#if APR_HAS_THREADS
    if (c->lock)
        apr_thread_rwlock_wrlock(c->lock);
#endif
}

static void unlock(amx_cache *c)
{
#if APR_HAS_THREADS
    if (c->lock)
        apr_thread_rwlock_unlock(c->lock);
#endif
}

/* With the write lock held. */
static void destroy_locked(amx_cache *c, amx_cache_gen *g)
{
    apr_pool_destroy(g->pool);
    c->generations--;
}

/* With the write lock held: the cache lets go of G. */
static void release_locked(amx_cache *c, amx_cache_gen *g)
{
    if (apr_atomic_dec32(&g->refs) == 0)
        destroy_locked(c, g);
}

/* A request lets go of G. The last holder is never the cache itself
 * (which lets go under the write lock), so nobody can find G any more
 * when its count reaches 0. */
static apr_status_t release(void *data)
{
    hold *h = data;
    if (apr_atomic_dec32(&h->gen->refs) == 0) {
        lock(h->c);
        destroy_locked(h->c, h->gen);
        unlock(h->c);
    }
    return APR_SUCCESS;
}

/* With a lock held: G stays alive until P is destroyed. */
static void hold_for(amx_cache *c, amx_cache_gen *g, apr_pool_t *p)
{
    hold *h = apr_palloc(p, sizeof(*h));
    h->c = c;
    h->gen = g;
    apr_atomic_inc32(&g->refs);
    apr_pool_cleanup_register(p, h, release, apr_pool_cleanup_null);
}

static amx_cache_gen *gen_create(amx_cache *c)
{
    apr_pool_t *p;
    amx_cache_gen *g;

    if (apr_pool_create(&p, c->pool) != APR_SUCCESS)
        return NULL;
    g = apr_pcalloc(p, sizeof(*g));
    g->pool = p;
    g->domains = apr_hash_make(p);
    g->shapes = apr_hash_make(p);
    g->strings = apr_hash_make(p);
    g->refs = 1;
    c->generations++;
    return g;
}

static void absent_clear(amx_cache *c)
{
    if (c->absent_pool)
        apr_pool_destroy(c->absent_pool);
    c->absent_pool = NULL;
    c->absent = NULL;
    if (apr_pool_create(&c->absent_pool, c->pool) == APR_SUCCESS)
        c->absent = apr_hash_make(c->absent_pool);
}

apr_status_t amx_cache_create(amx_cache **out, apr_pool_t *p, const amx_cache_limits *lim)
{
    apr_allocator_t *allocator;
    amx_cache *c;
    apr_pool_t *cp;
    apr_status_t rv;

    /* Generations are made and dropped under our lock, from our own
     * allocator: nothing here competes with httpd for pchild's, and a
     * dropped generation's memory is given back beyond 1 MB held free. */
    if ((rv = apr_allocator_create(&allocator)) != APR_SUCCESS)
        return rv;
    apr_allocator_max_free_set(allocator, 1024 * 1024);
    if ((rv = apr_pool_create_ex(&cp, p, NULL, allocator)) != APR_SUCCESS) {
        apr_allocator_destroy(allocator);
        return rv;
    }
    apr_allocator_owner_set(allocator, cp);
    c = apr_pcalloc(cp, sizeof(*c));
    c->pool = cp;
    c->lim = *lim;
    if (c->lim.max_entries < 1)
        c->lim.max_entries = 1;
    if (c->lim.max_absent < 1)
        c->lim.max_absent = 1;
#if APR_HAS_THREADS
    if ((rv = apr_thread_rwlock_create(&c->lock, cp)) != APR_SUCCESS)
        return rv;
#endif
    if ((c->current = gen_create(c)) == NULL)
        return APR_ENOMEM;
    absent_clear(c);
    if (c->absent == NULL)
        return APR_ENOMEM;
    *out = c;
    return APR_SUCCESS;
}

void amx_cache_renew(amx_cache *c, apr_time_t now)
{
    amx_cache_gen *g;

    lock(c);
    g = gen_create(c);
    if (g) {
        if (c->previous)
            release_locked(c, c->previous);
        c->previous = c->current;
        c->current = g;
        c->born = now;
    }
    absent_clear(c);
    unlock(c);
}

apr_time_t amx_cache_born(amx_cache *c)
{
    apr_time_t t;
    rdlock(c);
    t = c->born;
    unlock(c);
    return t;
}

amx_cache_result amx_cache_get(amx_cache *c, const char *key, apr_time_t now, apr_pool_t *p,
                               const amx_domain_data **d, amx_cache_entry **e,
                               amx_cache_gen **gen)
{
    amx_cache_entry *x;
    apr_time_t *until;
    amx_cache_result res = AMX_CACHE_MISS;

    rdlock(c);
    x = apr_hash_get(c->current->domains, key, APR_HASH_KEY_STRING);
    if (x) {
        hold_for(c, x->gen, p);
        *d = &x->data;
        *e = x;
        res = AMX_CACHE_HIT;
    }
    else if (c->absent && (until = apr_hash_get(c->absent, key, APR_HASH_KEY_STRING))
             && now < *until) {
        res = AMX_CACHE_ABSENT;
    }
    *gen = c->current;
    unlock(c);
    return res;
}

int amx_cache_get_stale(amx_cache *c, const char *key, apr_pool_t *p,
                        const amx_domain_data **d, amx_cache_entry **e)
{
    amx_cache_entry *x;

    rdlock(c);
    x = apr_hash_get(c->current->domains, key, APR_HASH_KEY_STRING);
    if (x == NULL && c->previous)
        x = apr_hash_get(c->previous->domains, key, APR_HASH_KEY_STRING);
    if (x) {
        hold_for(c, x->gen, p);
        *d = &x->data;
        *e = x;
    }
    unlock(c);
    return x != NULL;
}

/* ---- copying into a generation (lock held) ---- */

static void *gen_alloc(amx_cache_gen *g, apr_size_t n)
{
    g->bytes += n;
    return apr_palloc(g->pool, n);
}

static const char *gen_str(amx_cache_gen *g, const char *s)
{
    apr_size_t n;
    char *copy;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    copy = apr_hash_get(g->strings, s, (apr_ssize_t)n);
    if (copy == NULL) {
        copy = gen_alloc(g, n + 1);
        memcpy(copy, s, n + 1);
        apr_hash_set(g->strings, copy, (apr_ssize_t)n, copy);
        g->bytes += 2 * sizeof(void *) + 24; /* the hash entry */
    }
    return copy;
}

static apr_array_header_t *gen_array(amx_cache_gen *g, const apr_array_header_t *a)
{
    apr_array_header_t *c = gen_alloc(g, sizeof(*c));
    c->pool = g->pool;
    c->elt_size = a->elt_size;
    c->nelts = c->nalloc = a->nelts;
    c->elts = gen_alloc(g, (apr_size_t)(a->elt_size * (a->nelts ? a->nelts : 1)));
    memcpy(c->elts, a->elts, (apr_size_t)(a->elt_size * a->nelts));
    return c;
}

/* The shape's key: the provider and the ids of the rows it links, in the
 * order the domain lists them. */
static const char *shape_key(apr_pool_t *p, const amx_domain_data *d, apr_size_t *len)
{
    apr_size_t n = 2 + (apr_size_t)d->servers->nelts + (apr_size_t)d->davservers->nelts;
    long *k = apr_palloc(p, n * sizeof(long));
    apr_size_t i = 0;
    int j;

    k[i++] = d->provider_id;
    for (j = 0; j < d->servers->nelts; j++)
        k[i++] = APR_ARRAY_IDX(d->servers, j, amx_server).id;
    k[i++] = -1;
    for (j = 0; j < d->davservers->nelts; j++)
        k[i++] = APR_ARRAY_IDX(d->davservers, j, amx_davserver).id;
    *len = n * sizeof(long);
    return (const char *)k;
}

static shape *shape_of(amx_cache_gen *g, const amx_domain_data *d, apr_pool_t *scratch)
{
    apr_size_t klen;
    const char *key = shape_key(scratch, d, &klen);
    shape *s = apr_hash_get(g->shapes, key, (apr_ssize_t)klen);
    int i;

    if (s)
        return s;
    s = gen_alloc(g, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->provider_name = gen_str(g, d->provider_name);
    s->provider_short_name = gen_str(g, d->provider_short_name);
    s->provider_domains = gen_array(g, d->provider_domains);
    for (i = 0; i < s->provider_domains->nelts; i++)
        APR_ARRAY_IDX(s->provider_domains, i, const char *) =
            gen_str(g, APR_ARRAY_IDX(s->provider_domains, i, const char *));
    s->servers = gen_array(g, d->servers);
    for (i = 0; i < s->servers->nelts; i++) {
        amx_server *v = &APR_ARRAY_IDX(s->servers, i, amx_server);
        v->name = gen_str(g, v->name);
        v->type = gen_str(g, v->type);
        v->socket_type = gen_str(g, v->socket_type);
        v->user_name = gen_str(g, v->user_name);
        v->authentication = gen_str(g, v->authentication);
    }
    s->davservers = gen_array(g, d->davservers);
    for (i = 0; i < s->davservers->nelts; i++) {
        amx_davserver *v = &APR_ARRAY_IDX(s->davservers, i, amx_davserver);
        v->url = gen_str(g, v->url);
        v->type = gen_str(g, v->type);
        v->user_name = gen_str(g, v->user_name);
    }
    {
        char *k = gen_alloc(g, klen);
        memcpy(k, key, klen);
        apr_hash_set(g->shapes, k, (apr_ssize_t)klen, s);
    }
    return s;
}

static amx_ldapserver *ldap_copy(amx_cache_gen *g, const amx_ldapserver *from)
{
    amx_ldapserver *l = gen_alloc(g, sizeof(*l));
    *l = *from;
    l->name = gen_str(g, l->name);
    l->search_base = gen_str(g, l->search_base);
    l->search_filter = gen_str(g, l->search_filter);
    l->attr_uid = gen_str(g, l->attr_uid);
    l->attr_cn = gen_str(g, l->attr_cn);
    l->bind_password = gen_str(g, l->bind_password);
    l->bind_user = gen_str(g, l->bind_user);
    return l;
}

amx_cache_entry *amx_cache_put(amx_cache *c, const char *key, const amx_domain_data *d,
                               amx_cache_gen *gen, apr_pool_t *p,
                               const amx_domain_data **out)
{
    amx_cache_gen *g;
    amx_cache_entry *x;
    apr_size_t klen = strlen(key);
    char *k;

    lock(c);
    if (gen != c->current) {
        unlock(c); /* renewed meanwhile: what was read may be old already */
        return NULL;
    }
    if (c->current->entries >= c->lim.max_entries) {
        /* Full: start over rather than track ages; a refill costs one
         * lookup per domain. */
        g = gen_create(c);
        if (g) {
            if (c->previous)
                release_locked(c, c->previous);
            c->previous = c->current;
            c->current = g;
        }
    }
    g = c->current;
    x = apr_hash_get(g->domains, key, (apr_ssize_t)klen);
    if (x == NULL) {
        shape *s = shape_of(g, d, p);
        x = gen_alloc(g, sizeof(*x));
        x->data = *d;
        x->data.name = gen_str(g, d->name);
        x->data.provider_name = s->provider_name;
        x->data.provider_short_name = s->provider_short_name;
        x->data.provider_domains = s->provider_domains;
        x->data.servers = s->servers;
        x->data.davservers = s->davservers;
        x->data.ldap = d->ldap ? ldap_copy(g, d->ldap) : NULL;
        x->shape = s;
        x->gen = g;
        k = gen_alloc(g, klen + 1);
        memcpy(k, key, klen + 1);
        apr_hash_set(g->domains, k, (apr_ssize_t)klen, x);
        g->bytes += 2 * sizeof(void *) + 24;
        g->entries++;
    }
    hold_for(c, g, p);
    *out = &x->data;
    unlock(c);
    return x;
}

void amx_cache_put_absent(amx_cache *c, const char *key, amx_cache_gen *gen, apr_time_t now)
{
    apr_time_t *until;
    apr_size_t klen = strlen(key);
    char *k;

    lock(c);
    if (gen == c->current && c->absent) {
        if ((int)apr_hash_count(c->absent) >= c->lim.max_absent)
            absent_clear(c); /* a flood of unknown names: forget only them */
        if (c->absent) {
            until = apr_palloc(c->absent_pool, sizeof(*until));
            *until = now + c->lim.absent_ttl;
            k = apr_pmemdup(c->absent_pool, key, klen + 1);
            apr_hash_set(c->absent, k, (apr_ssize_t)klen, until);
        }
    }
    unlock(c);
}

const void *amx_cache_kept(amx_cache *c, amx_cache_entry *e, int kind, apr_size_t *len)
{
    const void *data = NULL;

    if (e == NULL || kind < 0 || kind >= AMX_CACHE_KEPT_MAX)
        return NULL;
    rdlock(c);
    data = e->shape->kept[kind].data;
    *len = e->shape->kept[kind].len;
    unlock(c);
    return data;
}

void amx_cache_keep(amx_cache *c, amx_cache_entry *e, int kind, const void *data,
                    apr_size_t len)
{
    if (e == NULL || kind < 0 || kind >= AMX_CACHE_KEPT_MAX)
        return;
    lock(c);
    if (e->shape->kept[kind].data == NULL) {
        void *copy = gen_alloc(e->gen, len ? len : 1);
        memcpy(copy, data, len);
        e->shape->kept[kind].len = len;
        e->shape->kept[kind].data = copy;
    }
    unlock(c);
}

void amx_cache_stats_get(amx_cache *c, amx_cache_stats *s)
{
    lock(c);
    s->entries = c->current->entries;
    s->absent = c->absent ? (int)apr_hash_count(c->absent) : 0;
    s->bytes = c->current->bytes;
    s->generations = c->generations;
    unlock(c);
}
