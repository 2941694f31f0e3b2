/* A QR code as inline SVG: libqrencode makes the symbol, this draws it. */
#include <qrencode.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "amx_qr.h"

/* libqrencode's matrix: bit 0 of each byte is a dark module. */
#define DARK(code, x, y) ((code)->data[(y) * (code)->width + (x)] & 1)

const char *amx_qr_svg(apr_pool_t *p, const char *text)
{
    QRcode *code;
    apr_array_header_t *parts;
    int x, y, size;

    if (text == NULL)
        return NULL;
    /* Case-sensitive 8-bit mode: a URL must come out as it went in. */
    code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (code == NULL)
        return NULL;
    size = code->width + 2 * AMX_QR_MARGIN;
    parts = apr_array_make(p, code->width * 4, sizeof(const char *));
    APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(p,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 %d %d\" "
        "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\" role=\"img\" "
        "aria-label=\"QR code of this page's address\">"
        "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
        size, size, size * 4, size * 4, size, size);
    for (y = 0; y < code->width; y++) {
        for (x = 0; x < code->width; x++) {
            int run = 0;
            if (!DARK(code, x, y))
                continue;
            while (x + run < code->width && DARK(code, x + run, y))
                run++;
            APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(p, "M%d %dh%dv1h-%dz",
                x + AMX_QR_MARGIN, y + AMX_QR_MARGIN, run, run);
            x += run - 1;
        }
    }
    APR_ARRAY_PUSH(parts, const char *) = "\"/></svg>";
    QRcode_free(code);
    return apr_array_pstrcat(p, parts, 0);
}
