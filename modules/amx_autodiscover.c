/*
 * Autodiscover request reader and reply writers.
 *
 * The request is parsed by libxml2's push parser, fed as the body arrives.
 * No DTD is loaded, no entity substituted, nothing fetched from a network;
 * beyond that, any DOCTYPE stops the parser at once: a real Outlook
 * request never has one, and it is the door for entity expansion and
 * external entities. Nesting is bounded by libxml2's default depth limit
 * (XML_PARSE_HUGE stays off); the size by the caller's body limit.
 */
#include <apr_strings.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>

#include "amx_autodiscover.h"
#include "amx_placeholder.h"
#include "amx_xml.h"

struct amx_ad_reader {
    apr_pool_t *pool;
    xmlParserCtxtPtr ctxt;
    xmlSAXHandler sax;
    apr_size_t bytes;
    int had_dtd;
    int failed;
    const char *first_error;  /* libxml2's first complaint, for the log */
};

static apr_status_t free_reader(void *data)
{
    amx_ad_reader *rd = data;
    if (rd->ctxt) {
        if (rd->ctxt->myDoc)
            xmlFreeDoc(rd->ctxt->myDoc);
        rd->ctxt->myDoc = NULL;
        xmlFreeParserCtxt(rd->ctxt);
        rd->ctxt = NULL;
    }
    return APR_SUCCESS;
}

static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    amx_ad_reader *rd = ctxt->_private;
    rd->had_dtd = 1;
    xmlStopParser(ctxt);
}

/* Parse errors are reported through the status; nothing goes to stderr. */
static void quiet(void *ctx, const char *msg, ...)
{
}

/* The parser's own structured error handler. Without one, libxml2 hands
 * every error to the thread's global handler, which belongs to whoever
 * set it last (another module, another library in the process) and would
 * get this parser's context as if it were its own. The first message is
 * kept for the log. */
static void record_error(void *ctx, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ctx;
    amx_ad_reader *rd = ctxt ? ctxt->_private : NULL;
    char *m, *end;
    if (rd == NULL || rd->first_error || e == NULL || e->message == NULL)
        return;
    m = apr_pstrndup(rd->pool, e->message, 200);
    for (end = m + strlen(m); end > m && (end[-1] == '\n' || end[-1] == ' '); end--)
        end[-1] = '\0';
    rd->first_error = m;
}

amx_ad_reader *amx_ad_reader_create(apr_pool_t *p)
{
    amx_ad_reader *rd = apr_pcalloc(p, sizeof(*rd));

    rd->pool = p;
    xmlSAXVersion(&rd->sax, 2);
    rd->sax.internalSubset = refuse_dtd;
    rd->sax.externalSubset = refuse_dtd;
    rd->sax.error = quiet;
    rd->sax.warning = quiet;
    rd->sax.serror = record_error;
    rd->ctxt = xmlCreatePushParserCtxt(&rd->sax, NULL, NULL, 0, NULL);
    if (rd->ctxt == NULL) {
        rd->failed = 1;
        return rd;
    }
    rd->ctxt->_private = rd;
    xmlCtxtUseOptions(rd->ctxt, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR
                      | XML_PARSE_NOCDATA);
    apr_pool_cleanup_register(p, rd, free_reader, apr_pool_cleanup_null);
    return rd;
}

int amx_ad_reader_feed(amx_ad_reader *rd, const char *buf, apr_size_t len)
{
    if (rd->failed || rd->had_dtd)
        return -1;
    rd->bytes += len;
    while (len > 0) {
        int n = len > 65536 ? 65536 : (int)len;
        if (xmlParseChunk(rd->ctxt, buf, n, 0) != 0 || rd->had_dtd
            || !rd->ctxt->wellFormed) {
            rd->failed = 1;
            return -1;
        }
        buf += n;
        len -= (apr_size_t)n;
    }
    return 0;
}

/* The child element of PARENT called NAME in namespace NS; NULL with
 * *REPEATED set when there are several, as a request with two addresses
 * means either. */
static xmlNodePtr child(xmlNodePtr parent, const char *name, const char *ns, int *repeated)
{
    xmlNodePtr n, found = NULL;
    for (n = parent->children; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0
            && n->ns && xmlStrcmp(n->ns->href, BAD_CAST ns) == 0) {
            if (found) {
                *repeated = 1;
                return NULL;
            }
            found = n;
        }
    }
    return found;
}

/* The text of NODE in P, white space around it removed. */
static const char *text(apr_pool_t *p, xmlNodePtr node, apr_size_t *len)
{
    xmlChar *c = xmlNodeGetContent(node);
    const char *s, *e;
    char *out;

    if (c == NULL) {
        *len = 0;
        return "";
    }
    s = (const char *)c;
    e = s + strlen(s);
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
    out = apr_pstrmemdup(p, s, (apr_size_t)(e - s));
    *len = (apr_size_t)(e - s);
    xmlFree(c);
    return out;
}

