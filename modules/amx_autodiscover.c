/*
 * Autodiscover request reader and reply writers.
 *
 * The request is parsed by libxml2's push parser, fed as the body arrives.
 * No DTD is loaded, no entity substituted, nothing fetched from a network;
 * beyond that, any DOCTYPE stops the parser at once: a real Outlook
 * request never has one, and it is the door for entity expansion and
 * external entities. Nesting is bounded as libxml2 bounds a tree
 * without XML_PARSE_HUGE (257 levels), the size by the caller's body limit.
 */
#include <apr_strings.h>
#include <pthread.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/dict.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>

#include "amx_autodiscover.h"
#include "amx_placeholder.h"
#include "amx_xml.h"

/* The text of one element, as it arrives in pieces. */
typedef struct {
    char *data;
    apr_size_t len, cap;
} text_buf;

/* Deepest nesting taken: what libxml2's tree builder took (its
 * xmlParserMaxDepth of 256 is checked before it adds a level). */
#define MAX_DEPTH 257

/* Which element's text is being collected. */
typedef enum { TEXT_NONE = 0, TEXT_ADDRESS, TEXT_SCHEMA } text_kind;

/* The request is read by SAX callbacks, not from a tree: a document tree
 * of a 400-byte request, built and freed, cost more than the rest of a
 * cached reply. What they record is what the old tree walk looked at. */
struct amx_ad_reader {
    apr_pool_t *pool;
    xmlParserCtxtPtr ctxt;
    apr_size_t bytes;
    int had_dtd;
    int failed;
    const char *first_error;  /* libxml2's first complaint, for the log */
    int depth;                /* elements open */
    int root_seen;            /* a root element started */
    int root_ok;              /* it is Autodiscover in the request namespace */
    int in_request;           /* inside a Request child of that root */
    int requests, addresses, schemas;
    text_kind collecting;
    int collect_depth;        /* depth of the element whose text is collected */
    text_buf address, schema;
    apr_array_header_t *ns;   /* ns_binding, innermost last */
    /* The last piece fed, not parsed yet: the parser gets it once the next
     * piece arrives, or with the end of the body, as its last chunk.
     * Parsed as the last chunk, libxml2's push parser skips the look-ahead
     * scans for the end of each construct it makes while more may come:
     * a request that arrives in one piece, as nearly all do, is parsed as
     * one last chunk. */
    text_buf pending;
};

/* ---- one parser context per thread ------------------------------------------
 * Creating and freeing a parser context (its dictionary, stacks, buffers)
 * cost about as much as parsing the request. A thread keeps the one it
 * used last and resets it for the next request. Its dictionary keeps the
 * names it has seen, so a context that has seen many (requests full of
 * invented element names) is freed rather than kept. */
#define SPARE_DICT_MAX 200

static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static pthread_key_t spare_key;
static int spare_ok;

static void free_spare(void *ctxt)
{
    xmlFreeParserCtxt(ctxt);
}

static void make_spare_key(void)
{
    spare_ok = pthread_key_create(&spare_key, free_spare) == 0;
}

/* The thread's spare context, reset; NULL when it has none. A second
 * reader open on the same thread at once makes its own. */
static xmlParserCtxtPtr take_spare(void)
{
    xmlParserCtxtPtr ctxt;

    pthread_once(&spare_once, make_spare_key);
    if (!spare_ok || (ctxt = pthread_getspecific(spare_key)) == NULL)
        return NULL;
    pthread_setspecific(spare_key, NULL);
    if (xmlCtxtResetPush(ctxt, NULL, 0, NULL, NULL) != 0) {
        xmlFreeParserCtxt(ctxt);
        return NULL;
    }
    return ctxt;
}

static void give_back(xmlParserCtxtPtr ctxt)
{
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    ctxt->_private = NULL;
    if (spare_ok && ctxt->dict && xmlDictSize(ctxt->dict) <= SPARE_DICT_MAX
        && pthread_getspecific(spare_key) == NULL
        && pthread_setspecific(spare_key, ctxt) == 0)
        return;
    xmlFreeParserCtxt(ctxt);
}

