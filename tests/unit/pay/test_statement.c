/* Bank statements as patron reads them (statement.c): camt.053 of real
 * shape (tests/data/bank/), hostile XML, and CSV exports. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/statement.h"

static char *read_fixture(const char *name, size_t *size)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/data/bank/%s", PT_SOURCE_ROOT, name);
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file, "%s", path);
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *data = malloc((size_t)length + 1);
    cr_assert_eq(fread(data, 1, (size_t)length, file), (size_t)length);
    data[length] = '\0';
    fclose(file);
    *size = (size_t)length;
    return data;
}

static enum pt_status read_xml(const char *xml, struct pt_statement *statement, char *error,
                               size_t error_size)
{
    return pt_statement_read_camt053(xml, strlen(xml), statement, error, error_size);
}

Test(statement, a_days_camt053_gives_its_booked_entries_and_nothing_of_the_payer)
{
    size_t size;
    char *xml = read_fixture("camt053-v02.xml", &size);
    struct pt_statement statement;
    char error[256] = "";
    cr_assert_eq(pt_statement_read_camt053(xml, size, &statement, error, sizeof(error)), PT_OK,
                 "%s", error);
    cr_assert_eq(statement.count, 4);
    cr_assert_eq(statement.skipped, 1, "the pending entry waits for its booking");
    cr_assert_str_eq(statement.account, "DE89370400440532013000");

    const struct pt_statement_entry *gift = &statement.entries[0];
    cr_assert_str_eq(gift->key, "2026110300001234");
    cr_assert_str_eq(gift->booked, "2026-11-03");
    cr_assert_eq(gift->amount_minor, 500);
    cr_assert_str_eq(gift->currency, "EUR");
    cr_assert(gift->credit);
    cr_assert_not(gift->reversal);
    cr_assert_str_eq(gift->text, "RF18539007547034");

    const struct pt_statement_entry *typed = &statement.entries[1];
    cr_assert_str_eq(typed->key, "2026110300001235");
    cr_assert_eq(typed->amount_minor, 1000);
    cr_assert_str_eq(typed->text,
                     "Spende rf18 5390 0754 7034 danke fuer eure Arbeit SEPA-GUTSCHRIFT");

    const struct pt_statement_entry *fee = &statement.entries[2];
    cr_assert_not(fee->credit);
    cr_assert_eq(fee->amount_minor, 1200);
    cr_assert_eq(strncmp(fee->key, "sha:", 4), 0, "no bank reference: a digest (%s)", fee->key);
    cr_assert_str_eq(fee->text, "Kontofuehrungsgebuehr November");

    cr_assert_eq(statement.entries[3].amount_minor, 750, "\"7.5\" is 7.50");

    /* The payer's name and account are in the file, and nowhere in what
     * patron keeps of it. */
    for (size_t i = 0; i < statement.count; i++) {
        cr_assert_null(strstr(statement.entries[i].text, "Maria"));
        cr_assert_null(strstr(statement.entries[i].text, "DE02120300000000202051"));
        cr_assert_null(strstr(statement.entries[i].text, "Ivan"));
    }
    pt_statement_dispose(&statement);
    cr_assert_eq(statement.count, 0);
    free(xml);
}