static amx_ad_status fail(amx_ad_request *out, amx_ad_status st, const char *reason)
{
    out->reason = reason;
    return st;
}

amx_ad_status amx_ad_reader_finish(amx_ad_reader *rd, amx_ad_request *out)
{
    xmlDocPtr doc;
    xmlNodePtr root, req, addr, schema;
    int repeated = 0;

    memset(out, 0, sizeof(*out));
    if (rd->had_dtd)
        return fail(out, AMX_AD_DTD, "a DOCTYPE is not allowed");
    if (rd->bytes == 0)
        return fail(out, AMX_AD_EMPTY, "empty body");
    if (rd->ctxt == NULL || rd->failed || xmlParseChunk(rd->ctxt, NULL, 0, 1) != 0
        || !rd->ctxt->wellFormed || rd->ctxt->myDoc == NULL) {
        if (rd->had_dtd)
            return fail(out, AMX_AD_DTD, "a DOCTYPE is not allowed");
        return fail(out, AMX_AD_MALFORMED,
                    rd->first_error ? apr_pstrcat(rd->pool, "not well-formed XML: ",
                                                  rd->first_error, NULL)
                                    : "not well-formed XML");
    }
    doc = rd->ctxt->myDoc;
    root = xmlDocGetRootElement(doc);
    if (root == NULL || xmlStrcmp(root->name, BAD_CAST "Autodiscover") != 0
        || root->ns == NULL || xmlStrcmp(root->ns->href, BAD_CAST AMX_AD_REQUEST_NS) != 0)
        return fail(out, AMX_AD_NAMESPACE,
                    "the root is not Autodiscover in the Outlook request namespace");
    req = child(root, "Request", AMX_AD_REQUEST_NS, &repeated);
    if (repeated)
        return fail(out, AMX_AD_REPEATED, "more than one Request element");
    if (req == NULL)
        return fail(out, AMX_AD_NAMESPACE, "no Request element in the request namespace");
    addr = child(req, "EMailAddress", AMX_AD_REQUEST_NS, &repeated);
    if (repeated)
        return fail(out, AMX_AD_REPEATED, "more than one EMailAddress element");
    if (addr == NULL)
        return fail(out, AMX_AD_NO_ADDRESS, "no EMailAddress element");
    out->address = text(rd->pool, addr, &out->address_len);
    schema = child(req, "AcceptableResponseSchema", AMX_AD_REQUEST_NS, &repeated);
    if (repeated)
        return fail(out, AMX_AD_REPEATED, "more than one AcceptableResponseSchema element");
    if (schema) {
        apr_size_t len;
        out->schema = text(rd->pool, schema, &len);
        if (len == 0 || strcmp(out->schema, AMX_AD_OUTLOOK_NS) == 0)
            out->schema_kind = AMX_AD_SCHEMA_OUTLOOK;
        else if (strcmp(out->schema, AMX_AD_MOBILESYNC_NS) == 0)
            out->schema_kind = AMX_AD_SCHEMA_MOBILESYNC;
        else
            out->schema_kind = AMX_AD_SCHEMA_OTHER;
    }
    return AMX_AD_OK;
}

amx_ad_status amx_ad_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                           amx_ad_request *out)
{
    amx_ad_reader *rd = amx_ad_reader_create(p);
    amx_ad_reader_feed(rd, buf, len);
    return amx_ad_reader_finish(rd, out);
}

const char *amx_ad_strerror(amx_ad_status st)
{
    switch (st) {
    case AMX_AD_OK:
        return "valid";
    case AMX_AD_EMPTY:
        return "empty body";
    case AMX_AD_MALFORMED:
        return "not well-formed XML";
    case AMX_AD_DTD:
        return "a DOCTYPE is not allowed";
    case AMX_AD_NAMESPACE:
        return "not an Autodiscover request in the Outlook request namespace";
    case AMX_AD_NO_ADDRESS:
        return "no EMailAddress";
    case AMX_AD_REPEATED:
        return "an element that must be there once is repeated";
    }
    return "invalid";
}

/* ---- replies -------------------------------------------------------------- */

static int on_off(amx_xml *w, const char *name, int on)
{
    return amx_xml_element(w, name, on ? "on" : "off");
}

