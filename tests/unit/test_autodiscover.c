/* The Autodiscover request reader and reply writer. */
#include <apr_strings.h>
#include <libxml/parser.h>

#include "unit.h"
#include "amx_autodiscover.h"
#include "amx_xml.h"

#define REQ(inner) "<Autodiscover xmlns=\"" AMX_AD_REQUEST_NS "\"><Request>" inner \
                   "</Request></Autodiscover>"

static amx_ad_status parse(const char *s, amx_ad_request *req)
{
    return amx_ad_parse(unit_pool, s, strlen(s), req);
}

/* A structured error handler some other code of the process installed. */
static int foreign_errors;
static void foreign_handler(void *ctx, xmlErrorPtr e)
{
    foreign_errors++;
}

/* Two addresses, two schemas or two requests: which one would be meant is
 * anybody's guess, as with a repeated query parameter. */
static void test_repeated_elements(void)
{
    amx_ad_request req;
    CHECK(parse(REQ("<EMailAddress>a@b.c</EMailAddress><EMailAddress>x@y.z</EMailAddress>"),
                &req) == AMX_AD_REPEATED);
    CHECK(req.reason && strstr(req.reason, "EMailAddress"));
    CHECK(parse(REQ("<EMailAddress>a@b.c</EMailAddress>"
                    "<AcceptableResponseSchema>" AMX_AD_OUTLOOK_NS "</AcceptableResponseSchema>"
                    "<AcceptableResponseSchema>" AMX_AD_MOBILESYNC_NS "</AcceptableResponseSchema>"),
                &req) == AMX_AD_REPEATED);
    CHECK(parse("<Autodiscover xmlns=\"" AMX_AD_REQUEST_NS "\">"
                "<Request><EMailAddress>a@b.c</EMailAddress></Request>"
                "<Request><EMailAddress>x@y.z</EMailAddress></Request></Autodiscover>",
                &req) == AMX_AD_REPEATED);
    /* An element of another namespace is not a second address. */
    CHECK(parse(REQ("<EMailAddress>a@b.c</EMailAddress>"
                    "<x:EMailAddress xmlns:x=\"urn:other\">x@y.z</x:EMailAddress>"), &req) == AMX_AD_OK);
    CHECK_STR(req.address, "a@b.c");
}

/* The parser reports its errors to its own handler, never to the
 * thread's global one, which belongs to whoever set it. */
static void test_own_error_handler(void)
{
    amx_ad_request req;
    foreign_errors = 0;
    xmlSetStructuredErrorFunc(NULL, foreign_handler);
    CHECK(parse("<Autodiscover><unclosed></Autodiscover>", &req) == AMX_AD_MALFORMED);
    CHECK(parse(REQ("<EMailAddress>a@b.c</EMailAddress>") "<trailing/>", &req) == AMX_AD_MALFORMED);
    CHECK(parse("<a xmlns:p=\"\"/>", &req) != AMX_AD_OK);
    CHECK(parse(REQ("<EMailAddress>a@b.c</EMailAddress>"), &req) == AMX_AD_OK);
    xmlSetStructuredErrorFunc(NULL, NULL);
    CHECK(foreign_errors == 0);
}

/* A thread reuses its parser context: what one request did must not
 * reach the next, and two readers open at once each have their own. */
