// LMDB used directly: the baseline the log environment is measured against.
#include <lmdb.h>