static apr_status_t free_reader(void *data)
{
    amx_ad_reader *rd = data;
    if (rd->ctxt) {
        give_back(rd->ctxt);
        rd->ctxt = NULL;
    }
    return APR_SUCCESS;
}

/* ---- SAX callbacks ------------------------------------------------------------ */

static amx_ad_reader *reader_of(void *ctx)
{
    xmlParserCtxtPtr ctxt = ctx;
    return ctxt ? ctxt->_private : NULL;
}

static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    amx_ad_reader *rd = reader_of(ctx);
    if (rd)
        rd->had_dtd = 1;
    xmlStopParser(ctx);
}

/* Parse errors are reported through the status; nothing goes to stderr. */
static void quiet(void *ctx, const char *msg, ...)
{
}

/* The parser's structured error handler (see parse_chunk()): the first
 * message is kept for the log. */
static void record_error(void *ctx, xmlErrorPtr e)
{
    amx_ad_reader *rd = reader_of(ctx);
    char *m, *end;
    if (rd == NULL || rd->first_error || e == NULL || e->message == NULL)
        return;
    m = apr_pstrndup(rd->pool, e->message, 200);
    for (end = m + strlen(m); end > m && (end[-1] == '\n' || end[-1] == ' '); end--)
        end[-1] = '\0';
    rd->first_error = m;
}

/* ---- namespaces -------------------------------------------------------------
 * The parser runs without its namespace layer (SAX1 callbacks), which
 * spent more on checking every namespace name as a URI than the rest of
 * a start tag costs: the reader binds prefixes itself. Only the first
 * three levels are looked at, so only their declarations are kept. */
#define NS_DEPTH 3

typedef struct {
    const char *prefix;  /* "" for the default namespace */
    const char *uri;     /* "" undeclares the default namespace */
    int depth;
} ns_binding;

/* Binds the xmlns and xmlns:P attributes of the element at RD->depth. */
static void bind_namespaces(amx_ad_reader *rd, const xmlChar **atts)
{
    for (; atts && atts[0]; atts += 2) {
        const char *name = (const char *)atts[0];
        ns_binding *b;
        if (strncmp(name, "xmlns", 5) != 0 || (name[5] != '\0' && name[5] != ':'))
            continue;
        if (rd->ns == NULL)
            rd->ns = apr_array_make(rd->pool, 4, sizeof(ns_binding));
        b = apr_array_push(rd->ns);
        b->prefix = apr_pstrdup(rd->pool, name[5] ? name + 6 : "");
        b->uri = apr_pstrdup(rd->pool, atts[1] ? (const char *)atts[1] : "");
        b->depth = rd->depth;
    }
}

static void unbind_namespaces(amx_ad_reader *rd)
{
    while (rd->ns && rd->ns->nelts > 0
           && APR_ARRAY_IDX(rd->ns, rd->ns->nelts - 1, ns_binding).depth >= rd->depth)
        rd->ns->nelts--;
}

/* 1 when the qualified name NAME is LOCAL in the request namespace. */
static int in_ns(const amx_ad_reader *rd, const xmlChar *qname, const char *local)
{
    const char *name = (const char *)qname, *colon = strchr(name, ':');
    apr_size_t plen = colon ? (apr_size_t)(colon - name) : 0;
    int i;

    if (strcmp(colon ? colon + 1 : name, local) != 0 || rd->ns == NULL)
        return 0;
    for (i = rd->ns->nelts - 1; i >= 0; i--) {
        const ns_binding *b = &APR_ARRAY_IDX(rd->ns, i, ns_binding);
        if (strlen(b->prefix) == plen && strncmp(b->prefix, name, plen) == 0)
            return strcmp(b->uri, AMX_AD_REQUEST_NS) == 0;
    }
    return 0;
}

