/* libxml2 text writer plumbing. */
#include <apr_strings.h>
#include <string.h>

#include "amx_xml.h"

typedef struct {
    xmlTextWriterPtr writer;
    xmlOutputBufferPtr out;
} owned_writer;

/* Runs when the pool goes, after the callback's context may have gone
 * (it often lives on a handler's stack): detach the callback first, so
 * that freeing the writer cannot write through it. */
static apr_status_t free_writer(void *data)
{
    owned_writer *ow = data;
    ow->out->writecallback = NULL;
    ow->out->closecallback = NULL;
    ow->out->context = NULL;
    xmlFreeTextWriter(ow->writer);
    return APR_SUCCESS;
}

xmlTextWriterPtr amx_xml_open(apr_pool_t *p, amx_xml_write_fn write, void *ctx)
{
    xmlOutputBufferPtr out;
    xmlTextWriterPtr w;
    owned_writer *ow;

    out = xmlOutputBufferCreateIO((xmlOutputWriteCallback)write, NULL, ctx, NULL);
    if (out == NULL)
        return NULL;
    w = xmlNewTextWriter(out); /* takes ownership of OUT */
    if (w == NULL) {
        xmlOutputBufferClose(out);
        return NULL;
    }
    ow = apr_palloc(p, sizeof(*ow));
    ow->writer = w;
    ow->out = out;
    apr_pool_cleanup_register(p, ow, free_writer, apr_pool_cleanup_null);
    if (xmlTextWriterSetIndent(w, 1) < 0
        || xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0
        || xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0)
        return NULL;
    return w;
}

int amx_xml_close(xmlTextWriterPtr w)
{
    if (xmlTextWriterEndDocument(w) < 0 || xmlTextWriterFlush(w) < 0)
        return -1;
    return 0;
}

int amx_xml_element(xmlTextWriterPtr w, const char *name, const char *text)
{
    if (text == NULL) {
        if (xmlTextWriterStartElement(w, BAD_CAST name) < 0
            || xmlTextWriterEndElement(w) < 0)
            return -1;
        return 0;
    }
    return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text) < 0 ? -1 : 0;
}

int amx_xml_element_int(xmlTextWriterPtr w, const char *name, long n)
{
    return xmlTextWriterWriteFormatElement(w, BAD_CAST name, "%ld", n) < 0 ? -1 : 0;
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