Test(statement, batches_returns_other_currencies_and_equal_gifts)
{
    size_t size;
    char *xml = read_fixture("camt053-v08-batch.xml", &size);
    struct pt_statement statement;
    char error[256] = "";
    cr_assert_eq(pt_statement_read_camt053(xml, size, &statement, error, sizeof(error)), PT_OK,
                 "%s", error);
    cr_assert_eq(statement.count, 7);
    const struct pt_statement_entry *e = statement.entries;
    /* The batch of 17.00: three transactions, each its own entry. */
    cr_assert_str_eq(e[0].key, "BATCH-77-A");
    cr_assert_eq(e[0].amount_minor, 200);
    cr_assert_str_eq(e[0].text, "RF712348231");
    cr_assert_str_eq(e[1].key, "BATCH-77-B");
    cr_assert_eq(e[1].amount_minor, 500);
    cr_assert(e[1].credit, "a transaction takes its entry's direction");
    cr_assert_str_eq(e[2].key, "BATCH-77/3", "no reference of its own: the entry's and its place");
    cr_assert_eq(e[2].amount_minor, 1000);
    cr_assert_str_eq(e[2].text, "monthly Dauerauftrag");
    /* The return. */
    cr_assert(e[3].reversal);
    cr_assert_not(e[3].credit);
    cr_assert_str_eq(e[3].booked, "2026-11-05");
    /* Swiss francs stay Swiss francs. */
    cr_assert_str_eq(e[4].currency, "CHF");
    cr_assert_eq(e[4].amount_minor, 2000);
    /* Two equal gifts: two keys, and the same two when read again. */
    cr_assert_eq(strncmp(e[5].key, "sha:", 4), 0);
    cr_assert_str_neq(e[5].key, e[6].key);
    char first[PT_STATEMENT_KEY_SIZE], second[PT_STATEMENT_KEY_SIZE];
    strcpy(first, e[5].key);
    strcpy(second, e[6].key);
    pt_statement_dispose(&statement);
    cr_assert_eq(pt_statement_read_camt053(xml, size, &statement, error, sizeof(error)), PT_OK);
    cr_assert_str_eq(statement.entries[5].key, first);
    cr_assert_str_eq(statement.entries[6].key, second);
    pt_statement_dispose(&statement);
    free(xml);
}

Test(statement, hostile_xml_is_refused_before_anything_is_built)
{
    static const char *const hostile[] = {
        /* billion laughs */
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 "
        "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol2 "
        "\"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>"
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>"
        "<Stmt><Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>"
        "2026-11-03</Dt></BookgDt><AddtlNtryInf>&lol2;</AddtlNtryInf></Ntry></Stmt>"
        "</BkToCstmrStmt></Document>",
        /* an external entity */
        "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>"
        "<Stmt><Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>"
        "2026-11-03</Dt></BookgDt><AddtlNtryInf>&x;</AddtlNtryInf></Ntry></Stmt>"
        "</BkToCstmrStmt></Document>",
        /* an external DTD over the network */
        "<?xml version=\"1.0\"?><!DOCTYPE Document SYSTEM \"http://127.0.0.1:9/camt.dtd\">"
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt/>"
        "</Document>",
        /* a parameter entity */
        "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/p\"> %p;]>"
        "<Document/>",
    };
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        struct pt_statement statement;
        char error[256] = "";
        cr_assert_eq(read_xml(hostile[i], &statement, error, sizeof(error)), PT_ERR_INVALID,
                     "case %zu", i);
        cr_assert_not_null(strstr(error, "DOCTYPE"), "case %zu: %s", i, error);
        cr_assert_eq(statement.count, 0);
        cr_assert_null(statement.entries);
    }
}

Test(statement, fifty_megabytes_are_refused_unread)
{
    size_t size = 50u * 1024 * 1024;
    char *big = malloc(size);
    memset(big, ' ', size);
    memcpy(big, "<Document>", 10);
    struct pt_statement statement;
    char error[256] = "";
    cr_assert_eq(pt_statement_read_camt053(big, size, &statement, error, sizeof(error)),
                 PT_ERR_TOO_LARGE);
    cr_assert_not_null(strstr(error, "larger than 16 MB"), "%s", error);
    cr_assert_eq(pt_statement_read_csv(big, size, &(struct pt_statement_csv){0}, &statement, error,
                                       sizeof(error)),
                 PT_ERR_TOO_LARGE);
    free(big);
}

