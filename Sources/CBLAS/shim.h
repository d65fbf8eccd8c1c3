// OpenBLAS's CBLAS interface plus its runtime queries (openblas_get_corename & co.).
// Debian installs the header under a flavour-specific folder; pkg-config ("openblas") adds it.
#include <cblas.h>
