/* test_main.c - runs every test case and prints "N passed, N failed"; exits 1 on a failure. */
#include <stdio.h>

#include "check.h"

atomic_int check_failures;

int main(void)
{
    const test_case *suites[] = {encoding_tests, embed_tests, error_tests,
                                 late_interaction_tests, page_tests};
    int passed = 0, failed = 0;
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        for (const test_case *t = suites[s]; t->name != NULL; t++) {
            int before = atomic_load(&check_failures);
            t->run();
            if (atomic_load(&check_failures) == before) {
                passed++;
                printf("ok    %s\n", t->name);
            } else {
                failed++;
                printf("FAIL  %s\n", t->name);
            }
            fflush(stdout);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
