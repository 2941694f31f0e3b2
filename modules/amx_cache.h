/*
 * A per-process cache of domain data in front of the database, off unless
 * AutomxCacheTTL is set. Entries live until their TTL runs out or until a
 * write through automx-initdb on this server bumps the generation counter
 * that all httpd processes share, whichever comes first. What is cached is
 * the rows of a domain, never a reply: replies depend on the address.
 * Needs APR only.
 */
#ifndef AMX_CACHE_H
#define AMX_CACHE_H

#include <apr_pools.h>
#include <apr_time.h>

#include "amx_model.h"

typedef struct amx_cache amx_cache;

/* Creates the cache in P; GENERATION points at a counter shared by every
 * process (shared memory), or at a private one. MAX_ENTRIES bounds it. */
apr_status_t amx_cache_create(amx_cache **out, apr_pool_t *p,
                              volatile apr_uint32_t *generation, int max_entries);

/* Copies the entry for KEY into P. Returns 1 with *D set (NULL: the domain
 * is known not to exist), or 0 on a miss or a stale entry. *GENERATION is
 * the generation seen: pass it to amx_cache_put after reading the database,
 * so that data read before an invalidation is never stored as fresh. */
int amx_cache_get(amx_cache *c, const char *key, apr_time_t now, apr_pool_t *p,
                  amx_domain_data **d, apr_uint32_t *generation);

/* Stores a copy of D (NULL: "not in the database") for TTL, unless the
 * generation has moved on since GENERATION was read. */
void amx_cache_put(amx_cache *c, const char *key, const amx_domain_data *d,
                   apr_uint32_t generation, apr_time_t now, apr_interval_time_t ttl);

/* Makes every entry of every process stale at once. */
void amx_cache_invalidate(amx_cache *c);

/* A deep copy of D in P (also used by the cache itself). */
amx_domain_data *amx_domain_data_copy(apr_pool_t *p, const amx_domain_data *d);

#endif
