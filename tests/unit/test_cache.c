/* The domain cache: hits, misses, TTL, generations, the size bound. */
#include <apr_strings.h>

#include "unit.h"
#include "amx_cache.h"

static amx_domain_data *domain(const char *name)
{
    amx_domain_data *d = apr_pcalloc(unit_pool, sizeof(*d));
    amx_server *s;
    d->id = 1;
    d->name = apr_pstrdup(unit_pool, name);
    d->provider_name = "P";
    d->provider_short_name = "p";
    d->provider_domains = apr_array_make(unit_pool, 1, sizeof(const char *));
    APR_ARRAY_PUSH(d->provider_domains, const char *) = d->name;
    d->servers = apr_array_make(unit_pool, 1, sizeof(amx_server));
    s = apr_array_push(d->servers);
    *s = (amx_server){ 7, 10, "imap.x", 993, "imap", "SSL", "%EMAILADDRESS%", "plain" };
    d->davservers = apr_array_make(unit_pool, 1, sizeof(amx_davserver));
    return d;
}

void test_cache(void)
{
    volatile apr_uint32_t generation = 0;
    amx_cache *c;
    amx_domain_data *got = NULL;
    apr_uint32_t gen;
    apr_time_t now = apr_time_from_sec(1000);

    CHECK(amx_cache_create(&c, unit_pool, &generation, 2) == APR_SUCCESS);
    CHECK(amx_cache_get(c, "a", now, unit_pool, &got, &gen) == 0);
    amx_cache_put(c, "a", domain("a.example"), gen, now, apr_time_from_sec(10));
    CHECK(amx_cache_get(c, "a", now + 1, unit_pool, &got, &gen) == 1);
    CHECK(got != NULL && strcmp(got->name, "a.example") == 0);
    CHECK(got && got->servers->nelts == 1
          && strcmp(APR_ARRAY_IDX(got->servers, 0, amx_server).name, "imap.x") == 0);

    /* A negative entry: the domain is known not to exist. */
    amx_cache_put(c, "n", NULL, gen, now, apr_time_from_sec(10));
    got = (amx_domain_data *)1;
    CHECK(amx_cache_get(c, "n", now, unit_pool, &got, &gen) == 1 && got == NULL);

    /* The TTL. */
    CHECK(amx_cache_get(c, "a", now + apr_time_from_sec(10), unit_pool, &got, &gen) == 0);

    /* An invalidation makes every entry stale ... */
    amx_cache_put(c, "a", domain("a.example"), gen, now, apr_time_from_sec(10));
    amx_cache_invalidate(c);
    CHECK(amx_cache_get(c, "a", now, unit_pool, &got, &gen) == 0);
    /* ... and what was read before it is never stored as fresh. */
    amx_cache_put(c, "a", domain("old"), gen - 1, now, apr_time_from_sec(10));
    CHECK(amx_cache_get(c, "a", now, unit_pool, &got, &gen) == 0);
    amx_cache_put(c, "a", domain("new"), gen, now, apr_time_from_sec(10));
    CHECK(amx_cache_get(c, "a", now, unit_pool, &got, &gen) == 1 && strcmp(got->name, "new") == 0);

    /* Full (2 entries here): it starts over and keeps working. */
    amx_cache_put(c, "b", domain("b"), gen, now, apr_time_from_sec(10));
    amx_cache_put(c, "c", domain("c"), gen, now, apr_time_from_sec(10));
    CHECK(amx_cache_get(c, "c", now, unit_pool, &got, &gen) == 1 && strcmp(got->name, "c") == 0);
    CHECK(amx_cache_get(c, "a", now, unit_pool, &got, &gen) == 0);
}
