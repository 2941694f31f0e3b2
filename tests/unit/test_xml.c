/* The replies' XML writer against libxml2's xmlTextWriter: the same random
 * documents must come out byte for byte the same from both. */
#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/xmlwriter.h>

#include "unit.h"
#include "amx_xml.h"

#define DOCUMENTS 3000

static const char *const names[] = {
    "a", "dict", "key", "string", "incomingServer", "Protocol", "x-y.z_1",
    "n123456789012345678901234567890123456789012345678901234567890123", /* 64 */
};

#define FFFD "\xef\xbf\xbd"

/* Texts and, where XML cannot carry them as they are, what both writers
 * must be given to agree: every C0 control but TAB, LF and CR, every byte
 * that is not UTF-8 and every code point outside XML's Char production
 * becomes U+FFFD, so that a reply stays well-formed whatever the database
 * holds. */
static const char *texts[] = {
    "", "plain", "Ham & Eggs <Ltd>", "\"quoted\" 'single'", "cr\rlf\ntab\t",
    "Ärger ☃ 𝄞", "%EMAILADDRESS%", "]]>", "&amp;", "a\x01" "b", "\xff\xfe broken",
    "\x1f", "esc\x1b[0m & <", "del\x7f", "surrogate \xed\xa0\x80", "not a char \xef\xbf\xbe",
    "overlong \xc0\xaf", "cut \xe2\x98", "\x0b\x0c", "ok \xf0\x9d\x84\x9e end",
    NULL, NULL, NULL, NULL, NULL,  /* long ones, made below */
};
static const char *const cleaned[] = {
    [9] = "a" FFFD "b", [10] = FFFD FFFD " broken", [11] = FFFD, [12] = "esc" FFFD "[0m & <",
    [14] = "surrogate " FFFD FFFD FFFD,  /* not UTF-8: one per byte */ [15] = "not a char " FFFD, [16] = "overlong " FFFD FFFD,
    [17] = "cut " FFFD FFFD, [18] = FFFD FFFD,
};

/* What xmlTextWriter gets for TEXT. */
static const char *clean(const char *text)
{
    size_t i;
    for (i = 0; i < sizeof(cleaned) / sizeof(cleaned[0]); i++) {
        if (text == texts[i] && cleaned[i])
            return cleaned[i];
    }
    return text;
}

static unsigned index_of(const char *name)
{
    unsigned i;
    for (i = 0; names[i] != name; i++)
        ;
    return i;
}

static unsigned long rng = 20261123;

static unsigned pick(unsigned n)
{
    rng = rng * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)((rng >> 33) % n);
}

static void make_long_texts(void)
{
    static const apr_size_t lengths[] = { 255, 256, 257, 5000 };
    apr_size_t i, j, n = sizeof(texts) / sizeof(texts[0]);
    for (i = 0; i < 4; i++) {
        char *s = apr_palloc(unit_pool, lengths[i] + 1);
        for (j = 0; j < lengths[i]; j++)
            s[j] = (char)('a' + j % 26);
        s[lengths[i]] = '\0';
        texts[n - 5 + i] = s;
    }
    /* A long one that needs escaping. */
    texts[n - 1] = apr_pstrcat(unit_pool, texts[n - 2], "&", texts[n - 3], NULL);
}

