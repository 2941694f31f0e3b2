/* Seed documents: defaults, errors and where they are. */
#include <apr_strings.h>

#include "unit.h"
#include "amx_seed.h"

static const char *parse(const char *json, apr_array_header_t **out)
{
    return amx_seed_parse(unit_pool, json, strlen(json), out);
}

void test_seed(void)
{
    apr_array_header_t *all = NULL;
    amx_seed_provider *p;
    amx_seed_server *s;
    const char *err;

    err = parse("{\"provider\": \"Example Inc.\", \"domains\": [\"Example.com.\"],"
                " \"servers\": [{\"type\": \"imap\", \"name\": \"i\"},"
                " {\"type\": \"POP\", \"name\": \"p\"}, {\"type\": \"smtp\", \"name\": \"s\","
                " \"port\": 587}, {\"type\": \"CalDAV\", \"url\": \"https://d/\"}]}", &all);
    CHECK(err == NULL);
    if (err == NULL) {
        p = &APR_ARRAY_IDX(all, 0, amx_seed_provider);
        CHECK_STR(p->short_name, "Example");
        CHECK_STR(APR_ARRAY_IDX(p->domains, 0, amx_seed_domain).name, "example.com");
        s = &APR_ARRAY_IDX(p->servers, 0, amx_seed_server);
        CHECK(s->server.port == 993 && strcmp(s->server.socket_type, "SSL") == 0);
        CHECK(s->server.prio == 10 && strcmp(s->server.user_name, "%EMAILADDRESS%") == 0);
        CHECK_STR(s->server.authentication, "plain");
        s = &APR_ARRAY_IDX(p->servers, 1, amx_seed_server);
        CHECK(s->server.port == 995 && strcmp(s->server.type, "pop") == 0);
        s = &APR_ARRAY_IDX(p->servers, 2, amx_seed_server);
        CHECK(s->server.port == 587 && strcmp(s->server.socket_type, "STARTTLS") == 0);
        s = &APR_ARRAY_IDX(p->servers, 3, amx_seed_server);
        CHECK(s->dav && s->davserver.use_ssl == 1 && s->davserver.domain_required == 1);
        CHECK_STR(s->davserver.type, "caldav");
        CHECK(s->davserver.port == 0);
        CHECK(s->domains == NULL);
    }

    /* automx2's own test seed names its DAV entries; automx2 ignores the
     * name there, so do we. */
    err = parse("{\"version\": 2, \"provider\": \"P\", \"domains\": [{\"name\": \"a.b\"}],"
                " \"servers\": [{\"type\": \"imap\", \"name\": \"i\"},"
                " {\"name\": \"caldav\", \"type\": \"caldav\", \"url\": \"x\"}]}", &all);
    CHECK(err == NULL);
    if (err == NULL) {
        s = &APR_ARRAY_IDX(APR_ARRAY_IDX(all, 0, amx_seed_provider).servers, 1, amx_seed_server);
        CHECK(s->dav);
        CHECK_STR(s->davserver.url, "x");
    }

    err = parse("{\"version\": 2, \"provider\": \"P\", \"domains\": [{\"name\": \"a.b\","
                " \"ldapserver_id\": 5}], \"ldapservers\": [{\"id\": 5, \"name\": \"l\","
                " \"port\": 389, \"search_base\": \"o=x\"}], \"servers\": [{\"type\": \"smtp\","
                " \"name\": \"s\"}]}", &all);
    CHECK(err == NULL);
    if (err == NULL) {
        p = &APR_ARRAY_IDX(all, 0, amx_seed_provider);
        amx_ldapserver *l = &APR_ARRAY_IDX(p->ldapservers, 0, amx_ldapserver);
        CHECK(l->use_ssl == 0 && strcmp(l->search_filter, "(mail={0})") == 0);
        CHECK_STR(l->attr_uid, "uid");
        CHECK(amx_seed_has_ldap(p, 5) && !amx_seed_has_ldap(p, 6));
    }

    err = parse("[{\"provider\": \"A\", \"domains\": [\"a.b\"], \"servers\": "
                "[{\"type\": \"imap\", \"name\": \"i\"}]}, {\"provider\": \"B\", \"domains\": "
                "[\"c.d\"], \"servers\": [{\"type\": \"imap\", \"name\": \"i\", \"port\": 0}]}]",
                &all);
    CHECK_STR(err, "[1].servers[0].port: must be from 1 to 65535");
    err = parse("{\"provider\": \"A\", \"domains\": [\"a.b\"], \"servers\": "
                "[{\"type\": \"imap\", \"name\": \"i\", \"domains\": [\"x.y\"]}]}", &all);
    CHECK_STR(err, "servers[0].domains[0]: \"x.y\" is not one of the provider's domains");
    err = parse("{\"provider\": \"A\", \"provider\": \"B\"}", &all);
    CHECK(err != NULL && strstr(err, "invalid JSON") != NULL);
    err = parse("{\"provider\": \"A\", \"domains\": [\"a.b\"], \"servers\": []}", &all);
    CHECK_STR(err, "servers: no mail server (imap, pop or smtp)");
    err = parse("{\"provider\": \"A\", \"domains\": [\"a.b\"], \"servers\": [],"
                " \"serverless\": true}", &all);
    CHECK(err == NULL);
    err = parse("{\"provider\": \"A\\u0000B\", \"domains\": [\"a.b\"], \"servers\": []}", &all);
    /* jansson refuses an escaped NUL itself, with the position. */
    CHECK(err != NULL && strstr(err, "column 23") != NULL);
    err = parse("{\"version\": \"2\", \"provider\": \"A\"}", &all);
    CHECK_STR(err, "version: must be an integer");
}
