/* The replies' XML writer with texts and attribute values from the input
 * (database and directory values can hold any bytes): whatever they are,
 * the document must be well-formed XML. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "fuzz_common.h"
#include "amx_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const attrs[] = { "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7" };
    apr_pool_t *p = fuzz_pool();
    amx_xml_membuf out = { p, NULL, 0, 0 };
    amx_xml *w = amx_xml_open(p, amx_xml_membuf_write, &out);
    char *all = apr_pstrmemdup(p, (const char *)data, size), *line, *last;
    int n = 0;
    xmlDocPtr doc;

    if (w == NULL || amx_xml_start(w, "root") < 0)
        abort();
    /* The first lines are attributes of the root, the rest elements. */
    for (line = apr_strtok(all, "\n", &last); line; line = apr_strtok(NULL, "\n", &last), n++) {
        int rv = n < 8 ? amx_xml_attribute(w, attrs[n], line)
                       : amx_xml_element(w, "t", line);
        if (rv < 0)
            abort();
    }
    if (amx_xml_close(w) < 0)
        abort();
    doc = xmlReadMemory(out.data, (int)out.len, NULL, "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL)
        abort();  /* not well-formed */
    xmlFreeDoc(doc);
    apr_pool_destroy(p);
    return 0;
}
