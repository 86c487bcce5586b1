#include <stdint.h>

#include "patron/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pt_appeal_request request;
    char error[256];
    pt_request_parse_appeal((const char *)data, size, NULL, &request, error, sizeof(error));
    return 0;
}
