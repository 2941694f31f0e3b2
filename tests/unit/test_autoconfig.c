/* The Autoconfig generator, into memory, parsed back by libxml2. */
#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "unit.h"
#include "amx_autoconfig.h"
#include "amx_model.h"
#include "amx_xml.h"

static amx_domain_data *sample(void)
{
    amx_domain_data *d = apr_pcalloc(unit_pool, sizeof(*d));
    amx_server *s;

    d->id = 3000;
    d->name = "example.com";
    d->provider_id = 1000;
    d->provider_name = "Ham & Eggs <Ltd>";
    d->provider_short_name = "H+E";
    d->provider_domains = apr_array_make(unit_pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(d->provider_domains, const char *) = "example.com";
    APR_ARRAY_PUSH(d->provider_domains, const char *) = "example.net";
    d->servers = apr_array_make(unit_pool, 2, sizeof(amx_server));
    d->davservers = apr_array_make(unit_pool, 1, sizeof(amx_davserver));
    s = apr_array_push(d->servers);
    *s = (amx_server){ 1, 5, "smtp.example.com", 587, "smtp", "STARTTLS", "%EMAILADDRESS%", "plain" };
    s = apr_array_push(d->servers);
    *s = (amx_server){ 2, 10, "imap.example.com", 993, "IMAP", "tls", "%EMAILLOCALPART%", "plain" };
    s = apr_array_push(d->servers);
    *s = (amx_server){ 3, 20, "pop.example.com", 110, "pop", "plain", "u", "none" };
    return d;
}

static char *xpath(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    char *out = NULL;
    if (obj) {
        xmlChar *s = xmlXPathCastToString(obj);
        out = apr_pstrdup(unit_pool, (const char *)s);
        xmlFree(s);
        xmlXPathFreeObject(obj);
    }
    xmlXPathFreeContext(ctx);
    return out;
}

static int unwritable(const char *s)
{
    return amx_xml_unwritable(s) >= 0;
}

/* The row of the first value a reply writes altered. */
static void test_find_unwritable(void)
{
    amx_domain_data *d = sample();
    amx_data_error err = { 0 };

    CHECK(amx_domain_find(d, unwritable, &err) == 0);
    APR_ARRAY_IDX(d->servers, 2, amx_server).user_name = "u\x01";
    CHECK(amx_domain_find(d, unwritable, &err) == 1);
    CHECK_STR(err.table, "server");
    CHECK(err.id == 3);
    CHECK_STR(err.column, "user_name");
    APR_ARRAY_IDX(d->provider_domains, 1, const char *) = "ex\xff" "ample.net";
    CHECK(amx_domain_find(d, unwritable, &err) == 1);
    CHECK_STR(err.table, "provider");
    CHECK(err.id == 1000);
}

void test_autoconfig(void)
{
    amx_domain_data *d = sample();
    amx_xml_membuf buf = { unit_pool, NULL, 0, 0 };

    test_find_unwritable();
    amx_identity none = { NULL, NULL }, ldap = { "jdoe", "John Doe" };
    amx_data_error err;
    amx_xml *w;
    xmlDocPtr doc;

    CHECK(amx_domain_check(d, &err) == 0);
    w = amx_xml_open(unit_pool, amx_xml_membuf_write, &buf);
    CHECK(w != NULL);
    CHECK(amx_autoconfig_write(w, d, &none) == 0);
    CHECK(amx_xml_close(w) == 0);
    doc = xmlReadMemory(buf.data, (int)buf.len, NULL, "UTF-8", XML_PARSE_NONET);
    CHECK(doc != NULL);
    if (doc) {
        CHECK_STR(xpath(doc, "string(/clientConfig/@version)"), "1.1");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/@id)"), "example.com");
        CHECK_STR(xpath(doc, "string(count(/clientConfig/emailProvider/domain))"), "2");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/displayName)"), "Ham & Eggs <Ltd>");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/displayShortName)"), "H+E");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/*[6]/@type)"), "smtp");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/*[7]/@type)"), "imap");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/*[8]/@type)"), "pop3");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/*[7]/socketType)"), "SSL");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/*[6]/socketType)"), "STARTTLS");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/*[8]/socketType)"), "plain");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/*[7]/username)"), "%EMAILLOCALPART%");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/*[7]/port)"), "993");
        xmlFreeDoc(doc);
    }
    CHECK(strstr(buf.data, "Ham &amp; Eggs &lt;Ltd&gt;") != NULL);

    /* An LDAP uid replaces every username. */
    buf = (amx_xml_membuf){ unit_pool, NULL, 0, 0 };
    w = amx_xml_open(unit_pool, amx_xml_membuf_write, &buf);
    CHECK(amx_autoconfig_write(w, d, &ldap) == 0 && amx_xml_close(w) == 0);
    CHECK(strstr(buf.data, "%EMAIL") == NULL);
    CHECK(strstr(buf.data, "<username>jdoe</username>") != NULL);

    /* Unknown type or socket type is refused before writing, naming the row. */
    APR_ARRAY_IDX(d->servers, 1, amx_server).type = "INVALID";
    CHECK(amx_domain_check(d, &err) == -1);
    CHECK_STR(err.table, "server");
    CHECK(err.id == 2);
    CHECK_STR(err.column, "type");
    APR_ARRAY_IDX(d->servers, 1, amx_server).type = "imap";
    APR_ARRAY_IDX(d->servers, 2, amx_server).socket_type = "ssl/tls";
    CHECK(amx_domain_check(d, &err) == -1);
    CHECK_STR(err.column, "socket_type");

    /* Booleans in every spelling the drivers use. */
    {
        int b = -1;
        CHECK(amx_bool_parse("t", &b) == 0 && b == 1);
        CHECK(amx_bool_parse("FALSE", &b) == 0 && b == 0);
        CHECK(amx_bool_parse("1", &b) == 0 && b == 1);
        CHECK(amx_bool_parse("maybe", &b) == -1);
        CHECK(amx_bool_parse(NULL, &b) == -1);
    }
}