static void start_element(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    amx_ad_reader *rd = reader_of(ctx);

    if (rd == NULL)
        return;
    /* libxml2 limits nesting only where it builds a tree: the same limit,
     * kept here. */
    if (++rd->depth > MAX_DEPTH) {
        rd->failed = 1;
        xmlStopParser(ctx);
        return;
    }
    if (rd->depth <= NS_DEPTH)
        bind_namespaces(rd, atts);
    if (rd->depth == 1) {
        rd->root_seen = 1;
        rd->root_ok = in_ns(rd, name, "Autodiscover");
    }
    else if (rd->depth == 2 && rd->root_ok) {
        rd->in_request = in_ns(rd, name, "Request");
        rd->requests += rd->in_request;
    }
    else if (rd->depth == 3 && rd->in_request && rd->collecting == TEXT_NONE) {
        /* The text of the first; a second one makes the request invalid. */
        if (in_ns(rd, name, "EMailAddress") && rd->addresses++ == 0)
            rd->collecting = TEXT_ADDRESS;
        else if (in_ns(rd, name, "AcceptableResponseSchema") && rd->schemas++ == 0)
            rd->collecting = TEXT_SCHEMA;
        if (rd->collecting)
            rd->collect_depth = rd->depth;
    }
}

static void end_element(void *ctx, const xmlChar *name)
{
    amx_ad_reader *rd = reader_of(ctx);

    if (rd == NULL)
        return;
    if (rd->collecting && rd->depth == rd->collect_depth)
        rd->collecting = TEXT_NONE;
    if (rd->depth == 2)
        rd->in_request = 0;
    if (rd->depth <= NS_DEPTH)
        unbind_namespaces(rd);
    rd->depth--;
}

/* All text below the element, as xmlNodeGetContent() gave it: character
 * data, CDATA sections, character and predefined entity references. */
static void characters(void *ctx, const xmlChar *ch, int len)
{
    amx_ad_reader *rd = reader_of(ctx);
    text_buf *t;

    if (rd == NULL || rd->collecting == TEXT_NONE || len <= 0)
        return;
    t = rd->collecting == TEXT_ADDRESS ? &rd->address : &rd->schema;
    if (t->len + (apr_size_t)len + 1 > t->cap) {
        /* The body limit bounds the text. */
        apr_size_t cap = t->cap ? 2 * t->cap : 256;
        char *data;
        while (cap < t->len + (apr_size_t)len + 1)
            cap *= 2;
        data = apr_palloc(rd->pool, cap);
        if (t->len)
            memcpy(data, t->data, t->len);
        t->data = data;
        t->cap = cap;
    }
    memcpy(t->data + t->len, ch, (apr_size_t)len);
    t->len += (apr_size_t)len;
    t->data[t->len] = '\0';
}

static void make_sax(xmlSAXHandler *sax)
{
    /* Version 1: the plain element callbacks, no namespace layer. Such a
     * handler has no serror of its own: see parse_chunk(). */
    xmlSAXVersion(sax, 1);
    /* No document: nothing is built. */
    sax->startDocument = NULL;
    sax->endDocument = NULL;
    sax->startElement = start_element;
    sax->endElement = end_element;
    sax->characters = characters;
    sax->ignorableWhitespace = characters;
    sax->cdataBlock = NULL;   /* XML_PARSE_NOCDATA: CDATA arrives as characters */
    sax->comment = NULL;
    sax->processingInstruction = NULL;
    sax->internalSubset = refuse_dtd;
    sax->externalSubset = refuse_dtd;
    sax->error = quiet;
    sax->warning = quiet;
}

