#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/app.h"
#include "patron/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A Host header and a return address, as anyone may send them: the address
 * chosen is always one the newsroom configured, never the text itself, and
 * a return address is accepted only on a configured site. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pt_config config;
    static struct pt_app app;
    if (app.config == NULL) {
        char error[256];
        pt_config_init(&config);
        if (pt_config_set(&config, "public_url",
                          "https://news.example https://mirror.example:8443 "
                          "http://patronabcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopq.onion "
                          "http://[::1]:8080",
                          error, sizeof(error)) != PT_OK)
            abort();
        app.config = &config;
    }
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    const char *origin = pt_app_origin_for_host(&app, text);
    size_t i = 0;
    while (i < config.public_url_count && origin != config.public_url_list[i])
        i++;
    if (i == config.public_url_count)
        abort();
    if (pt_app_is_return_url(&app, text) && strncmp(text, "http", 4) != 0)
        abort();
    free(text);
    return 0;
}
