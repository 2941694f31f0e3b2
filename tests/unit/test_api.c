/* The provisioning API's pure parts: merge patches, ETags, page
 * parameters, problem documents, rows to and from JSON. */
#include <stdlib.h>
#include <apr_strings.h>
#include <jansson.h>

#include "unit.h"
#include "amx_api_doc.h"
#include "amx_api_problem.h"
#include "amx_api_resource.h"

static json_t *j(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (v == NULL)
        fprintf(stderr, "bad test JSON %s: %s\n", text, e.text);
    return v;
}

/* RFC 7396, appendix A: target, patch, result. */
static void merge_case(const char *target, const char *patch, const char *want)
{
    json_t *t = j(target), *p = j(patch), *w = j(want), *before = j(target);
    json_t *got = amx_api_merge_patch(t, p);
    CHECK_STR(amx_api_canonical(unit_pool, got), amx_api_canonical(unit_pool, w));
    /* The target is left as it was. */
    CHECK(json_equal(t, before));
    json_decref(t);
    json_decref(before);
    json_decref(p);
    json_decref(w);
    json_decref(got);
}

static void test_merge_patch(void)
{
    merge_case("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
    merge_case("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
    merge_case("{\"a\":\"b\"}", "{\"a\":null}", "{}");
    merge_case("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
    merge_case("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
    merge_case("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
    merge_case("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}");
    merge_case("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
    merge_case("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]");
    merge_case("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]");
    merge_case("{\"a\":\"foo\"}", "null", "null");
    merge_case("{\"a\":\"foo\"}", "\"bar\"", "\"bar\"");
    merge_case("{\"e\":null}", "{\"a\":1}", "{\"a\":1,\"e\":null}");
    merge_case("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}");
    merge_case("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
}

static void test_etag(void)
{
    json_t *a = j("{\"b\":1,\"a\":[true,null]}"), *b = j("{\"a\":[true,null],\"b\":1}");
    const char *ea = amx_api_etag(unit_pool, amx_api_canonical(unit_pool, a));

    /* The canonical form: sorted, compact; so the ETag ignores key order. */
    CHECK_STR(amx_api_canonical(unit_pool, a), "{\"a\":[true,null],\"b\":1}");
    CHECK_STR(ea, amx_api_etag(unit_pool, amx_api_canonical(unit_pool, b)));
    CHECK(strlen(ea) == 34 && ea[0] == '"' && ea[33] == '"');
    /* SHA-256 of "{}" begins 44136fa355b3678a. */
    CHECK_STR(amx_api_etag(unit_pool, "{}"), "\"44136fa355b3678a1146ad16f7e8649e\"");
    CHECK(strcmp(ea, amx_api_etag(unit_pool, "{\"a\":[true,null],\"b\":2}")) != 0);

    CHECK(amx_api_etag_listed(unit_pool, ea, ea, 0));
    CHECK(amx_api_etag_listed(unit_pool, "*", ea, 0));
    CHECK(amx_api_etag_listed(unit_pool, apr_pstrcat(unit_pool, "\"x\", ", ea, " ", NULL), ea, 0));
    CHECK(!amx_api_etag_listed(unit_pool, "\"x\", \"y\"", ea, 0));
    /* Strong comparison (If-Match) never takes a weak tag; weak does. */
    CHECK(!amx_api_etag_listed(unit_pool, apr_pstrcat(unit_pool, "W/", ea, NULL), ea, 0));
    CHECK(amx_api_etag_listed(unit_pool, apr_pstrcat(unit_pool, "W/", ea, NULL), ea, 1));
    CHECK(!amx_api_etag_listed(unit_pool, "", ea, 0));
    json_decref(a);
    json_decref(b);
}

static void test_page_args(void)
{
    long limit, after;
    const char *field = NULL;

    CHECK(amx_api_page_args(unit_pool, NULL, &limit, &after, &field) == NULL);
    CHECK(limit == AMX_API_PAGE_DEFAULT && after == 0);
    CHECK(amx_api_page_args(unit_pool, "after=42&limit=7", &limit, &after, &field) == NULL);
    CHECK(limit == 7 && after == 42);
    CHECK(amx_api_page_args(unit_pool, "limit=500", &limit, &after, &field) == NULL);
    CHECK(amx_api_page_args(unit_pool, "limit=501", &limit, &after, &field) != NULL);
    CHECK_STR(field, "limit");
    CHECK(amx_api_page_args(unit_pool, "limit=0", &limit, &after, &field) != NULL);
    CHECK(amx_api_page_args(unit_pool, "limit=-1", &limit, &after, &field) != NULL);
    CHECK(amx_api_page_args(unit_pool, "limit=1x", &limit, &after, &field) != NULL);
    CHECK(amx_api_page_args(unit_pool, "limit=", &limit, &after, &field) != NULL);
    CHECK(amx_api_page_args(unit_pool, "after=99999999999", &limit, &after, &field) != NULL);
    CHECK_STR(field, "after");
    CHECK(amx_api_page_args(unit_pool, "limits=3&xafter=2", &limit, &after, &field) == NULL);
    CHECK(limit == AMX_API_PAGE_DEFAULT && after == 0);
    CHECK_STR(amx_api_arg(unit_pool, "a=1&cascade=tr%75e+x", "cascade"), "true x");
    CHECK_STR(amx_api_arg(unit_pool, "cascade", "cascade"), "");
    CHECK_STR(amx_api_arg(unit_pool, "x=%zz%4", "x"), "%zz%4");
    CHECK(amx_api_arg(unit_pool, "a=1", "cascade") == NULL);
}

static void test_problem(void)
{
    json_t *doc = amx_api_problem(unit_pool, 400, "Bad Request", "an invalid value", "servers[1]",
                                  "no server with id 9");
    CHECK_STR(amx_api_canonical(unit_pool, doc),
              "{\"detail\":\"an invalid value\",\"invalid-params\":[{\"name\":\"servers[1]\","
              "\"reason\":\"no server with id 9\"}],\"pointer\":\"/servers/1\",\"status\":400,"
              "\"title\":\"Bad Request\",\"type\":\"about:blank\"}");
    json_decref(doc);
    doc = amx_api_problem(unit_pool, 404, "Not Found", NULL, NULL, NULL);
    CHECK_STR(amx_api_canonical(unit_pool, doc),
              "{\"status\":404,\"title\":\"Not Found\",\"type\":\"about:blank\"}");
    json_decref(doc);
    CHECK_STR(amx_api_pointer(unit_pool, "a/b~c"), "/a~1b~0c");
    CHECK_STR(amx_api_pointer(unit_pool, "port"), "/port");
}

/* BODY checked as the API's resource NAME with ID; the error and field. */
static const char *row_of(const char *name, const char *body, long id, amx_api_row **row,
                          const char **field)
{
    const amx_api_resource *res = amx_api_resource_find(name, strlen(name));
    json_t *doc = j(body);
    const char *why;
    *row = amx_api_row_make(unit_pool, res);
    why = amx_api_row_from_json(unit_pool, res, doc, id, *row, field);
    json_decref(doc);
    return why;
}

static void test_rows(void)
{
    const amx_api_resource *servers = amx_api_resource_find("servers", 7);
    const amx_api_resource *ldap = amx_api_resource_find("ldapservers", 11);
    amx_api_row *row;
    const char *field, *why;
    json_t *doc;

    CHECK(amx_api_resource_find("servers/", 8) == NULL && amx_api_resource_find("server", 6) == NULL);
    /* A server with the seed's defaults, its links deduplicated. */
    why = row_of("servers", "{\"type\":\"SMTP\",\"name\":\"s\",\"port\":587,\"domains\":[3,1,3]}",
                 0, &row, &field);
    CHECK(why == NULL);
    if (why == NULL) {
        doc = amx_api_row_json(servers, row);
        CHECK_STR(amx_api_canonical(unit_pool, doc),
                  "{\"authentication\":\"plain\",\"domains\":[3,1],\"id\":0,\"name\":\"s\","
                  "\"port\":587,\"prio\":10,\"socket_type\":\"STARTTLS\",\"type\":\"smtp\","
                  "\"user_name\":\"%EMAILADDRESS%\"}");
        json_decref(doc);
    }
    why = row_of("servers", "{\"type\":\"imap\",\"name\":\"i\",\"port\":\"993\"}", 0, &row, &field);
    CHECK_STR(why, "must be an integer");
    CHECK_STR(field, "port");
    why = row_of("servers", "{\"type\":\"carddav\",\"url\":\"https://x/\"}", 0, &row, &field);
    CHECK_STR(field, "url");
    CHECK_STR(why, "unknown member");
    why = row_of("davservers", "{\"type\":\"imap\",\"url\":\"https://x/\"}", 0, &row, &field);
    CHECK_STR(field, "type");
    why = row_of("servers", "{\"type\":\"imap\",\"name\":\"i\",\"domains\":[1,0]}", 0, &row, &field);
    CHECK_STR(field, "domains[1]");
    why = row_of("servers", "{\"type\":\"imap\",\"name\":\"i\",\"domains\":3}", 0, &row, &field);
    CHECK_STR(field, "domains");
    /* id: never on a create, only the resource's own on a replace. */
    why = row_of("providers", "{\"name\":\"P Q\",\"id\":4}", 0, &row, &field);
    CHECK_STR(field, "id");
    why = row_of("providers", "{\"name\":\"P Q\",\"id\":4}", 4, &row, &field);
    CHECK(why == NULL && strcmp(row->values[1], "P") == 0);
    why = row_of("providers", "{\"name\":\"P Q\",\"id\":5}", 4, &row, &field);
    CHECK_STR(field, "id");
    why = row_of("providers", "[]", 0, &row, &field);
    CHECK(why != NULL && field == NULL);
    /* Domains: normalised, internationalised names validated. */
    why = row_of("domains", "{\"name\":\"M\\u00dcNCHEN.Example.\",\"provider_id\":2}", 0,
                 &row, &field);
    CHECK(why == NULL);
    if (why == NULL) {
        CHECK_STR(row->values[0], "m\xc3\xbcnchen.example");
        CHECK_STR(row->values[1], "2");
        CHECK(row->values[2] == NULL);
    }
    why = row_of("domains", "{\"name\":\"xn--zz.example\",\"provider_id\":2}", 0, &row, &field);
    CHECK_STR(field, "name");
    why = row_of("domains", "{\"name\":\"a.example\"}", 0, &row, &field);
    CHECK_STR(field, "provider_id");
    CHECK_STR(why, "missing");
    why = row_of("domains", "{\"name\":\"a.example\",\"provider_id\":1,\"ldapserver_id\":-1}", 0,
                 &row, &field);
    CHECK_STR(field, "ldapserver_id");
    /* The bind password goes in, never out. */
    why = row_of("ldapservers", "{\"name\":\"l\",\"search_base\":\"dc=x\",\"bind_password\":\"pw\","
                 "\"use_ssl\":false}", 7, &row, &field);
    CHECK(why == NULL);
    if (why == NULL) {
        CHECK_STR(row->values[amx_api_col_index(ldap, "bind_password")], "pw");
        CHECK_STR(row->values[amx_api_col_index(ldap, "use_ssl")], "0");
        doc = amx_api_row_json(ldap, row);
        CHECK(json_object_get(doc, "bind_password") == NULL);
        CHECK(json_is_false(json_object_get(doc, "use_ssl")));
        CHECK(json_integer_value(json_object_get(doc, "port")) == 636);
        json_decref(doc);
    }
    CHECK_STR(amx_api_domain_forms(unit_pool, "xn--bcher-kva.example", &field),
              "xn--bcher-kva.example");
    CHECK_STR(field, "b\xc3\xbc" "cher.example");
    CHECK(amx_api_domain_forms(unit_pool, "bad domain", &field) == NULL);
}

void test_api(void)
{
    test_merge_patch();
    test_etag();
    test_page_args();
    test_problem();
    test_rows();
}
