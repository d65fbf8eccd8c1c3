#ifndef MULTIEMBED_CPNG_SHIM_H
#define MULTIEMBED_CPNG_SHIM_H

// libpng's public header. Its folder (e.g. /usr/include/libpng16 on Debian) comes from
// `pkg-config --cflags libpng`, never from an absolute path here.
#include <png.h>

#endif
