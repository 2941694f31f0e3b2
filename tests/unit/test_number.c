/* Numbers in directive arguments: all of the argument, k/M only for sizes. */
#include "unit.h"
#include "amx_number.h"

static apr_int64_t parsed(const char *arg, int size)
{
    apr_int64_t n = -12345;
    return amx_number_parse(arg, size, 1, 65536, &n) == 0 ? n : -1;
}

void test_number(void)
{
    apr_int64_t n;

    CHECK(parsed("16", 1) == 16);
    CHECK(parsed("16384", 1) == 16384);
    CHECK(parsed("16k", 1) == 16384);
    CHECK(parsed("16K", 1) == 16384);
    CHECK(parsed("64k", 1) == 65536);
    CHECK(parsed("65k", 1) == -1);       /* over the maximum */
    CHECK(parsed("65537", 1) == -1);
    CHECK(amx_number_parse("1M", 1, 1, 64 << 20, &n) == 0 && n == 1 << 20);
    CHECK(amx_number_parse("1m", 1, 1, 64 << 20, &n) == 0 && n == 1 << 20);
    /* Trailing text is refused, not ignored: "16k" once read as 16. */
    CHECK(parsed("16k", 0) == -1);
    CHECK(parsed("16 ", 1) == -1);
    CHECK(parsed("16kb", 1) == -1);
    CHECK(parsed("16x", 1) == -1);
    CHECK(parsed("1.5k", 1) == -1);
    CHECK(parsed("k", 1) == -1);
    CHECK(parsed("", 1) == -1);
    CHECK(parsed(NULL, 1) == -1);
    CHECK(parsed("-1", 1) == -1);
    CHECK(parsed("+1", 1) == -1);
    CHECK(parsed(" 1", 1) == -1);
    CHECK(parsed("0", 1) == -1);          /* under the minimum */
    CHECK(parsed("0x10", 1) == -1);
    CHECK(parsed("99999999999999999999999999", 1) == -1);
    CHECK(amx_number_parse("9223372036854775807", 0, 0, 100, &n) == -1);
    CHECK(amx_number_parse("0", 0, 0, 100, &n) == 0 && n == 0);
    CHECK(amx_number_parse("100", 0, 0, 100, &n) == 0 && n == 100);
}
