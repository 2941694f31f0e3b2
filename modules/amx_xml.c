/* The replies' XML writer on libxml2's output buffer; see amx_xml.h. */
#include <apr_strings.h>
#include <string.h>
#include <libxml/chvalid.h>
#include <libxml/entities.h>
#include <libxml/tree.h>

#include "amx_xml.h"

/* Bytes collected before they go to libxml2's buffer in one call: a call
 * costs some 150 instructions whatever its length, and a Mobileconfig
 * reply is some 190 pieces. 4 KB holds a whole reply of the sample data. */
#define PENDING_MAX 4096

struct amx_xml {
    apr_pool_t *pool;
    xmlOutputBufferPtr out;
    const char *open[AMX_XML_MAX_DEPTH];  /* names of the open elements */
    int depth;
    int in_tag;   /* the innermost start tag still lacks its '>' */
    int failed;
    apr_size_t pending_len;
    char pending[PENDING_MAX];
};

/* What one call writes, assembled on the stack and then appended to the
 * pending bytes at once: a start tag after ">\n" and the indentation, or
 * an end tag; a whole element when its text is short and needs no
 * escaping. Appending each piece to the pending bytes instead costs a
 * cached Mobileconfig reply 18 % more instructions. */
#define SHORT_TEXT 256
typedef struct {
    char s[(2 + 2 * AMX_XML_MAX_DEPTH + 2 + AMX_XML_MAX_NAME)  /* >\n  <name> */
           + SHORT_TEXT + (4 + AMX_XML_MAX_NAME)];          /* text</name>\n */
    apr_size_t n;
} markup;

#define SPACES "                                "
_Static_assert(sizeof(SPACES) - 1 == 2 * AMX_XML_MAX_DEPTH, "two spaces a level");
static const char spaces[] = SPACES;

static void put(markup *m, const char *s, apr_size_t len)
{
    memcpy(m->s + m->n, s, len);
    m->n += len;
}

static void indent(markup *m, int levels)
{
    put(m, spaces, 2 * (apr_size_t)levels);
}

static int fail(amx_xml *w)
{
    w->failed = 1;
    return -1;
}

static int to_libxml2(amx_xml *w, const char *s, apr_size_t len)
{
    if (len > 0 && xmlOutputBufferWrite(w->out, (int)len, s) < 0)
        return fail(w);
    return 0;
}

static int flush_pending(amx_xml *w)
{
    apr_size_t len = w->pending_len;
    w->pending_len = 0;
    return to_libxml2(w, w->pending, len);
}

static int write_bytes(amx_xml *w, const char *s, apr_size_t len)
{
    if (w->failed)
        return -1;
    if (w->pending_len + len > PENDING_MAX) {
        if (flush_pending(w) < 0)
            return -1;
        if (len > PENDING_MAX)
            return to_libxml2(w, s, len);
    }
    memcpy(w->pending + w->pending_len, s, len);
    w->pending_len += len;
    return 0;
}

/* Bytes at which a text needs a closer look: C0 controls other than
 * TAB, LF and CR (no XML document may hold them, not even escaped), and
 * every non-ASCII byte (it must start a well-formed UTF-8 sequence of a
 * character XML allows). 3 marks the end of the string. */
static const unsigned char suspect[256] = {
    [0] = 3, [1 ... 8] = 1, [11] = 1, [12] = 1, [14 ... 31] = 1, [128 ... 255] = 2,
};

/* The UTF-8 sequence at C (RFC 3629: shortest form, no surrogates, at most
 * U+10FFFF): its length with *CP set, or 0. Not libxml2's xmlGetUTF8Char,
 * which takes the overlong "\xc0\xaf" for '/', and the parser then
 * refuses the document. */
