#include <stdint.h>

#include "patron/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pt_event_input events[PT_EVENTS_PER_REQUEST_MAX];
    size_t count = 0;
    char error[256];
    pt_request_parse_events((const char *)data, size, events, &count, error, sizeof(error));
    return 0;
}