Test(statement, what_is_not_a_statement_says_why)
{
    static const char *const wrong[][2] = {
        {"not xml at all", "not well-formed"},
        {"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.052.001.02\"><BkToCstmrAcctRpt/>"
         "</Document>",
         "not a camt.053"},
        {"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>"
         "<Stmt><Ntry><Amt Ccy=\"EUR\">1,00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>"
         "2026-11-03</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>",
         "entry 1: its amount"},
        {"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>"
         "<Stmt><Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>"
         "</Stmt></BkToCstmrStmt></Document>",
         "entry 1: its booking date"},
        {"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>"
         "<Stmt><Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>"
         "2026-11-03</Dt></BookgDt></Ntry><Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>X"
         "</CdtDbtInd><BookgDt><Dt>2026-11-03</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt>"
         "</Document>",
         "entry 2: CdtDbtInd"},
        {"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>"
         "<Stmt><Ntry><Amt Ccy=\"EUR\">1.001</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>"
         "2026-11-03</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>",
         "entry 1: its amount"},
        {"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>"
         "<Stmt><Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>"
         "2026-13-03</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>",
         "booking date"},
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        struct pt_statement statement;
        char error[256] = "";
        cr_assert_eq(read_xml(wrong[i][0], &statement, error, sizeof(error)), PT_ERR_INVALID,
                     "case %zu", i);
        cr_assert_not_null(strstr(error, wrong[i][1]), "case %zu: %s", i, error);
        cr_assert_eq(statement.count, 0);
    }
}

static const struct pt_statement_csv GERMAN = {
    .date = "Buchungstag",
    .amount = "Betrag",
    .text = "Verwendungszweck",
    .id = "Buchungsreferenz",
    .currency = "Waehrung",
    .decimal = ',',
};

