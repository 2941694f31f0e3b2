/*
 * Numbers in directive arguments. Pure: APR only, so that the rules are
 * unit-tested (tests/unit/test_number.c).
 */
#ifndef AMX_NUMBER_H
#define AMX_NUMBER_H

#include <apr_pools.h>

/* Reads ARG, all of it, as a decimal number from MIN to MAX into *OUT.
 * With SIZE, a k or M suffix (either case) multiplies by 1024 or 1024^2,
 * as httpd's own byte counts read them. No sign, no white space, no other
 * trailing text. 0, or -1 when ARG is not such a number. */
int amx_number_parse(const char *arg, int size, apr_int64_t min, apr_int64_t max,
                     apr_int64_t *out);

#endif
