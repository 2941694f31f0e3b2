/*
 * libxml2's text writer bound to a write callback, owned by a pool. The
 * module's callback appends to an APR bucket brigade (amx_http.c); tests
 * and fuzzers append to memory. Pure: no httpd.
 */
#ifndef AMX_XML_H
#define AMX_XML_H

#include <apr_pools.h>
#include <libxml/xmlwriter.h>

/* Returns LEN when all bytes were taken, -1 on failure. */
typedef int (*amx_xml_write_fn)(void *ctx, const char *buf, int len);

/* A UTF-8 writer, indented, whose document is already started. The
 * writer is freed when P is cleared; NULL if libxml2 fails. */
xmlTextWriterPtr amx_xml_open(apr_pool_t *p, amx_xml_write_fn write, void *ctx);

/* Ends the document and flushes everything to the callback. 0 or -1. */
int amx_xml_close(xmlTextWriterPtr w);

/* <NAME>TEXT</NAME>, TEXT escaped; an empty element when TEXT is NULL. */
int amx_xml_element(xmlTextWriterPtr w, const char *name, const char *text);

/* <NAME>N</NAME>. */
int amx_xml_element_int(xmlTextWriterPtr w, const char *name, long n);

/* A write callback collecting into a growing memory buffer. */
typedef struct {
    apr_pool_t *pool;
    char *data;
    apr_size_t len;
    apr_size_t cap;
} amx_xml_membuf;

int amx_xml_membuf_write(void *ctx, const char *buf, int len);

#endif
