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
    d->davservers = apr_array_make(unit_pool, 2, sizeof(amx_davserver));
    s = apr_array_push(d->servers);
    *s = (amx_server){ 1, 5, "smtp.example.com", 587, "smtp", "STARTTLS", "%EMAILADDRESS%", "plain" };
    s = apr_array_push(d->servers);
    *s = (amx_server){ 2, 10, "imap.example.com", 993, "IMAP", "tls", "%EMAILLOCALPART%", "plain" };
    s = apr_array_push(d->servers);
    *s = (amx_server){ 3, 20, "pop.example.com", 110, "pop", "plain", "u", "none" };
    /* A plaintext IMAP server beside the encrypted one: left out. */
    s = apr_array_push(d->servers);
    *s = (amx_server){ 5, 30, "plain-imap.example.com", 143, "imap", "plain", "u", "secure" };
    *(amx_davserver *)apr_array_push(d->davservers) = (amx_davserver){
        4100, "https://dav.example.com/cal/%EMAILADDRESS%", 443, "caldav", 1, 0, "%EMAILADDRESS%" };
    *(amx_davserver *)apr_array_push(d->davservers) = (amx_davserver){
        4101, " http://dav.example.com/card ", 0, "CardDAV", 0, 1, NULL };
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

static char *render(amx_domain_data *d, const amx_identity *id, amx_data_error *err)
{
    amx_xml_membuf buf = { unit_pool, NULL, 0, 0 };
    amx_autoconfig_doc *doc;
    amx_xml *w;

    if (amx_autoconfig_prepare(unit_pool, d, &doc, err) != 0)
        return NULL;
    w = amx_xml_open(unit_pool, amx_xml_membuf_write, &buf);
    if (w == NULL || amx_autoconfig_write(w, doc, id) != 0 || amx_xml_close(w) != 0)
        return NULL;
    return apr_pstrmemdup(unit_pool, buf.data, buf.len);
}

#define SRV "/clientConfig/emailProvider/*[self::incomingServer or self::outgoingServer]"

static void test_document(void)
{
    amx_domain_data *d = sample();
    amx_identity none = { NULL, NULL }, ldap = { "jdoe", "John Doe" };
    amx_data_error err;
    char *xml = render(d, &none, &err);
    xmlDocPtr doc;

    CHECK(xml != NULL);
    if (xml == NULL)
        return;
    /* Nothing before the declaration: Thunderbird for Android refuses it. */
    CHECK(strncmp(xml, "<?xml", 5) == 0);
    doc = xmlReadMemory(xml, (int)strlen(xml), NULL, "UTF-8", XML_PARSE_NONET);
    CHECK(doc != NULL);
    if (doc) {
        CHECK_STR(xpath(doc, "string(/clientConfig/@version)"), "1.1");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/@id)"), "example.com");
        CHECK_STR(xpath(doc, "string(count(/clientConfig/emailProvider/domain))"), "2");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/displayName)"), "Ham & Eggs <Ltd>");
        CHECK_STR(xpath(doc, "string(/clientConfig/emailProvider/displayShortName)"), "H+E");
        /* Incoming (prio order) before outgoing; the plaintext IMAP
         * server is left out, the plaintext POP server, the only one of
         * its protocol, stays. */
        CHECK_STR(xpath(doc, "string(count(" SRV "))"), "3");
        CHECK_STR(xpath(doc, "name(" SRV "[1])"), "incomingServer");
        CHECK_STR(xpath(doc, "string(" SRV "[1]/@type)"), "imap");
        CHECK_STR(xpath(doc, "string(" SRV "[2]/@type)"), "pop3");
        CHECK_STR(xpath(doc, "name(" SRV "[3])"), "outgoingServer");
        CHECK_STR(xpath(doc, "string(" SRV "[3]/@type)"), "smtp");
        CHECK_STR(xpath(doc, "string(count(//hostname[. = 'plain-imap.example.com']))"), "0");
        CHECK_STR(xpath(doc, "string(" SRV "[1]/socketType)"), "SSL");
        CHECK_STR(xpath(doc, "string(" SRV "[2]/socketType)"), "plain");
        CHECK_STR(xpath(doc, "string(" SRV "[3]/socketType)"), "STARTTLS");
        CHECK_STR(xpath(doc, "string(" SRV "[1]/username)"), "%EMAILLOCALPART%");
        CHECK_STR(xpath(doc, "string(" SRV "[1]/port)"), "993");
        CHECK_STR(xpath(doc, "string(" SRV "[1]/authentication)"), "password-cleartext");
        CHECK_STR(xpath(doc, "string(" SRV "[2]/authentication)"), "none");
        CHECK_STR(xpath(doc, "string(" SRV "[3]/authentication)"), "password-cleartext");
        /* DAV servers: children of clientConfig after emailProvider. */
        CHECK_STR(xpath(doc, "name(/clientConfig/*[1])"), "emailProvider");
        CHECK_STR(xpath(doc, "name(/clientConfig/*[2])"), "calendar");
        CHECK_STR(xpath(doc, "string(/clientConfig/calendar/@type)"), "caldav");
        CHECK_STR(xpath(doc, "string(/clientConfig/calendar/url)"),
                  "https://dav.example.com/cal/%EMAILADDRESS%");
        CHECK_STR(xpath(doc, "string(/clientConfig/calendar/username)"), "%EMAILADDRESS%");
        CHECK_STR(xpath(doc, "string(/clientConfig/calendar/authentication/@system)"), "http");
        CHECK_STR(xpath(doc, "string(/clientConfig/calendar/authentication)"), "Basic");
        CHECK_STR(xpath(doc, "name(/clientConfig/*[3])"), "addressbook");
        CHECK_STR(xpath(doc, "string(/clientConfig/addressbook/@type)"), "carddav");
        CHECK_STR(xpath(doc, "string(/clientConfig/addressbook/url)"), "http://dav.example.com/card");
        CHECK_STR(xpath(doc, "string(count(/clientConfig/addressbook/username))"), "0");
        CHECK_STR(xpath(doc, "string(/clientConfig/addressbook/authentication)"), "Basic");
        xmlFreeDoc(doc);
    }
    CHECK(strstr(xml, "Ham &amp; Eggs &lt;Ltd&gt;") != NULL);
    CHECK(strstr(xml, "<authentication system=\"http\">Basic</authentication>\n") != NULL);

    /* An LDAP uid replaces every username. */
    xml = render(d, &ldap, &err);
    CHECK(xml != NULL);
    if (xml) {
        CHECK(strstr(xml, "<username>%EMAIL") == NULL);
        CHECK(strstr(xml, "<username>jdoe</username>") != NULL);
    }

    /* The plaintext server is the only IMAP one when the encrypted one is
     * gone: then it stays. */
    APR_ARRAY_IDX(d->servers, 1, amx_server).type = "smtp";
    xml = render(d, &none, &err);
    CHECK(xml && strstr(xml, "plain-imap.example.com") != NULL);
}

