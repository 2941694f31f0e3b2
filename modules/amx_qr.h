/*
 * A QR code as inline SVG, through libqrencode. Pure: no httpd.
 */
#ifndef AMX_QR_H
#define AMX_QR_H

#include <apr_pools.h>

/* Quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4). */
#define AMX_QR_MARGIN 4

/* An <svg> element showing TEXT as a QR code (error correction level M,
 * 8-bit mode), one module per SVG unit, dark modules drawn as one path of
 * horizontal runs. The markup needs no style sheet and no script. NULL when
 * TEXT does not fit into a QR code. */
const char *amx_qr_svg(apr_pool_t *p, const char *text);

#endif
