/* The QR code's SVG draws exactly libqrencode's dark modules. */
#include <stdio.h>
#include <stdlib.h>
#include <qrencode.h>
#include <apr_strings.h>

#include "unit.h"
#include "amx_qr.h"

void test_qr(void)
{
    const char *url = "https://autoconfig.example.com/?emailaddress=J%C3%BCrgen%40example.com";
    const char *svg = amx_qr_svg(unit_pool, url), *d;
    QRcode *code = QRcode_encodeString8bit(url, 0, QR_ECLEVEL_M);
    int w = code->width, size = w + 2 * AMX_QR_MARGIN, x, y, run, n, same = 1, dark = 0;
    unsigned char *cells = calloc((size_t)(size * size), 1);

    CHECK(svg != NULL);
    CHECK(strstr(svg, apr_psprintf(unit_pool, "viewBox=\"0 0 %d %d\"", size, size)) != NULL);
    CHECK(strstr(svg, "<script") == NULL && strstr(svg, "style=") == NULL);
    /* Read the path back: M x y h run v1 h-run z. */
    d = strstr(svg, " d=\"") + 4;
    while (sscanf(d, "M%d %dh%dv1h-%*dz%n", &x, &y, &run, &n) == 3) {
        while (run-- > 0 && x < size && y < size)
            cells[y * size + x++] = 1;
        d += n;
    }
    CHECK(*d == '"');
    for (y = 0; y < size; y++) {
        for (x = 0; x < size; x++) {
            int inside = x >= AMX_QR_MARGIN && y >= AMX_QR_MARGIN && x < w + AMX_QR_MARGIN
                         && y < w + AMX_QR_MARGIN;
            int want = inside && (code->data[(y - AMX_QR_MARGIN) * w + x - AMX_QR_MARGIN] & 1);
            same &= cells[y * size + x] == want;
            dark += want;
        }
    }
    CHECK(same);
    CHECK(dark > w * w / 4);
    /* The top-left finder pattern: a 7x7 ring, a light ring, a 3x3 core. */
    CHECK(cells[AMX_QR_MARGIN * size + AMX_QR_MARGIN] && cells[(AMX_QR_MARGIN + 6) * size + AMX_QR_MARGIN + 6]);
    CHECK(!cells[(AMX_QR_MARGIN + 1) * size + AMX_QR_MARGIN + 1]);
    CHECK(cells[(AMX_QR_MARGIN + 3) * size + AMX_QR_MARGIN + 3]);
    CHECK(!cells[0]);   /* quiet zone */
    free(cells);
    QRcode_free(code);

    /* Too long for any QR code. */
    {
        char *big = apr_palloc(unit_pool, 8000);
        memset(big, 'a', 7999);
        big[7999] = '\0';
        CHECK(amx_qr_svg(unit_pool, big) == NULL);
    }
}