static void test_authentication(void)
{
    static const char *const cases[][2] = {
        { "plain", "password-cleartext" }, { "PLAIN", "password-cleartext" },
        { "secure", "password-encrypted" }, { "Encrypted", "password-encrypted" },
        { "password-cleartext", "password-cleartext" },
        { "Password-Encrypted", "password-encrypted" },
        { "ntlm", "NTLM" }, { "gssapi", "GSSAPI" },
        { "client-ip-address", "client-IP-address" },
        { "tls-client-cert", "TLS-client-cert" },
        { "oauth2", "OAuth2" }, { "NONE", "none" },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(amx_ac_authentication(cases[i][0]), cases[i][1]);
    CHECK(amx_ac_authentication("kerberos") == NULL);
    CHECK(amx_ac_authentication("") == NULL);
    CHECK(amx_ac_authentication(NULL) == NULL);
    CHECK(amx_ac_authentication("plain ") == NULL); /* prepare trims first */
}

static void test_dav_url(void)
{
    apr_pool_t *p = unit_pool;

    CHECK_STR(amx_ac_dav_url(p, "https://dav.example.com/cal/", 0), "https://dav.example.com/cal/");
    CHECK_STR(amx_ac_dav_url(p, "https://dav.example.com/cal/", 443), "https://dav.example.com/cal/");
    CHECK_STR(amx_ac_dav_url(p, "http://dav.example.com", 80), "http://dav.example.com");
    CHECK_STR(amx_ac_dav_url(p, "https://dav.example.com/cal/%EMAILADDRESS%/?x=1", 8443),
              "https://dav.example.com:8443/cal/%EMAILADDRESS%/?x=1");
    CHECK_STR(amx_ac_dav_url(p, "https://dav.example.com:8443/", 8443), "https://dav.example.com:8443/");
    /* The row's port wins over the URL's, as in Mobileconfig. */
    CHECK_STR(amx_ac_dav_url(p, "https://dav.example.com:444/d", 8443), "https://dav.example.com:8443/d");
    CHECK_STR(amx_ac_dav_url(p, "http://dav.%EMAILDOMAIN%/", 8080), "http://dav.%EMAILDOMAIN%:8080/");
    CHECK_STR(amx_ac_dav_url(p, "/relative/only", 8443), "/relative/only");
}

static void test_hostname(void)
{
    CHECK(amx_ac_hostname_valid("example.com"));
    CHECK(amx_ac_hostname_valid("xn--mnchen-3ya.de"));
    CHECK(amx_ac_hostname_valid("a-b.example.com."));
    CHECK(amx_ac_hostname_valid("localhost"));
    CHECK(!amx_ac_hostname_valid("m\xc3\xbcnchen.de"));
    CHECK(!amx_ac_hostname_valid("ham_n_eggs.tld"));
    CHECK(!amx_ac_hostname_valid("-a.example.com"));
    CHECK(!amx_ac_hostname_valid("a-.example.com"));
    CHECK(!amx_ac_hostname_valid("a..example.com"));
    CHECK(!amx_ac_hostname_valid(".example.com"));
    CHECK(!amx_ac_hostname_valid(""));
    CHECK(!amx_ac_hostname_valid(NULL));
    CHECK(!amx_ac_hostname_valid("a234567890123456789012345678901234567890123456789012345678901234.com"));
    CHECK(amx_ac_hostname_valid("a23456789012345678901234567890123456789012345678901234567890123.com"));
}

/* Each data error names the row and the column. */
static void check_error(amx_domain_data *d, long id, const char *column)
{
    amx_data_error err = { NULL, 0, NULL, NULL };
    amx_identity none = { NULL, NULL };

    CHECK(render(d, &none, &err) == NULL);
    CHECK(err.id == id);
    CHECK_STR(err.column, column);
}

static void test_data_errors(void)
{
    amx_domain_data *d;
    amx_identity none = { NULL, NULL };
    amx_data_error err;
    char *xml;

    d = sample();
    APR_ARRAY_IDX(d->servers, 1, amx_server).type = "INVALID";
    check_error(d, 2, "type");
    d = sample();
    APR_ARRAY_IDX(d->servers, 2, amx_server).socket_type = "ssl/tls";
    check_error(d, 3, "socket_type");
    d = sample();
    APR_ARRAY_IDX(d->servers, 0, amx_server).authentication = "kerberos";
    check_error(d, 1, "authentication");
    /* Checked on the servers that are left out as well: the row is wrong
     * whether or not this reply shows it. */
    d = sample();
    APR_ARRAY_IDX(d->servers, 3, amx_server).authentication = "";
    check_error(d, 5, "authentication");
    d = sample();
    APR_ARRAY_IDX(d->servers, 1, amx_server).name = " \t";
    check_error(d, 2, "name");
    d = sample();
    APR_ARRAY_IDX(d->servers, 1, amx_server).name = NULL;
    check_error(d, 2, "name");
    d = sample();
    APR_ARRAY_IDX(d->servers, 0, amx_server).port = 0;
    check_error(d, 1, "port");
    d = sample();
    APR_ARRAY_IDX(d->servers, 0, amx_server).port = 65536;
    check_error(d, 1, "port");
    d = sample();
    APR_ARRAY_IDX(d->servers, 2, amx_server).user_name = "";
    check_error(d, 3, "user_name");
    d = sample();
    APR_ARRAY_IDX(d->servers, 2, amx_server).user_name = NULL;
    check_error(d, 3, "user_name");
    d = sample();
    APR_ARRAY_IDX(d->davservers, 0, amx_davserver).url = "";
    check_error(d, 4100, "url");
    d = sample();
    APR_ARRAY_IDX(d->davservers, 1, amx_davserver).type = "webdav";
    check_error(d, 4101, "type");

    /* Port 65535 is fine; white space around values is removed. */
    d = sample();
    APR_ARRAY_IDX(d->servers, 0, amx_server).port = 65535;
    APR_ARRAY_IDX(d->servers, 0, amx_server).name = " smtp.example.com\r\n";
    APR_ARRAY_IDX(d->servers, 0, amx_server).user_name = "\t%EMAILADDRESS% ";
    APR_ARRAY_IDX(d->servers, 0, amx_server).authentication = " OAuth2\n";
    xml = render(d, &none, &err);
    CHECK(xml != NULL);
    if (xml) {
        CHECK(strstr(xml, "<hostname>smtp.example.com</hostname>") != NULL);
        CHECK(strstr(xml, "<port>65535</port>") != NULL);
        CHECK(strstr(xml, "<username>%EMAILADDRESS%</username>") != NULL);
        CHECK(strstr(xml, "<authentication>OAuth2</authentication>") != NULL);
    }
}

static void test_provider_id(void)
{
    amx_domain_data *d = sample();
    amx_identity none = { NULL, NULL };
    amx_data_error err;
    char *xml;

    /* The first domain that is a host name names the provider. */
    APR_ARRAY_IDX(d->provider_domains, 0, const char *) = "m\xc3\xbcnchen.de";
    xml = render(d, &none, &err);
    CHECK(xml && strstr(xml, "<emailProvider id=\"example.net\">") != NULL);
    CHECK(xml && strstr(xml, "<domain>m\xc3\xbcnchen.de</domain>") != NULL);
    /* None is: the first domain, as before. */
    APR_ARRAY_IDX(d->provider_domains, 1, const char *) = "ham_n_eggs.tld";
    xml = render(d, &none, &err);
    CHECK(xml && strstr(xml, "<emailProvider id=\"m\xc3\xbcnchen.de\">") != NULL);
    /* A domain with no servers and no DAV servers: the provider block. */
    d = sample();
    apr_array_clear(d->servers);
    apr_array_clear(d->davservers);
    xml = render(d, &none, &err);
    CHECK(xml && strstr(xml, "Server") == NULL && strstr(xml, "<displayName>") != NULL);
}

void test_autoconfig(void)
{
    test_find_unwritable();
    test_document();
    test_authentication();
    test_hostname();
    test_dav_url();
    test_data_errors();
    test_provider_id();

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
