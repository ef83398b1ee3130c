#include "linux_extras.h"
