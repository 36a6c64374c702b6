// LZ4's frame API (Debian package liblz4-dev), seen by Swift as module CLZ4.
#include <lz4frame.h>