amx_ad_reader *amx_ad_reader_create(apr_pool_t *p)
{
    amx_ad_reader *rd = apr_pcalloc(p, sizeof(*rd));

    rd->pool = p;
    rd->ctxt = take_spare();
    if (rd->ctxt == NULL) {
        xmlSAXHandler sax;
        make_sax(&sax);
        rd->ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
    }
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

/* xmlParseChunk() with record_error() as the thread's structured error
 * handler while it runs. libxml2 gives a version 1 SAX handler's errors to
 * that handler; it belongs to whoever set it last (another module,
 * another library in the process), which would get this parser's errors
 * and context as its own: it is put back at once. */
static int parse_chunk(amx_ad_reader *rd, const char *buf, int len, int terminate)
{
    xmlStructuredErrorFunc theirs = xmlStructuredError;
    void *their_ctx = xmlStructuredErrorContext;
    int rv;

    xmlSetStructuredErrorFunc(rd->ctxt, record_error);
    rv = xmlParseChunk(rd->ctxt, buf, len, terminate);
    xmlSetStructuredErrorFunc(their_ctx, theirs);
    return rv;
}

/* BUF to the parser in chunks libxml2's int length can hold; the last one
 * says TERMINATE. 0 while the document is still acceptable. */
static int parse(amx_ad_reader *rd, const char *buf, apr_size_t len, int terminate)
{
    do {
        int n = len > 65536 ? 65536 : (int)len;
        int last = terminate && (apr_size_t)n == len;
        if (parse_chunk(rd, buf, n, last) != 0 || rd->failed || rd->had_dtd
            || !rd->ctxt->wellFormed) {
            rd->failed = 1;
            return -1;
        }
        buf += n;
        len -= (apr_size_t)n;
    } while (len > 0);
    return 0;
}

int amx_ad_reader_feed(amx_ad_reader *rd, const char *buf, apr_size_t len)
{
    text_buf *p = &rd->pending;

    if (rd->failed || rd->had_dtd || rd->ctxt == NULL)
        return -1;
    if (len == 0)
        return 0;
    rd->bytes += len;
    if (p->len > 0 && parse(rd, p->data, p->len, 0) != 0)
        return -1;
    /* The piece is the caller's only until it returns. The buffer is kept
     * for the next and doubles when one is larger: at most four times the
     * largest piece in all, however long the body. */
    if (len > p->cap) {
        apr_size_t cap = p->cap ? p->cap : 1024;
        while (cap < len)
            cap *= 2;
        p->cap = cap;
        p->data = apr_palloc(rd->pool, cap);
    }
    memcpy(p->data, buf, len);
    p->len = len;
    return 0;
}

/* T in P, white space around it removed. */
static const char *trimmed(apr_pool_t *p, const text_buf *t, apr_size_t *len)
{
    const char *s = t->data ? t->data : "", *e = s + t->len;

    while (s < e && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        e--;
    *len = (apr_size_t)(e - s);
    return apr_pstrmemdup(p, s, *len);
}

static amx_ad_status fail(amx_ad_request *out, amx_ad_status st, const char *reason)
{
    out->reason = reason;
    return st;
}

amx_ad_status amx_ad_reader_finish(amx_ad_reader *rd, amx_ad_request *out)
{
    memset(out, 0, sizeof(*out));
    if (rd->had_dtd)
        return fail(out, AMX_AD_DTD, "a DOCTYPE is not allowed");
    if (rd->bytes == 0)
        return fail(out, AMX_AD_EMPTY, "empty body");
    if (rd->ctxt == NULL || rd->failed || parse(rd, rd->pending.data, rd->pending.len, 1) != 0
        || !rd->root_seen) {
        if (rd->had_dtd)
            return fail(out, AMX_AD_DTD, "a DOCTYPE is not allowed");
        return fail(out, AMX_AD_MALFORMED,
                    rd->first_error ? apr_pstrcat(rd->pool, "not well-formed XML: ",
                                                  rd->first_error, NULL)
                                    : "not well-formed XML");
    }
    if (!rd->root_ok)
        return fail(out, AMX_AD_NAMESPACE,
                    "the root is not Autodiscover in the Outlook request namespace");
    if (rd->requests > 1)
        return fail(out, AMX_AD_REPEATED, "more than one Request element");
    if (rd->requests == 0)
        return fail(out, AMX_AD_NAMESPACE, "no Request element in the request namespace");
    if (rd->addresses > 1)
        return fail(out, AMX_AD_REPEATED, "more than one EMailAddress element");
    if (rd->addresses == 0)
        return fail(out, AMX_AD_NO_ADDRESS, "no EMailAddress element");
    out->address = trimmed(rd->pool, &rd->address, &out->address_len);
    if (rd->schemas > 1)
        return fail(out, AMX_AD_REPEATED, "more than one AcceptableResponseSchema element");
    if (rd->schemas) {
        apr_size_t len;
        out->schema = trimmed(rd->pool, &rd->schema, &len);
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
