/* SHA-1; see amx_sha1.h. */
#include <string.h>

#include "amx_sha1.h"

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

/* Round I's word: the block's own for the first 16, then the schedule,
 * kept in 16 words. */
#define W(i) ((i) < 16 ? w[(i) & 15] \
              : (w[(i) & 15] = ROL(w[((i) + 13) & 15] ^ w[((i) + 8) & 15] \
                                   ^ w[((i) + 2) & 15] ^ w[(i) & 15], 1)))
/* One round with the five variables renamed instead of moved. */
#define ROUND(a, b, c, d, e, f, k, i) \
    do { e += ROL(a, 5) + (f) + (k) + W(i); b = ROL(b, 30); } while (0)
#define F1(b, c, d) (d ^ (b & (c ^ d)))
#define F2(b, c, d) (b ^ c ^ d)
#define F3(b, c, d) ((b & c) | (d & (b | c)))
#define FIVE(F, k, i) \
    do { \
        ROUND(a, b, c, d, e, F(b, c, d), k, i); \
        ROUND(e, a, b, c, d, F(a, b, c), k, i + 1); \
        ROUND(d, e, a, b, c, F(e, a, b), k, i + 2); \
        ROUND(c, d, e, a, b, F(d, e, a), k, i + 3); \
        ROUND(b, c, d, e, a, F(c, d, e), k, i + 4); \
    } while (0)

static void compress(apr_uint32_t h[5], const unsigned char *p)
{
    apr_uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    int i;

    for (i = 0; i < 16; i++)
        w[i] = (apr_uint32_t)p[4 * i] << 24 | (apr_uint32_t)p[4 * i + 1] << 16
             | (apr_uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    /* Unrolled, so that every word's index is a constant. */
    FIVE(F1, 0x5a827999u, 0);
    FIVE(F1, 0x5a827999u, 5);
    FIVE(F1, 0x5a827999u, 10);
    FIVE(F1, 0x5a827999u, 15);
    FIVE(F2, 0x6ed9eba1u, 20);
    FIVE(F2, 0x6ed9eba1u, 25);
    FIVE(F2, 0x6ed9eba1u, 30);
    FIVE(F2, 0x6ed9eba1u, 35);
    FIVE(F3, 0x8f1bbcdcu, 40);
    FIVE(F3, 0x8f1bbcdcu, 45);
    FIVE(F3, 0x8f1bbcdcu, 50);
    FIVE(F3, 0x8f1bbcdcu, 55);
    FIVE(F2, 0xca62c1d6u, 60);
    FIVE(F2, 0xca62c1d6u, 65);
    FIVE(F2, 0xca62c1d6u, 70);
    FIVE(F2, 0xca62c1d6u, 75);
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void amx_sha1_init(amx_sha1 *c)
{
    c->h[0] = 0x67452301;
    c->h[1] = 0xefcdab89;
    c->h[2] = 0x98badcfe;
    c->h[3] = 0x10325476;
    c->h[4] = 0xc3d2e1f0;
    c->bytes = 0;
    c->fill = 0;
}

void amx_sha1_update(amx_sha1 *c, const void *data, apr_size_t len)
{
    const unsigned char *p = data;

    c->bytes += len;
    while (len > 0) {
        apr_size_t n = 64 - c->fill;
        if (c->fill == 0 && len >= 64) {
            compress(c->h, p);
            p += 64;
            len -= 64;
            continue;
        }
        if (n > len)
            n = len;
        memcpy(c->block + c->fill, p, n);
        c->fill += (unsigned)n;
        p += n;
        len -= n;
        if (c->fill == 64) {
            compress(c->h, c->block);
            c->fill = 0;
        }
    }
}

void amx_sha1_final(amx_sha1 *c, unsigned char digest[AMX_SHA1_DIGEST])
{
    apr_uint64_t bits = c->bytes * 8;
    int i;

    c->block[c->fill++] = 0x80;
    if (c->fill > 56) {
        memset(c->block + c->fill, 0, 64 - c->fill);
        compress(c->h, c->block);
        c->fill = 0;
    }
    memset(c->block + c->fill, 0, 56 - c->fill);
    for (i = 0; i < 8; i++)
        c->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    compress(c->h, c->block);
    for (i = 0; i < 20; i++)
        digest[i] = (unsigned char)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}
