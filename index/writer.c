/* placeholder: replaced by the index implementation */
#include "index.h"
