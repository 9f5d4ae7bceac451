/* nghttp2 as a Swift module: the system library (Debian libnghttp2-dev 1.52). */
#ifndef CNGHTTP2_SHIM_H
#define CNGHTTP2_SHIM_H
#include <nghttp2/nghttp2.h>
#endif