static int utf8_char(const unsigned char *c, int *cp)
{
    static const int min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    int len, i, v;

    if (c[0] < 0x80) {
        *cp = c[0];
        return 1;
    }
    if (c[0] >= 0xc2 && c[0] <= 0xdf)
        len = 2, v = c[0] & 0x1f;
    else if (c[0] >= 0xe0 && c[0] <= 0xef)
        len = 3, v = c[0] & 0x0f;
    else if (c[0] >= 0xf0 && c[0] <= 0xf4)
        len = 4, v = c[0] & 0x07;
    else
        return 0;
    for (i = 1; i < len; i++) {
        /* The terminating NUL is no continuation byte: never read past it. */
        if ((c[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (c[i] & 0x3f);
    }
    if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* The length of the UTF-8 character XML may carry at C, or 0. */
static int good_char(const unsigned char *c)
{
    int len, ch;
    if (suspect[*c] == 1)
        return 0;
    len = utf8_char(c, &ch);
    return len > 0 && xmlIsCharQ(ch) ? len : 0;
}

long amx_xml_unwritable(const char *s)
{
    const unsigned char *c = (const unsigned char *)s;
    int len;

    if (s == NULL)
        return -1;
    for (;;) {
        while (!suspect[*c])
            c++;
        if (*c == '\0')
            return -1;
        if ((len = good_char(c)) == 0)
            return (long)(c - (const unsigned char *)s);
        c += len;
    }
}

/* TEXT, or when it holds what XML cannot carry a copy in the writer's pool
 * with U+FFFD in its place: one per byte that is not UTF-8 or is a C0
 * control, one per character outside XML's Char production. The caller
 * that knows where the text came from logs it (amx_xml_unwritable). */
static const char *writable_in(apr_pool_t *pool, const char *text)
{
    long at = amx_xml_unwritable(text);
    const unsigned char *c;
    char *out, *o;

    if (at < 0)
        return text;
    /* Each byte becomes at most the three of U+FFFD. */
    out = o = apr_palloc(pool, 3 * strlen(text) + 1);
    memcpy(o, text, (size_t)at);
    o += at;
    for (c = (const unsigned char *)text + at; *c; ) {
        int ch, len = good_char(c);
        if (len > 0) {
            memcpy(o, c, (size_t)len);
            o += len;
            c += len;
            continue;
        }
        memcpy(o, "\xef\xbf\xbd", 3);
        o += 3;
        /* A whole character outside Char (U+FFFE) is one replacement; a
         * broken sequence, one per byte. */
        len = utf8_char(c, &ch);
        c += len > 0 ? len : 1;
    }
    *o = '\0';
    return out;
}

static const char *writable(amx_xml *w, const char *text)
{
    return writable_in(w->pool, text);
}

/* The characters xmlTextWriter escapes in element text. */
#define TEXT_SPECIALS "<>&\"\r"

/* Escaped as xmlTextWriter escapes element text; PLAIN is the length of
 * its start without TEXT_SPECIALS. */
static int write_text(amx_xml *w, const char *text, apr_size_t plain)
{
    xmlChar *escaped;
    int rv;

    if (text[plain] == '\0')
        return write_bytes(w, text, plain);
    escaped = xmlEncodeSpecialChars(NULL, BAD_CAST text);
    if (escaped == NULL)
        return fail(w);
    rv = write_bytes(w, (const char *)escaped, strlen((const char *)escaped));
    xmlFree(escaped);
    return rv;
}

/* Escaped as xmlTextWriter escapes attribute values. libxml2's attribute
 * serialiser reads only the encoding of the document it is given; with
 * one it copies UTF-8 as it is, as xmlTextWriter's own document does. */
static int write_attribute_value(amx_xml *w, const char *value)
{
    static xmlDoc utf8_document = { .encoding = BAD_CAST "UTF-8" };
    const unsigned char *c;
    xmlBufferPtr buf;
    int rv;

    value = writable(w, value);
    for (c = (const unsigned char *)value; *c; c++) {
        if (*c < 0x20 || *c == '<' || *c == '>' || *c == '&' || *c == '"')
            break;
    }
    if (*c == '\0')
        return write_bytes(w, value, (apr_size_t)(c - (const unsigned char *)value));
    buf = xmlBufferCreate();
    if (buf == NULL)
        return fail(w);
    xmlAttrSerializeTxtContent(buf, &utf8_document, NULL, BAD_CAST value);
    rv = write_bytes(w, (const char *)xmlBufferContent(buf), (apr_size_t)xmlBufferLength(buf));
    xmlBufferFree(buf);
    return rv;
}

const char *amx_xml_text(apr_pool_t *p, const char *text, apr_size_t *len)
{
    xmlChar *escaped;
    const char *out;
    apr_size_t plain;

    text = writable_in(p, text);
    plain = strcspn(text, TEXT_SPECIALS);
    if (text[plain] == '\0') {
        *len = plain;
        return text;
    }
    escaped = xmlEncodeSpecialChars(NULL, BAD_CAST text);
    if (escaped == NULL)
        return NULL;
    *len = strlen((const char *)escaped);
    out = apr_pstrmemdup(p, (const char *)escaped, *len);
    xmlFree(escaped);
    return out;
}

static int valid_name(const char *name, apr_size_t *len)
{
    *len = name ? strlen(name) : 0;
    return *len > 0 && *len <= AMX_XML_MAX_NAME;
}

/* Runs when the pool goes, after the callback's context may have gone
 * (it often lives on a handler's stack): detach the callback first, so
 * that closing the buffer cannot write through it. */
static apr_status_t free_writer(void *data)
{
    amx_xml *w = data;
    w->out->writecallback = NULL;
    w->out->closecallback = NULL;
    w->out->context = NULL;
    xmlOutputBufferClose(w->out);
    return APR_SUCCESS;
}

amx_xml *amx_xml_open(apr_pool_t *p, amx_xml_write_fn write, void *ctx)
{
    static const char declaration[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    amx_xml *w;
    xmlOutputBufferPtr out;

    out = xmlOutputBufferCreateIO((xmlOutputWriteCallback)write, NULL, ctx, NULL);
    if (out == NULL)
        return NULL;
    w = apr_palloc(p, sizeof(*w));  /* not the pending bytes: no need to zero them */
    w->pool = p;
    w->out = out;
    w->depth = w->in_tag = w->failed = 0;
    w->pending_len = 0;
    apr_pool_cleanup_register(p, w, free_writer, apr_pool_cleanup_null);
    if (write_bytes(w, declaration, sizeof(declaration) - 1) < 0)
        return NULL;
    return w;
}

int amx_xml_doctype(amx_xml *w, const char *name, const char *pubid, const char *sysid)
{
    if (w->depth > 0 || strchr(pubid, '"') || strchr(sysid, '"'))
        return fail(w);
    if (write_bytes(w, "<!DOCTYPE ", 10) < 0 || write_bytes(w, name, strlen(name)) < 0
        || write_bytes(w, " PUBLIC \"", 9) < 0 || write_bytes(w, pubid, strlen(pubid)) < 0
        || write_bytes(w, "\" \"", 3) < 0 || write_bytes(w, sysid, strlen(sysid)) < 0
        || write_bytes(w, "\">\n", 3) < 0)
        return -1;
    return 0;
}

/* ">\n" closing the parent's start tag when it is still open, the
 * indentation and "<NAME". */
static void start_tag(amx_xml *w, markup *m, const char *name, apr_size_t len)
{
    if (w->in_tag)
        put(m, ">\n", 2);
    indent(m, w->depth);
    put(m, "<", 1);
    put(m, name, len);
}

int amx_xml_start(amx_xml *w, const char *name)
{
    markup m = { .n = 0 };
    apr_size_t len;

    if (w->failed || w->depth == AMX_XML_MAX_DEPTH || !valid_name(name, &len))
        return fail(w);
    start_tag(w, &m, name, len);
    w->open[w->depth++] = name;
    w->in_tag = 1;
    return write_bytes(w, m.s, m.n);
}

int amx_xml_attribute(amx_xml *w, const char *name, const char *value)
{
    markup m = { .n = 0 };
    apr_size_t len;

    if (!w->in_tag || !valid_name(name, &len) || value == NULL)
        return fail(w);
    put(&m, " ", 1);
    put(&m, name, len);
    put(&m, "=\"", 2);
    if (write_bytes(w, m.s, m.n) < 0 || write_attribute_value(w, value) < 0)
        return -1;
    return write_bytes(w, "\"", 1);
}

int amx_xml_end(amx_xml *w)
{
    markup m = { .n = 0 };
    const char *name;

    if (w->failed || w->depth == 0)
        return fail(w);
    name = w->open[--w->depth];
    if (w->in_tag) {
        put(&m, "/>\n", 3);
    }
    else {
        indent(&m, w->depth);
        put(&m, "</", 2);
        put(&m, name, strlen(name));
        put(&m, ">\n", 2);
    }
    w->in_tag = 0;
    return write_bytes(w, m.s, m.n);
}

int amx_xml_element(amx_xml *w, const char *name, const char *text)
{
    markup m = { .n = 0 };
    apr_size_t len, plain;

    if (text == NULL)
        return amx_xml_start(w, name) < 0 || amx_xml_end(w) < 0 ? -1 : 0;
    if (w->failed || !valid_name(name, &len))
        return fail(w);
    text = writable(w, text);
    start_tag(w, &m, name, len);
    put(&m, ">", 1);
    w->in_tag = 0;
    plain = strcspn(text, TEXT_SPECIALS);
    if (text[plain] == '\0' && plain <= SHORT_TEXT) {
        put(&m, text, plain);
    }
    else {
        if (write_bytes(w, m.s, m.n) < 0 || write_text(w, text, plain) < 0)
            return -1;
        m.n = 0;
    }
    put(&m, "</", 2);
    put(&m, name, len);
    put(&m, ">\n", 2);
    return write_bytes(w, m.s, m.n);
}

int amx_xml_element_int(amx_xml *w, const char *name, long n)
{
    /* Formatted here: snprintf() costs as much as the rest of the element. */
    char digits[24], *d = digits + sizeof(digits);
    unsigned long u = n < 0 ? 0UL - (unsigned long)n : (unsigned long)n;

    *--d = '\0';
    do {
        *--d = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        *--d = '-';
    return amx_xml_element(w, name, d);
}

int amx_xml_close(amx_xml *w)
{
    while (w->depth > 0) {
        if (amx_xml_end(w) < 0)
            return -1;
    }
    if (w->failed || flush_pending(w) < 0 || xmlOutputBufferFlush(w->out) < 0)
        return fail(w);
    return 0;
}

int amx_xml_membuf_write(void *ctx, const char *buf, int len)
{
    amx_xml_membuf *m = ctx;

    if (len < 0)
        return -1;
    if (m->len + (apr_size_t)len + 1 > m->cap) {
        apr_size_t cap = m->cap ? m->cap * 2 : 4096;
        char *data;
        while (cap < m->len + (apr_size_t)len + 1)
            cap *= 2;
        data = apr_palloc(m->pool, cap);
        if (m->len)
            memcpy(data, m->data, m->len);
        m->data = data;
        m->cap = cap;
    }
    memcpy(m->data + m->len, buf, (apr_size_t)len);
    m->len += (apr_size_t)len;
    m->data[m->len] = '\0';
    return len;
}

int amx_xml_element_attribute(amx_xml *w, const char *name, const char *attribute,
                              const char *value, const char *text)
{
    markup m = { .n = 0 };
    apr_size_t len;

    if (amx_xml_start(w, name) < 0 || amx_xml_attribute(w, attribute, value) < 0)
        return -1;
    /* The same cleaning as every other text, and NULL is empty as for
     * amx_xml_element(). */
    text = text ? writable(w, text) : "";
    /* Closed here rather than by amx_xml_end(), which would put the end
     * tag on a line of its own after the text. */
    w->depth--;
    w->in_tag = 0;
    len = strlen(name);
    if (write_bytes(w, ">", 1) < 0
        || write_text(w, text, strcspn(text, TEXT_SPECIALS)) < 0)
        return -1;
    put(&m, "</", 2);
    put(&m, name, len);
    put(&m, ">\n", 2);
    return write_bytes(w, m.s, m.n);
}
