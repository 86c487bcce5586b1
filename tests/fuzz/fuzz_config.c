#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct pt_config config;
    pt_config_init(&config);
    char error[600];
    pt_config_parse(&config, "fuzz.conf", text, error, sizeof(error));
    pt_config_dispose(&config);
    free(text);
    return 0;
}
