#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input is split at NUL bytes into article, section, tags, language and
 * placement. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 2);
    memcpy(text, data, size);
    text[size] = '\0';
    text[size + 1] = '\0';
    const char *parts[5] = {NULL, NULL, NULL, NULL, NULL};
    size_t at = 0;
    for (int i = 0; i < 5 && at <= size; i++) {
        parts[i] = text + at;
        at += strlen(text + at) + 1;
    }
    struct pt_appeal_request request;
    char error[256];
    if (pt_request_from_query(parts[0], parts[1], parts[2], parts[3], &request, error,
                              sizeof(error)) == PT_OK)
        pt_request_query_placement(parts[4], &request, error, sizeof(error));
    free(text);
    return 0;
}
