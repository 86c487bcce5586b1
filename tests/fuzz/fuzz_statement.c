#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patron/sepa.h"
#include "patron/statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A bank statement is whatever the person importing it uploads: the input
 * is read as camt.053 and as CSV under two column mappings, and every entry
 * that comes out must hold what statement.h promises; its remittance text
 * is searched for a reference as the bank rail does. */
static void check(const struct pt_statement *statement)
{
    for (size_t i = 0; i < statement->count; i++) {
        const struct pt_statement_entry *entry = &statement->entries[i];
        if (entry->key[0] == '\0' || strlen(entry->booked) != 10 || entry->amount_minor < 0 ||
            strlen(entry->currency) != 3 || entry->text == NULL ||
            strlen(entry->text) > PT_STATEMENT_TEXT_MAX)
            abort();
        char reference[PT_SEPA_REF_SIZE];
        if (pt_sepa_ref_find(entry->text, strlen(entry->text), reference) &&
            !pt_sepa_ref_valid(reference))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pt_statement statement;
    char error[256];
    if (pt_statement_read_camt053((const char *)data, size, &statement, error, sizeof(error)) ==
        PT_OK) {
        check(&statement);
        pt_statement_dispose(&statement);
    }
    static const struct pt_statement_csv mappings[] = {
        {.date = "Buchungstag",
         .amount = "Betrag",
         .text = "Verwendungszweck",
         .id = "Buchungsreferenz",
         .currency = "Waehrung",
         .decimal = ','},
        {.date = "Date",
         .amount = "Amount",
         .text = "Reference",
         .direction = "Type",
         .default_currency = "GBP",
         .decimal = '.'},
    };
    for (size_t m = 0; m < sizeof(mappings) / sizeof(mappings[0]); m++) {
        if (pt_statement_read_csv((const char *)data, size, &mappings[m], &statement, error,
                                  sizeof(error)) == PT_OK) {
            check(&statement);
            pt_statement_dispose(&statement);
        }
    }
    /* The first line as the configuration's column mapping, and the rest
     * read with it, as a newsroom's own CSV would be. */
    const char *newline = memchr(data, '\n', size);
    size_t spec_length = newline != NULL ? (size_t)(newline - (const char *)data) : size;
    if (spec_length < 512) {
        char spec[512], storage[512];
        memcpy(spec, data, spec_length);
        spec[spec_length] = '\0';
        struct pt_statement_csv columns;
        if (memchr(spec, '\0', spec_length) == NULL &&
            pt_statement_csv_columns(spec, "EUR", storage, sizeof(storage), &columns, error,
                                     sizeof(error)) == PT_OK) {
            size_t rest = newline != NULL ? size - spec_length - 1 : 0;
            if (pt_statement_read((const char *)data + size - rest, rest, &columns, &statement,
                                  error, sizeof(error)) == PT_OK) {
                check(&statement);
                pt_statement_dispose(&statement);
            }
        }
    }
    return 0;
}
