#include "patron/status.h"

const char *pt_status_name(enum pt_status status)
{
    switch (status) {
    case PT_OK: return "ok";
    case PT_ERR_INVALID: return "invalid";
    case PT_ERR_NOT_FOUND: return "not_found";
    case PT_ERR_CONFLICT: return "conflict";
    case PT_ERR_TOO_LARGE: return "too_large";
    case PT_ERR_IO: return "io";
    case PT_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}
