// LMDB's C API (Debian package liblmdb-dev), seen by Swift as module CLMDB.
#include <lmdb.h>
