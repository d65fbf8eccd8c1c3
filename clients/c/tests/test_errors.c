/* test_errors.c - placeholder, filled below */
#include "check.h"
const test_case error_tests[] = {{NULL, NULL}};
