/* Runs every unit test; the last line is "N passed, N failed". */
#include <apr_general.h>
#include <libxml/parser.h>

#include "unit.h"

int unit_passed, unit_failed;
apr_pool_t *unit_pool;

int main(void)
{
    apr_initialize();
    xmlInitParser();
    apr_pool_create(&unit_pool, NULL);

    test_address();
    test_idn();
    test_query();
    test_placeholder();
    test_autoconfig();
    test_cache();
    test_autodiscover();
    test_mobileconfig();
    test_seed();
    test_api();
    test_ldap_filter();
    test_xml();
    test_template();
    test_site_page();
    test_qr();
    test_dns();
    test_pacc();
    test_number();
    test_metrics();

    apr_pool_destroy(unit_pool);
    xmlCleanupParser();
    apr_terminate();
    printf("unit: %d passed, %d failed\n", unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}
