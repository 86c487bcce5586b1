#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/reports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reports page's dates come from the query string: whatever is typed, a
 * day that parses must print back as the same ten characters. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    int32_t day = 0;
    if (pt_reports_parse_day(text, &day) == PT_OK) {
        char printed[11];
        pt_events_format_day(day, printed);
        if (strcmp(printed, text) != 0)
            abort();
    }
    free(text);
    return 0;
}