static void test_reused_context(void)
{
    amx_ad_request req;
    amx_ad_reader *a, *b;
    int i;

    for (i = 0; i < 3; i++) {
        CHECK(parse("<!DOCTYPE x [<!ENTITY e \"a@b.c\">]>" REQ("<EMailAddress>&e;</EMailAddress>"),
                    &req) == AMX_AD_DTD);
        CHECK(parse(REQ("<EMailAddress>a@b.c</EMailAddress>"), &req) == AMX_AD_OK);
        CHECK_STR(req.address, "a@b.c");
        CHECK(parse("<Autodiscover", &req) == AMX_AD_MALFORMED);
        CHECK(parse(REQ("<EMailAddress>&undefined;</EMailAddress>"), &req) == AMX_AD_MALFORMED);
        CHECK(parse(REQ("<EMailAddress>x@y.z</EMailAddress>"), &req) == AMX_AD_OK);
        CHECK_STR(req.address, "x@y.z");
    }
    a = amx_ad_reader_create(unit_pool);
    b = amx_ad_reader_create(unit_pool);
    amx_ad_reader_feed(a, REQ("<EMailAddress>a@a.a"), strlen(REQ("<EMailAddress>a@a.a")) - 20);
    amx_ad_reader_feed(b, REQ("<EMailAddress>b@b.b</EMailAddress>"),
                       strlen(REQ("<EMailAddress>b@b.b</EMailAddress>")));
    amx_ad_reader_feed(a, "</EMailAddress></Request></Autodiscover>" + 0, 0);
    CHECK(amx_ad_reader_finish(b, &req) == AMX_AD_OK);
    CHECK_STR(req.address, "b@b.b");
    CHECK(amx_ad_reader_finish(a, &req) == AMX_AD_MALFORMED);
    /* Many invented names: the context that learnt them is not kept, and
     * the next request still parses. */
    for (i = 0; i < 300; i++) {
        char *doc = apr_psprintf(unit_pool, "<Autodiscover xmlns=\"%s\"><Request><n%d/>"
                                 "<EMailAddress>a@b.c</EMailAddress></Request></Autodiscover>",
                                 AMX_AD_REQUEST_NS, i);
        CHECK(parse(doc, &req) == AMX_AD_OK);
    }
    CHECK_STR(req.address, "a@b.c");
}

/* The text is all the text below the element, as the tree's
 * xmlNodeGetContent() gave it. */
static void test_text(void)
{
    amx_ad_request req;
    CHECK(parse(REQ("<EMailAddress>a<x>b<y>c</y></x>@d.e</EMailAddress>"), &req) == AMX_AD_OK);
    CHECK_STR(req.address, "abc@d.e");
    CHECK(parse(REQ("<EMailAddress><![CDATA[a&b]]>@c.d<!-- no -->&#x41;</EMailAddress>"), &req)
          == AMX_AD_OK);
    CHECK_STR(req.address, "a&b@c.dA");
    CHECK(parse(REQ("<EMailAddress></EMailAddress>"), &req) == AMX_AD_OK);
    CHECK(req.address_len == 0);
    /* Only a child of Request counts. */
    CHECK(parse(REQ("<x><EMailAddress>a@b.c</EMailAddress></x>"), &req) == AMX_AD_NO_ADDRESS);
    CHECK(parse("<Autodiscover xmlns=\"" AMX_AD_REQUEST_NS "\"><EMailAddress>a@b.c</EMailAddress>"
                "</Autodiscover>", &req) == AMX_AD_NAMESPACE);
}

/* Prefixes are bound by the reader: scopes, redefinitions, undeclaring. */
static void test_namespaces(void)
{
    amx_ad_request req;
    CHECK(parse("<a:Autodiscover xmlns:a=\"" AMX_AD_REQUEST_NS "\"><a:Request xmlns:a=\"urn:o\">"
                "<a:EMailAddress>a@b.c</a:EMailAddress></a:Request></a:Autodiscover>", &req)
          == AMX_AD_NAMESPACE);
    CHECK(parse("<Autodiscover xmlns=\"" AMX_AD_REQUEST_NS "\"><Request xmlns=\"\">"
                "<EMailAddress>a@b.c</EMailAddress></Request></Autodiscover>", &req)
          == AMX_AD_NAMESPACE);
    CHECK(parse("<a:Autodiscover xmlns:a=\"" AMX_AD_REQUEST_NS "\"><Request xmlns=\""
                AMX_AD_REQUEST_NS "\"><EMailAddress>a@b.c</EMailAddress></Request>"
                "</a:Autodiscover>", &req) == AMX_AD_OK);
    CHECK_STR(req.address, "a@b.c");
    /* A declaration ends with its element. */
    CHECK(parse("<Autodiscover xmlns=\"" AMX_AD_REQUEST_NS "\"><x xmlns=\"urn:o\"/><Request>"
                "<EMailAddress>a@b.c</EMailAddress></Request></Autodiscover>", &req) == AMX_AD_OK);
    CHECK(parse("<Autodiscover xmlns=\"" AMX_AD_REQUEST_NS "\"><Request><y:EMailAddress "
                "xmlns:y=\"urn:o\">a@b.c</y:EMailAddress><EMailAddress>d@e.f</EMailAddress>"
                "</Request></Autodiscover>", &req) == AMX_AD_OK);
    CHECK_STR(req.address, "d@e.f");
    /* An undeclared prefix is in no namespace. */
    CHECK(parse("<b:Autodiscover><b:Request><b:EMailAddress>a@b.c</b:EMailAddress></b:Request>"
                "</b:Autodiscover>", &req) == AMX_AD_NAMESPACE);
    CHECK(parse("<Autodiscover xmlns:xmlnsx=\"" AMX_AD_REQUEST_NS "\"><Request>"
                "<EMailAddress>a@b.c</EMailAddress></Request></Autodiscover>", &req)
          == AMX_AD_NAMESPACE);
}

