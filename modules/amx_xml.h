/*
 * The XML writer of the three replies: libxml2's output buffer, bound to a
 * write callback and owned by a pool. The module's callback appends to an
 * APR bucket brigade (amx_http.c); tests and fuzzers append to memory.
 * Pure: no httpd.
 *
 * It writes what xmlTextWriter writes with indentation "  ", byte for
 * byte (tests/unit/test_xml.c compares the two), at a fraction of the
 * cost: xmlTextWriter allocates and frees a copy of every element name
 * and makes one buffer call per indentation level, which made it the
 * largest cost of a cached reply. Here the names of open elements stay
 * where the caller keeps them, and the markup is collected and reaches
 * libxml2's buffer in calls of up to 4 KB. Text and attribute values that
 * need escaping are escaped by libxml2.
 */
#ifndef AMX_XML_H
#define AMX_XML_H

#include <apr_pools.h>
#include <libxml/xmlIO.h>

/* Returns LEN when all bytes were taken, -1 on failure. */
typedef int (*amx_xml_write_fn)(void *ctx, const char *buf, int len);

/* Deepest nesting of elements; the replies need 6. */
#define AMX_XML_MAX_DEPTH 16
/* Longest element or attribute name. */
#define AMX_XML_MAX_NAME 64

typedef struct amx_xml amx_xml;

/* A UTF-8 document, its XML declaration already written. Freed when P is
 * cleared; NULL if libxml2 fails. */
amx_xml *amx_xml_open(apr_pool_t *p, amx_xml_write_fn write, void *ctx);

/* <!DOCTYPE NAME PUBLIC "PUBID" "SYSID">, before the root element. PUBID
 * and SYSID are the caller's constants and must not contain '"'. */
int amx_xml_doctype(amx_xml *w, const char *name, const char *pubid, const char *sysid);

/* Starts element NAME, which must stay valid until its amx_xml_end(). */
int amx_xml_start(amx_xml *w, const char *name);

/* NAME="VALUE" on the element just started, VALUE escaped. */
int amx_xml_attribute(amx_xml *w, const char *name, const char *value);

/* Ends the innermost open element. */
int amx_xml_end(amx_xml *w);

/* <NAME>TEXT</NAME>, TEXT escaped; an empty element when TEXT is NULL. */
int amx_xml_element(amx_xml *w, const char *name, const char *text);

/* <NAME ATTRIBUTE="VALUE">TEXT</NAME>, VALUE and TEXT escaped. */
int amx_xml_element_attribute(amx_xml *w, const char *name, const char *attribute,
                              const char *value, const char *text);

/* <NAME>N</NAME>. */
int amx_xml_element_int(amx_xml *w, const char *name, long n);

/* Ends every open element and flushes everything to the callback. 0 or -1;
 * every function returns -1 once a write has failed. */
int amx_xml_close(amx_xml *w);

/* Text and attribute values may hold anything: what XML cannot carry (C0
 * controls but TAB, LF and CR, bytes that are not UTF-8, code points
 * outside XML's Char production) is written as U+FFFD, so that every
 * document stays well-formed. This finds the first such byte of S: its
 * offset, or -1 when S is fine (also for NULL), for callers that know
 * where S came from and log it. */
long amx_xml_unwritable(const char *s);

/* TEXT as amx_xml_element() writes it (what XML cannot carry replaced,
 * then escaped), in P, its length in *LEN; NULL if libxml2 fails. Text
 * cut into pieces at character boundaries comes out as the concatenation
 * of its pieces: that is what lets a reply be written once with stand-ins
 * and completed later (amx_template.h). */
const char *amx_xml_text(apr_pool_t *p, const char *text, apr_size_t *len);

/* A write callback collecting into a growing memory buffer. */
typedef struct {
    apr_pool_t *pool;
    char *data;
    apr_size_t len;
    apr_size_t cap;
} amx_xml_membuf;

int amx_xml_membuf_write(void *ctx, const char *buf, int len);

#endif