Test(statement, a_german_csv_with_semicolons_and_decimal_commas)
{
    const char *csv = "\xEF\xBB\xBF"
                      "Buchungstag;Valuta;Betrag;Waehrung;Verwendungszweck;Buchungsreferenz\r\n"
                      "03.11.2026;03.11.2026;5,00;EUR;\"Spende RF18 5390 0754 7034\";A-1\r\n"
                      "03.11.2026;03.11.2026;1.234,56;EUR;\"Gro\xC3\x9F"
                      "e Spende; danke \"\"Team\"\"\";A-2\r\n"
                      "04.11.2026;04.11.2026;-12,00;EUR;Gebuehr;A-3\r\n"
                      ";;;;;\r\n"
                      "2026-11-05;2026-11-05;20;CHF;Franken;\r\n";
    struct pt_statement statement;
    char error[256] = "";
    cr_assert_eq(pt_statement_read_csv(csv, strlen(csv), &GERMAN, &statement, error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_eq(statement.count, 4);
    const struct pt_statement_entry *e = statement.entries;
    cr_assert_str_eq(e[0].key, "A-1");
    cr_assert_str_eq(e[0].booked, "2026-11-03");
    cr_assert_eq(e[0].amount_minor, 500);
    cr_assert_str_eq(e[0].text, "Spende RF18 5390 0754 7034");
    cr_assert_eq(e[1].amount_minor, 123456);
    cr_assert_str_eq(e[1].text, "Gro\xC3\x9F"
                                "e Spende; danke \"Team\"");
    cr_assert_not(e[2].credit);
    cr_assert_eq(e[2].amount_minor, 1200);
    cr_assert_str_eq(e[3].currency, "CHF");
    cr_assert_eq(e[3].amount_minor, 2000);
    cr_assert_eq(strncmp(e[3].key, "sha:", 4), 0);
    pt_statement_dispose(&statement);
}

Test(statement, an_english_csv_with_a_direction_column_and_no_currency)
{
    const struct pt_statement_csv english = {.date = "Date",
                                             .amount = "Amount",
                                             .text = "Reference",
                                             .direction = "Type",
                                             .default_currency = "GBP",
                                             .decimal = '.'};
    const char *csv = "Date,Type,Amount,Reference\n"
                      "05/11/2026,CREDIT,\"1,000.50\",RF18539007547034\n"
                      "05/11/2026,DEBIT,3.00,fee\n"
                      "05/11/2026,CREDIT,3.00,coffee\n"
                      "05/11/2026,CREDIT,3.00,coffee";
    struct pt_statement statement;
    char error[256] = "";
    cr_assert_eq(
        pt_statement_read_csv(csv, strlen(csv), &english, &statement, error, sizeof(error)), PT_OK,
        "%s", error);
    cr_assert_eq(statement.count, 4);
    cr_assert_eq(statement.entries[0].amount_minor, 100050);
    cr_assert_str_eq(statement.entries[0].currency, "GBP");
    cr_assert(statement.entries[0].credit);
    cr_assert_not(statement.entries[1].credit);
    cr_assert_str_neq(statement.entries[2].key, statement.entries[3].key);
    pt_statement_dispose(&statement);
}

Test(statement, a_csv_that_cannot_be_read_names_its_line)
{
    static const char *const wrong[][2] = {
        {"Buchungstag;Betrag;Waehrung;Verwendungszweck\n", "no column named \"Buchungsreferenz\""},
        {"", "no line names its columns"},
        {"Buchungstag;Betrag;Waehrung;Verwendungszweck;Buchungsreferenz\n"
         "03.11.2026;5,00;EUR;x;1\n03.11.2026;5.0.0;EUR;x;2\n",
         "line 3: the amount"},
        {"Buchungstag;Betrag;Waehrung;Verwendungszweck;Buchungsreferenz\n"
         "3.11.26;5,00;EUR;x;1\n",
         "line 2: the date"},
        {"Buchungstag;Betrag;Waehrung;Verwendungszweck;Buchungsreferenz\n"
         "03.11.2026;5,00;EURO;x;1\n",
         "line 2: the currency"},
        {"Buchungstag;Betrag;Waehrung;Verwendungszweck;Buchungsreferenz\n"
         "03.11.2026;5,00;EUR\n",
         "line 2 has 3 fields"},
        {"Buchungstag;Betrag;Waehrung;Verwendungszweck;Buchungsreferenz\n"
         "03.11.2026;5,00;EUR;\"unterminated;1\n",
         "line 2"},
        {"Buchungstag;Betrag;Waehrung;Verwendungszweck;Buchungsreferenz\n"
         "03.11.2026;5,00;EUR;\xFF\xFE;1\n",
         "not UTF-8"},
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        struct pt_statement statement;
        char error[256] = "";
        cr_assert_neq(pt_statement_read_csv(wrong[i][0], strlen(wrong[i][0]), &GERMAN, &statement,
                                            error, sizeof(error)),
                      PT_OK, "case %zu", i);
        cr_assert_not_null(strstr(error, wrong[i][1]), "case %zu: %s", i, error);
        cr_assert_eq(statement.count, 0);
        cr_assert_null(statement.entries);
    }
}

Test(statement, amounts_as_banks_print_them)
{
    const struct pt_statement_csv swiss = {.date = "Datum",
                                           .amount = "Betrag",
                                           .text = "Text",
                                           .default_currency = "CHF",
                                           .decimal = '.'};
    const char *csv = "Datum,Betrag,Text\n"
                      "2026-11-05,1'234.50,a\n"
                      "2026-11-05,12.50-,b\n"
                      "2026-11-05,+7,c\n"
                      "2026-11-05,\"1 000 000.01\",d\n";
    struct pt_statement statement;
    char error[256] = "";
    cr_assert_eq(pt_statement_read_csv(csv, strlen(csv), &swiss, &statement, error, sizeof(error)),
                 PT_OK, "%s", error);
    cr_assert_eq(statement.count, 4);
    cr_assert_eq(statement.entries[0].amount_minor, 123450);
    cr_assert_eq(statement.entries[1].amount_minor, 1250);
    cr_assert_not(statement.entries[1].credit, "a minus after the amount is a debit");
    cr_assert_eq(statement.entries[2].amount_minor, 700);
    cr_assert_eq(statement.entries[3].amount_minor, 100000001);
    pt_statement_dispose(&statement);
    static const char *const refused[] = {"12,34.50", "1'23.50", "-5-", "1.2.3",
                                          "5.001",    "",        "abc", "1,000,0"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char line[128];
        snprintf(line, sizeof(line), "Datum,Betrag,Text\n2026-11-05,\"%s\",x\n", refused[i]);
        cr_assert_eq(
            pt_statement_read_csv(line, strlen(line), &swiss, &statement, error, sizeof(error)),
            PT_ERR_INVALID, "%s", refused[i]);
    }
}
