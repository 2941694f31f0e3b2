/*
 * A per-process cache of domain data (and of bytes made from it), one per
 * database. Needs APR only: when to start over is decided by the store,
 * which reads the database's change counter.
 *
 * Everything cached while the database stays unchanged lives in one
 * generation: one arena, in which a provider's names and domain list and
 * each server row are stored once and shared by the provider's domains.
 * A new generation starts when the database changed (or the arena is
 * full); the one before is kept, read only, so that domains can still be
 * answered from it while the database fails (stale if error). A request
 * holds the generation its data came from until its pool is destroyed:
 * nothing is copied per request.
 *
 * Domains not in the database are remembered apart, in a small bounded
 * table with a short lifetime, so that a flood of random names never
 * pushes a known domain out.
 */
#ifndef AMX_CACHE_H
#define AMX_CACHE_H

#include <apr_pools.h>
#include <apr_time.h>

#include "amx_model.h"

/* How many kinds of kept bytes an entry can carry. */
#define AMX_CACHE_KEPT_MAX 8

typedef struct amx_cache amx_cache;
typedef struct amx_cache_entry amx_cache_entry;
typedef struct amx_cache_gen amx_cache_gen;

typedef struct {
    int max_entries;                /* domains per generation */
    int max_absent;                 /* unknown domains remembered */
    apr_interval_time_t absent_ttl; /* how long one is remembered */
} amx_cache_limits;

typedef enum {
    AMX_CACHE_MISS = 0,
    AMX_CACHE_HIT,
    AMX_CACHE_ABSENT  /* known not to be in the database */
} amx_cache_result;

/* Creates a cache in P, with an allocator of its own so that memory of a
 * dropped generation goes back to the system. */
apr_status_t amx_cache_create(amx_cache **out, apr_pool_t *p, const amx_cache_limits *lim);

/* Looks KEY up in the current generation. HIT: *D and *E are the cached
 * domain, held until P is destroyed (read only). MISS: *GEN is the
 * generation to give amx_cache_put after reading the database. */
amx_cache_result amx_cache_get(amx_cache *c, const char *key, apr_time_t now, apr_pool_t *p,
                               const amx_domain_data **d, amx_cache_entry **e,
                               amx_cache_gen **gen);

/* KEY in the current or the previous generation, however old: for
 * answering while the database fails. 1 with *D and *E held for P, or 0. */
int amx_cache_get_stale(amx_cache *c, const char *key, apr_pool_t *p,
                        const amx_domain_data **d, amx_cache_entry **e);

/* Stores a copy of D, read from the database in GEN. When GEN is no longer
 * the current generation the data may predate a change: nothing is stored
 * and NULL returned. Else the entry, held for P, with *OUT its data. */
amx_cache_entry *amx_cache_put(amx_cache *c, const char *key, const amx_domain_data *d,
                               amx_cache_gen *gen, apr_pool_t *p,
                               const amx_domain_data **out);

/* Remembers that KEY is not in the database (read in GEN) until NOW plus
 * the limits' absent_ttl or the next generation. */
void amx_cache_put_absent(amx_cache *c, const char *key, amx_cache_gen *gen, apr_time_t now);

/* Starts a new, empty generation at NOW; the current one becomes the
 * previous (stale-if-error only), the previous is let go. */
void amx_cache_renew(amx_cache *c, apr_time_t now);

/* When the current generation started. */
apr_time_t amx_cache_born(amx_cache *c);

/* Bytes kept beside entry E under KIND (below AMX_CACHE_KEPT_MAX): NULL
 * when none. amx_cache_keep copies LEN bytes into E's generation unless
 * some are kept already. */
const void *amx_cache_kept(amx_cache *c, amx_cache_entry *e, int kind, apr_size_t *len);
void amx_cache_keep(amx_cache *c, amx_cache_entry *e, int kind, const void *data,
                    apr_size_t len);

/* What the cache holds now. */
typedef struct {
    int entries;      /* domains in the current generation */
    int absent;       /* unknown domains remembered */
    apr_size_t bytes; /* bytes the current generation's data takes */
    int generations;  /* generations alive: current, previous, held by requests */
} amx_cache_stats;
void amx_cache_stats_get(amx_cache *c, amx_cache_stats *s);

#endif