/* 257 levels are taken, 258 not, as libxml2 took them when it built a
 * tree. */
static void test_depth(void)
{
    amx_ad_request req;
    int levels;
    for (levels = 257; levels <= 258; levels++) {
        apr_size_t i, n = (apr_size_t)levels - 2;
        char *doc = apr_palloc(unit_pool, n * 9 + 300), *w = doc;
        w += sprintf(w, "<Autodiscover xmlns=\"%s\"><Request>", AMX_AD_REQUEST_NS);
        w += sprintf(w, "<EMailAddress>a@b.c</EMailAddress>");
        for (i = 0; i < n; i++)
            w += sprintf(w, "<a>");
        for (i = 0; i < n; i++)
            w += sprintf(w, "</a>");
        w += sprintf(w, "<z/></Request></Autodiscover>");
        CHECK(amx_ad_parse(unit_pool, doc, (apr_size_t)(w - doc), &req)
              == (levels == 257 ? AMX_AD_OK : AMX_AD_MALFORMED));
    }
}

void test_autodiscover(void)
{
    amx_ad_request req;
    amx_ad_reader *rd;

    test_repeated_elements();
    test_own_error_handler();
    test_reused_context();
    test_text();
    test_depth();
    test_namespaces();
    const char *whole = REQ("<EMailAddress> user@example.com\n</EMailAddress>"
                            "<AcceptableResponseSchema>" AMX_AD_OUTLOOK_NS
                            "</AcceptableResponseSchema>");

    CHECK(parse(whole, &req) == AMX_AD_OK);
    CHECK_STR(req.address, "user@example.com");
    CHECK(req.address_len == 16);
    CHECK(req.schema_kind == AMX_AD_SCHEMA_OUTLOOK);

    /* Fed a byte at a time, as a slow client would send it. */
    rd = amx_ad_reader_create(unit_pool);
    for (size_t i = 0; whole[i]; i++)
        amx_ad_reader_feed(rd, whole + i, 1);
    CHECK(amx_ad_reader_finish(rd, &req) == AMX_AD_OK);
    CHECK_STR(req.address, "user@example.com");

    CHECK(parse(REQ("<EMailAddress>a@b.c</EMailAddress>"), &req) == AMX_AD_OK);
    CHECK(req.schema == NULL && req.schema_kind == AMX_AD_SCHEMA_OUTLOOK);
    CHECK(parse(REQ("<EMailAddress>a@b.c</EMailAddress><AcceptableResponseSchema>"
                    AMX_AD_MOBILESYNC_NS "</AcceptableResponseSchema>"), &req) == AMX_AD_OK);
    CHECK(req.schema_kind == AMX_AD_SCHEMA_MOBILESYNC);
    CHECK(parse(REQ("<EMailAddress>a@b.c</EMailAddress><AcceptableResponseSchema>x"
                    "</AcceptableResponseSchema>"), &req) == AMX_AD_OK);
    CHECK(req.schema_kind == AMX_AD_SCHEMA_OTHER);
    /* Escaped characters are data. */
    CHECK(parse(REQ("<EMailAddress>a&amp;b&lt;@b.c</EMailAddress>"), &req) == AMX_AD_OK);
    CHECK_STR(req.address, "a&b<@b.c");
    /* A prefix for the namespace is as good as a default namespace. */
    CHECK(parse("<a:Autodiscover xmlns:a=\"" AMX_AD_REQUEST_NS "\"><a:Request>"
                "<a:EMailAddress>p@q.r</a:EMailAddress></a:Request></a:Autodiscover>", &req)
          == AMX_AD_OK);

    CHECK(amx_ad_parse(unit_pool, "", 0, &req) == AMX_AD_EMPTY);
    CHECK(parse("<Autodiscover", &req) == AMX_AD_MALFORMED);
    CHECK(parse("plain text", &req) == AMX_AD_MALFORMED);
    CHECK(parse(REQ("<EMailAddress>&undefined;</EMailAddress>"), &req) == AMX_AD_MALFORMED);
    CHECK(parse("<Autodiscover><Request><EMailAddress>a@b.c</EMailAddress></Request>"
                "</Autodiscover>", &req) == AMX_AD_NAMESPACE);
    CHECK(parse("<Other xmlns=\"" AMX_AD_REQUEST_NS "\"/>", &req) == AMX_AD_NAMESPACE);
    CHECK(parse(REQ("<Email>a@b.c</Email>"), &req) == AMX_AD_NO_ADDRESS);
    CHECK(req.reason != NULL);
    CHECK(parse("<!DOCTYPE x [<!ENTITY e \"a@b.c\">]>" REQ("<EMailAddress>&e;</EMailAddress>"),
                &req) == AMX_AD_DTD);
    CHECK(parse("<!DOCTYPE Autodiscover SYSTEM \"file:///etc/passwd\">"
                REQ("<EMailAddress>a@b.c</EMailAddress>"), &req) == AMX_AD_DTD);
    CHECK(parse("<?xml version=\"1.0\"?>\n<!DOCTYPE x>" REQ("<EMailAddress>a@b.c</EMailAddress>"),
                &req) == AMX_AD_DTD);
    /* Broken UTF-8 is not well-formed. */
    CHECK(parse(REQ("<EMailAddress>a\xff@b.c</EMailAddress>"), &req) == AMX_AD_MALFORMED);

    /* libxml2's depth limit (256 without XML_PARSE_HUGE) stops deep nesting. */
    {
        apr_size_t n = 2000, i;
        char *deep = apr_palloc(unit_pool, n * 7 + 200), *w = deep;
        w += sprintf(w, "<Autodiscover xmlns=\"%s\"><Request>", AMX_AD_REQUEST_NS);
        for (i = 0; i < n; i++)
            w += sprintf(w, "<a>");
        for (i = 0; i < n; i++)
            w += sprintf(w, "</a>");
        w += sprintf(w, "</Request></Autodiscover>");
        CHECK(amx_ad_parse(unit_pool, deep, (apr_size_t)(w - deep), &req) == AMX_AD_MALFORMED);
    }

    /* The reply: STARTTLS says SSL on and Encryption TLS. */
    {
        amx_domain_data d = { 0 };
        amx_address addr = { "jo@example.com", "jo", "example.com" };
        amx_identity ldap = { "jdoe", "Jo <Doe>" };
        amx_xml_membuf buf = { unit_pool, NULL, 0, 0 };
        amx_xml *w;
        amx_server *s;
        amx_davserver *v;

        d.name = "example.com";
        d.provider_domains = apr_array_make(unit_pool, 1, sizeof(const char *));
        d.servers = apr_array_make(unit_pool, 2, sizeof(amx_server));
        d.davservers = apr_array_make(unit_pool, 1, sizeof(amx_davserver));
        s = apr_array_push(d.servers);
        *s = (amx_server){ 1, 10, "mail.%EMAILDOMAIN%", 143, "imap", "STARTTLS",
                           "%EMAILLOCALPART%", "plain" };
        v = apr_array_push(d.davservers);
        *v = (amx_davserver){ 2, "https://dav.example.com/", 0, "carddav", 1, 0, NULL };
        w = amx_xml_open(unit_pool, amx_xml_membuf_write, &buf);
        CHECK(amx_autodiscover_write(w, unit_pool, &d, NULL, &addr) == 0 && amx_xml_close(w) == 0);
        CHECK(strstr(buf.data, "<Server>mail.example.com</Server>") != NULL);
        CHECK(strstr(buf.data, "<LoginName>jo</LoginName>") != NULL);
        CHECK(strstr(buf.data, "<SSL>on</SSL>\n        <Encryption>TLS</Encryption>") != NULL);
        CHECK(strstr(buf.data, "<Type>CardDAV</Type>") != NULL);
        CHECK(strstr(buf.data, "DisplayName") == NULL);

        buf = (amx_xml_membuf){ unit_pool, NULL, 0, 0 };
        w = amx_xml_open(unit_pool, amx_xml_membuf_write, &buf);
        CHECK(amx_autodiscover_write(w, unit_pool, &d, &ldap, &addr) == 0 && amx_xml_close(w) == 0);
        CHECK(strstr(buf.data, "<DisplayName>Jo &lt;Doe&gt;</DisplayName>") != NULL);
        CHECK(strstr(buf.data, "<LoginName>jdoe</LoginName>") != NULL);
    }
}