static int write_mail_server(amx_xml *w, apr_pool_t *p, const amx_server *s,
                             const amx_identity *id, const amx_address *addr)
{
    static const char *const types[] = {
        [AMX_SERVER_IMAP] = "IMAP", [AMX_SERVER_POP] = "POP3", [AMX_SERVER_SMTP] = "SMTP"
    };
    amx_server_type type = amx_server_type_parse(s->type);
    amx_socket_type sock = amx_socket_type_parse(s->socket_type);
    /* Outlook lets Encryption override SSL; Thunderbird reads SSL=off as
     * plaintext, so STARTTLS must say on. */
    const char *encryption = sock == AMX_SOCKET_SSL ? "SSL"
                           : sock == AMX_SOCKET_STARTTLS ? "TLS" : "None";

    if (type == AMX_SERVER_UNKNOWN || sock == AMX_SOCKET_UNKNOWN)
        return -1; /* excluded by amx_domain_check() */
    if (amx_xml_start(w, "Protocol") < 0
        || amx_xml_element(w, "Type", types[type]) < 0
        || amx_xml_element(w, "Server", amx_placeholder_expand(p, s->name, addr)) < 0
        || amx_xml_element_int(w, "Port", s->port) < 0
        || amx_xml_element(w, "LoginName", (id && id->uid) ? id->uid
                           : amx_placeholder_expand(p, s->user_name, addr)) < 0
        || on_off(w, "SSL", sock != AMX_SOCKET_PLAIN) < 0
        || amx_xml_element(w, "Encryption", encryption) < 0
        || amx_xml_end(w) < 0)
        return -1;
    return 0;
}

static int write_dav_server(amx_xml *w, apr_pool_t *p, const amx_davserver *s,
                            const amx_identity *id, const amx_address *addr)
{
    amx_dav_type type = amx_dav_type_parse(s->type);

    if (type == AMX_DAV_UNKNOWN)
        return -1;
    if (amx_xml_start(w, "Protocol") < 0
        || amx_xml_element(w, "Type", type == AMX_DAV_CALDAV ? "CalDAV" : "CardDAV") < 0
        || amx_xml_element(w, "Server", amx_placeholder_expand(p, s->url, addr)) < 0)
        return -1;
    if (s->port > 0 && amx_xml_element_int(w, "Port", s->port) < 0)
        return -1;
    if (on_off(w, "SSL", s->use_ssl) < 0
        || on_off(w, "DomainRequired", s->domain_required) < 0)
        return -1;
    if (s->user_name && amx_xml_element(w, "LoginName", (id && id->uid) ? id->uid
                                        : amx_placeholder_expand(p, s->user_name, addr)) < 0)
        return -1;
    return amx_xml_end(w) < 0 ? -1 : 0;
}

int amx_autodiscover_write(amx_xml *w, apr_pool_t *p, const amx_domain_data *d,
                           const amx_identity *id, const amx_address *addr)
{
    int i;

    if (amx_xml_start(w, "Autodiscover") < 0
        || amx_xml_attribute(w, "xmlns", AMX_AD_RESPONSE_NS) < 0
        || amx_xml_start(w, "Response") < 0
        || amx_xml_attribute(w, "xmlns", AMX_AD_OUTLOOK_NS) < 0)
        return -1;
    if (id && id->cn) {
        if (amx_xml_start(w, "User") < 0
            || amx_xml_element(w, "DisplayName", id->cn) < 0
            || amx_xml_end(w) < 0)
            return -1;
    }
    if (amx_xml_start(w, "Account") < 0
        || amx_xml_element(w, "AccountType", "email") < 0
        || amx_xml_element(w, "Action", "settings") < 0)
        return -1;
    for (i = 0; i < d->servers->nelts; i++) {
        if (write_mail_server(w, p, &APR_ARRAY_IDX(d->servers, i, amx_server), id, addr) < 0)
            return -1;
    }
    for (i = 0; i < d->davservers->nelts; i++) {
        if (write_dav_server(w, p, &APR_ARRAY_IDX(d->davservers, i, amx_davserver),
                             id, addr) < 0)
            return -1;
    }
    /* Account, Response, Autodiscover */
    if (amx_xml_end(w) < 0 || amx_xml_end(w) < 0
        || amx_xml_end(w) < 0)
        return -1;
    return 0;
}

int amx_autodiscover_write_mobilesync_error(amx_xml *w, const char *address)
{
    if (amx_xml_start(w, "Autodiscover") < 0
        || amx_xml_attribute(w, "xmlns", AMX_AD_RESPONSE_NS) < 0
        || amx_xml_start(w, "Response") < 0
        || amx_xml_attribute(w, "xmlns", AMX_AD_MOBILESYNC_NS) < 0
        || amx_xml_element(w, "Culture", "en:us") < 0
        || amx_xml_start(w, "User") < 0
        || amx_xml_element(w, "EMailAddress", address) < 0
        || amx_xml_end(w) < 0
        || amx_xml_start(w, "Action") < 0
        || amx_xml_start(w, "Error") < 0
        /* Status 2: no settings for this protocol; ActiveSync clients then
         * fall back to other account types. */
        || amx_xml_element(w, "Status", "2") < 0
        || amx_xml_element(w, "Message",
                           "No Exchange ActiveSync service for this address: "
                           "configure it as an IMAP/POP and SMTP account") < 0
        || amx_xml_element(w, "DebugData", "mod_automx") < 0
        || amx_xml_end(w) < 0   /* Error */
        || amx_xml_end(w) < 0   /* Action */
        || amx_xml_end(w) < 0   /* Response */
        || amx_xml_end(w) < 0)  /* Autodiscover */
        return -1;
    return 0;
}
