/* placeholder: replaced by the search implementation */
#include "swsearch.h"
