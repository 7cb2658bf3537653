/* placeholder: replaced by the analysis implementation */
#include "analysis.h"
