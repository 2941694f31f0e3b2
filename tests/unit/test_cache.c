/* The domain cache: hits, misses, generations, sharing, the bounds, kept bytes. */
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

static amx_cache *make(int max_entries, int max_absent)
{
    amx_cache_limits lim = { max_entries, max_absent, apr_time_from_sec(10) };
    amx_cache *c = NULL;
    CHECK(amx_cache_create(&c, unit_pool, &lim) == APR_SUCCESS);
    return c;
}

void test_cache(void)
{
    apr_time_t now = apr_time_from_sec(1000);
    const amx_domain_data *got = NULL, *got2 = NULL;
    amx_cache_entry *e = NULL, *e2 = NULL;
    amx_cache_gen *gen = NULL, *old;
    amx_cache_stats st;
    apr_pool_t *req;
    apr_size_t len = 0;
    amx_cache *c = make(3, 2);
    amx_domain_data *a, *b;
    int i;

    /* A miss, then the entry put is what the next get returns, without a copy. */
    apr_pool_create(&req, unit_pool);
    CHECK(amx_cache_get(c, "a", now, req, &got, &e, &gen) == AMX_CACHE_MISS);
    a = domain("a.example");
    CHECK(amx_cache_put(c, "a", a, gen, req, &got) != NULL);
    CHECK(got != a && strcmp(got->name, "a.example") == 0);
    CHECK(amx_cache_get(c, "a", now, req, &got2, &e2, &gen) == AMX_CACHE_HIT);
    CHECK(got2 == got && strcmp(got2->name, "a.example") == 0);
    CHECK(APR_ARRAY_IDX(got2->servers, 0, amx_server).port == 993);
    CHECK(strcmp(APR_ARRAY_IDX(got2->servers, 0, amx_server).name, "imap.x") == 0);
    /* The copy does not share the caller's memory. */
    a->name = "changed";
    CHECK(strcmp(got2->name, "a.example") == 0);

    /* Two domains of one provider with the same servers share the
     * provider's data and their kept bytes. */
    b = domain("b.example");
    CHECK(amx_cache_get(c, "b", now, req, &got, &e, &gen) == AMX_CACHE_MISS);
    CHECK((e = amx_cache_put(c, "b", b, gen, req, &got)) != NULL);
    CHECK(got->servers == got2->servers && got->provider_domains == got2->provider_domains);
    CHECK(amx_cache_kept(c, e, 0, &len) == NULL);
    amx_cache_keep(c, e, 0, "<xml/>", 6);
    CHECK(amx_cache_kept(c, e2, 0, &len) != NULL && len == 6
          && memcmp(amx_cache_kept(c, e2, 0, &len), "<xml/>", 6) == 0);
    amx_cache_keep(c, e2, 0, "other", 5); /* kept already: stays */
    CHECK(amx_cache_kept(c, e, 0, &len) != NULL && len == 6);
    CHECK(amx_cache_kept(c, e, 1, &len) == NULL);
    CHECK(amx_cache_kept(c, e, AMX_CACHE_KEPT_MAX, &len) == NULL);
    /* Another server list: no sharing. */
    b = domain("c.example");
    APR_ARRAY_IDX(b->servers, 0, amx_server).id = 8;
    CHECK(amx_cache_get(c, "c", now, req, &got, &e, &gen) == AMX_CACHE_MISS);
    CHECK((e = amx_cache_put(c, "c", b, gen, req, &got)) != NULL);
    CHECK(got->servers != got2->servers && amx_cache_kept(c, e, 0, &len) == NULL);

    /* Unknown domains: remembered until their TTL, apart from the known. */
    CHECK(amx_cache_get(c, "n", now, req, &got, &e, &gen) == AMX_CACHE_MISS);
    amx_cache_put_absent(c, "n", gen, now);
    CHECK(amx_cache_get(c, "n", now + 1, req, &got, &e, &gen) == AMX_CACHE_ABSENT);
    CHECK(amx_cache_get(c, "n", now + apr_time_from_sec(10), req, &got, &e, &gen)
          == AMX_CACHE_MISS);
    /* A flood of them forgets only them: max_absent is 2. */
    for (i = 0; i < 50; i++)
        amx_cache_put_absent(c, apr_psprintf(req, "x%d", i), gen, now);
    amx_cache_stats_get(c, &st);
    CHECK(st.absent <= 2 && st.entries == 3);
    CHECK(amx_cache_get(c, "a", now, req, &got, &e, &gen) == AMX_CACHE_HIT);

    /* Data read before a renewal is not stored. */
    old = gen;
    amx_cache_renew(c, now + 5);
    CHECK(amx_cache_born(c) == now + 5);
    CHECK(amx_cache_get(c, "a", now, req, &got, &e, &gen) == AMX_CACHE_MISS);
    CHECK(gen != old);
    CHECK(amx_cache_put(c, "a", domain("old"), old, req, &got) == NULL);
    CHECK(amx_cache_get(c, "a", now, req, &got, &e, &gen) == AMX_CACHE_MISS);
    /* ... but the previous generation answers for stale-if-error. */
    CHECK(amx_cache_get_stale(c, "a", req, &got, &e) == 1 && strcmp(got->name, "a.example") == 0);
    CHECK(amx_cache_get_stale(c, "zzz", req, &got, &e) == 0);
    CHECK(amx_cache_put(c, "a", domain("new"), gen, req, &got) != NULL);
    CHECK(amx_cache_get(c, "a", now, req, &got, &e, &gen) == AMX_CACHE_HIT
          && strcmp(got->name, "new") == 0);
    /* A renewal forgets the unknown domains too. */
    amx_cache_put_absent(c, "n", gen, now);
    amx_cache_renew(c, now);
    CHECK(amx_cache_get(c, "n", now, req, &got, &e, &gen) == AMX_CACHE_MISS);

    /* Held data outlives the generations after it until the request ends. */
    amx_cache_stats_get(c, &st);
    CHECK(st.generations == 3); /* current, previous, and the first, held by REQ */
    apr_pool_destroy(req);
    amx_cache_stats_get(c, &st);
    CHECK(st.generations == 2);
    apr_pool_create(&req, unit_pool);
    amx_cache_renew(c, now);
    amx_cache_renew(c, now);
    amx_cache_stats_get(c, &st);
    CHECK(st.generations == 2);

    /* Full (3 domains): the next put starts a new generation. */
    for (i = 0; i < 4; i++) {
        const char *k = apr_psprintf(req, "f%d", i);
        CHECK(amx_cache_get(c, k, now, req, &got, &e, &gen) == AMX_CACHE_MISS);
        CHECK(amx_cache_put(c, k, domain(k), gen, req, &got) != NULL);
    }
    amx_cache_stats_get(c, &st);
    CHECK(st.entries == 1 && st.bytes > 0);
    CHECK(amx_cache_get(c, "f3", now, req, &got, &e, &gen) == AMX_CACHE_HIT);
    CHECK(amx_cache_get(c, "f0", now, req, &got, &e, &gen) == AMX_CACHE_MISS);
    CHECK(amx_cache_get_stale(c, "f0", req, &got, &e) == 1);
    apr_pool_destroy(req);

    /* LDAP rows are copied with the domain. */
    apr_pool_create(&req, unit_pool);
    a = domain("l.example");
    a->ldap = apr_pcalloc(unit_pool, sizeof(*a->ldap));
    a->ldap->name = "ldap.example";
    a->ldap->bind_password = "secret";
    CHECK(amx_cache_get(c, "l", now, req, &got, &e, &gen) == AMX_CACHE_MISS);
    CHECK(amx_cache_put(c, "l", a, gen, req, &got) != NULL);
    CHECK(got->ldap != a->ldap && strcmp(got->ldap->bind_password, "secret") == 0);
    apr_pool_destroy(req);
}
