#include "client/script_env.h"