static int well_formed(const char *data, apr_size_t len)
{
    xmlDocPtr d = xmlReadMemory(data, (int)len, NULL, "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlFreeDoc(d);
    return d != NULL;
}

/* One random document through both writers; 1 when they agree. */
static int same_document(int doc)
{
    amx_xml_membuf ours = { unit_pool, NULL, 0, 0 }, theirs = { unit_pool, NULL, 0, 0 };
    amx_xml *w = amx_xml_open(unit_pool, amx_xml_membuf_write, &ours);
    xmlTextWriterPtr tw = xmlNewTextWriter(
        xmlOutputBufferCreateIO((xmlOutputWriteCallback)amx_xml_membuf_write, NULL, &theirs, NULL));
    unsigned nnames = sizeof(names) / sizeof(names[0]), ntexts = sizeof(texts) / sizeof(texts[0]);
    int depth = 0, just_started = 0, steps = 1 + (int)pick(40), i, ok;
    unsigned attributes = 0;  /* names used on the element just started */

    if (w == NULL || tw == NULL)
        return 0;
    xmlTextWriterSetIndent(tw, 1);
    xmlTextWriterSetIndentString(tw, BAD_CAST "  ");
    xmlTextWriterStartDocument(tw, "1.0", "UTF-8", NULL);
    amx_xml_start(w, "root");
    xmlTextWriterStartElement(tw, BAD_CAST "root");
    depth = 1;
    for (i = 0; i < steps; i++) {
        const char *name = names[pick(nnames)], *text = texts[pick(ntexts)];
        long n = (long)pick(100000) - 50000;
        switch (pick(just_started ? 6 : 5)) {
        case 0:
            if (depth < 10) {
                amx_xml_start(w, name);
                xmlTextWriterStartElement(tw, BAD_CAST name);
                depth++;
                just_started = 1;
                attributes = 0;
                continue;
            }
            break;
        case 1:
            if (depth > 1) {
                amx_xml_end(w);
                xmlTextWriterEndElement(tw);
                depth--;
            }
            break;
        case 2:
            amx_xml_element(w, name, text);
            if (text)
                xmlTextWriterWriteElement(tw, BAD_CAST name, BAD_CAST clean(text));
            else {
                xmlTextWriterStartElement(tw, BAD_CAST name);
                xmlTextWriterEndElement(tw);
            }
            break;
        case 3:
            amx_xml_element(w, name, NULL);
            xmlTextWriterStartElement(tw, BAD_CAST name);
            xmlTextWriterEndElement(tw);
            break;
        case 4:
            amx_xml_element_int(w, name, n);
            xmlTextWriterWriteFormatElement(tw, BAD_CAST name, "%ld", n);
            break;
        case 5:
            /* Each name once per element, or no parser would take it. */
            if (text && !(attributes & (1u << index_of(name)))) {
                attributes |= 1u << index_of(name);
                amx_xml_attribute(w, name, text);
                xmlTextWriterWriteAttribute(tw, BAD_CAST name, BAD_CAST clean(text));
                continue;  /* more attributes may follow */
            }
            break;
        }
        just_started = 0;
    }
    CHECK(amx_xml_close(w) == 0);
    xmlTextWriterEndDocument(tw);
    xmlTextWriterFlush(tw);
    xmlFreeTextWriter(tw);
    ok = ours.len == theirs.len && memcmp(ours.data, theirs.data, ours.len) == 0;
    /* And the document is XML, whatever the texts held. */
    if (!well_formed(ours.data, ours.len)) {
        fprintf(stderr, "document %d is not well-formed XML\n", doc);
        ok = 0;
    }
    if (!ok) {
        apr_size_t at = 0, from;
        while (at < ours.len && at < theirs.len && ours.data[at] == theirs.data[at])
            at++;
        from = at > 80 ? at - 80 : 0;
        fprintf(stderr, "document %d differs at byte %lu:\n--- amx_xml\n%.*s\n"
                "--- xmlTextWriter\n%.*s\n", doc, (unsigned long)at,
                (int)(ours.len - from < 160 ? ours.len - from : 160), ours.data + from,
                (int)(theirs.len - from < 160 ? theirs.len - from : 160), theirs.data + from);
    }
    return ok;
}

static void test_same_as_xmltextwriter(void)
{
    int doc, differ = 0;
    make_long_texts();
    for (doc = 0; doc < DOCUMENTS && differ < 3; doc++) {
        if (!same_document(doc))
            differ++;
    }
    CHECK(differ == 0);
}

static const char *write_doc(int (*fill)(amx_xml *w), int *rv)
{
    amx_xml_membuf buf = { unit_pool, NULL, 0, 0 };
    amx_xml *w = amx_xml_open(unit_pool, amx_xml_membuf_write, &buf);
    *rv = w ? fill(w) : -1;
    if (*rv == 0)
        *rv = amx_xml_close(w);
    return buf.data ? apr_pstrmemdup(unit_pool, buf.data, buf.len) : "";
}

static int plist_doctype(amx_xml *w)
{
    if (amx_xml_doctype(w, "plist", "-//Apple//DTD PLIST 1.0//EN",
                        "http://www.apple.com/DTDs/PropertyList-1.0.dtd") < 0
        || amx_xml_start(w, "plist") < 0 || amx_xml_attribute(w, "version", "1.0") < 0)
        return -1;
    return 0;  /* closed by amx_xml_close() */
}

static int too_deep(amx_xml *w)
{
    int i;
    for (i = 0; i <= AMX_XML_MAX_DEPTH; i++) {
        if (amx_xml_start(w, "d") < 0)
            return -1;
    }
    return 0;
}

static int long_name(amx_xml *w)
{
    return amx_xml_element(w, "0123456789012345678901234567890123456789012345678901234567890123x",
                           "t");
}

static int attribute_after_content(amx_xml *w)
{
    if (amx_xml_start(w, "a") < 0 || amx_xml_element(w, "b", "t") < 0)
        return -1;
    return amx_xml_attribute(w, "late", "v");
}

static int end_without_start(amx_xml *w)
{
    return amx_xml_end(w);
}

static int doctype_inside(amx_xml *w)
{
    if (amx_xml_start(w, "a") < 0)
        return -1;
    return amx_xml_doctype(w, "a", "p", "s");
}

/* -1 only when the failure sticks: 1 (which write_doc() passes on) when
 * a call after it succeeds. */
static int use_after_failure(amx_xml *w)
{
    if (amx_xml_end(w) == 0)
        return 1;
    return amx_xml_element(w, "ok", "t") == -1 && amx_xml_close(w) == -1 ? -1 : 1;
}

/* Text beside an attribute goes through the same cleaning as every other
 * text: a control character there would make the whole reply ill-formed. */
static int attribute_and_dirty_text(amx_xml *w)
{
    return amx_xml_element_attribute(w, "a", "k", "v\x01", "x\x01y & z");
}

static int attribute_and_no_text(amx_xml *w)
{
    return amx_xml_element_attribute(w, "a", "k", "v", NULL);
}

static int failing_write(void *ctx, const char *buf, int len)
{
    return -1;
}

void test_xml(void)
{
    int rv;

    test_same_as_xmltextwriter();

    CHECK(strcmp(write_doc(attribute_and_dirty_text, &rv),
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<a k=\"v" FFFD "\">x" FFFD "y &amp; z</a>\n") == 0 && rv == 0);
    CHECK(strcmp(write_doc(attribute_and_no_text, &rv),
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a k=\"v\"></a>\n") == 0
          && rv == 0);

    /* Where the first byte XML cannot carry is, for the callers' logs. */
    CHECK(amx_xml_unwritable(NULL) == -1);
    CHECK(amx_xml_unwritable("") == -1);
    CHECK(amx_xml_unwritable("Ham & Eggs <Ltd>\t\r\n\x7f") == -1);
    CHECK(amx_xml_unwritable("\xc3\x84rger \xe2\x98\x83 \xf0\x9d\x84\x9e") == -1);
    CHECK(amx_xml_unwritable("ab\x01") == 2);
    CHECK(amx_xml_unwritable("\xc0\xaf") == 0);
    CHECK(amx_xml_unwritable("x\xed\xa0\x80") == 1);
    CHECK(amx_xml_unwritable("x\xef\xbf\xbe") == 1);
    CHECK(amx_xml_unwritable("x\xf4\x90\x80\x80") == 1);
    CHECK(amx_xml_unwritable("cut\xe2\x98") == 3);

    CHECK_STR(write_doc(plist_doctype, &rv),
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
              "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
              "<plist version=\"1.0\"/>\n");
    CHECK(rv == 0);

    /* Misuse is refused, and a refused call fails the whole document. */
    {
        static int (*const misuses[])(amx_xml *) = { too_deep, long_name,
            attribute_after_content, end_without_start, doctype_inside, use_after_failure };
        for (size_t i = 0; i < sizeof(misuses) / sizeof(misuses[0]); i++) {
            rv = 0;
            write_doc(misuses[i], &rv);
            CHECK(rv == -1);
        }
    }

    /* A callback that refuses the bytes fails close (libxml2 buffers up to
     * 4000 bytes, so the first calls may still succeed). */
    {
        amx_xml *w = amx_xml_open(unit_pool, failing_write, NULL);
        CHECK(w != NULL);
        CHECK(amx_xml_element(w, "a", "t") == 0);
        CHECK(amx_xml_close(w) == -1);
        CHECK(amx_xml_element(w, "a", "t") == -1);
    }
}
