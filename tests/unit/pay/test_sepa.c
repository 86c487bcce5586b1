/* The SEPA standards of the bank-transfer rail (sepa.c): creditor
 * references as patron makes them and as readers type them, IBANs, and the
 * EPC QR code's payload against the standard's own examples. */
#include <criterion/criterion.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/sepa.h"

Test(sepa, the_standards_own_references_check_and_a_changed_digit_does_not)
{
    /* ISO 11649's example, printed and compact, in either case. */
    cr_assert(pt_sepa_ref_valid("RF18539007547034"));
    cr_assert(pt_sepa_ref_valid("RF18 5390 0754 7034"));
    cr_assert(pt_sepa_ref_valid("rf18 5390 0754 7034"));
    cr_assert(pt_sepa_ref_valid("RF712348231"));
    static const char *const refused[] = {
        "RF18539007547035",
        "RF19539007547034",
        "RF18539007547043",
        "RF1853900754703",
        "RF18",
        "RF185",
        "XX18539007547034",
        "RF1853900754703X4",
        "RF18-5390",
        "",
        "RF18539007547034539007547034",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        cr_assert_not(pt_sepa_ref_valid(refused[i]), "%s", refused[i]);
    cr_assert_not(pt_sepa_ref_valid(NULL));
}

Test(sepa, patrons_references_are_short_readable_and_check)
{
    uint8_t random[5] = {0};
    char reference[PT_SEPA_REF_SIZE], printed[PT_SEPA_REF_PRINT_SIZE];
    pt_sepa_ref_make(random, reference);
    cr_assert_str_eq(reference, "RF0400000000"); /* 98 - (00000000 RF00 mod 97) */
    cr_assert(pt_sepa_ref_valid(reference));
    for (unsigned seed = 1; seed < 3000; seed++) {
        for (int i = 0; i < 5; i++)
            random[i] = (uint8_t)((seed * 2654435761u) >> (i * 5));
        pt_sepa_ref_make(random, reference);
        cr_assert_eq(strlen(reference), 12);
        cr_assert(pt_sepa_ref_valid(reference), "%s", reference);
        cr_assert_eq(strcspn(reference + 4, "ILOU"), 8, "%s has a letter readers misread",
                     reference);
        pt_sepa_ref_print(reference, printed, sizeof(printed));
        cr_assert_eq(strlen(printed), 14);
        cr_assert_eq(printed[4], ' ');
        cr_assert_eq(printed[9], ' ');
        cr_assert(pt_sepa_ref_valid(printed));
    }
    /* Too small a buffer is cut, never overrun. */
    char small[6];
    pt_sepa_ref_print("RF18539007547034", small, sizeof(small));
    cr_assert_str_eq(small, "RF18 ");
}

Test(sepa, a_reference_is_found_however_the_reader_typed_it)
{
    uint8_t random[5] = {0x12, 0x34, 0x56, 0x78, 0x9a};
    char reference[PT_SEPA_REF_SIZE], printed[PT_SEPA_REF_PRINT_SIZE];
    pt_sepa_ref_make(random, reference);
    pt_sepa_ref_print(reference, printed, sizeof(printed));
    char lower[PT_SEPA_REF_PRINT_SIZE];
    for (size_t i = 0; i <= strlen(printed); i++)
        lower[i] = (char)(printed[i] >= 'A' && printed[i] <= 'Z' ? printed[i] + 32 : printed[i]);
    char texts[6][128];
    snprintf(texts[0], sizeof(texts[0]), "%s", reference);
    snprintf(texts[1], sizeof(texts[1]), "Spende %s danke!", printed);
    snprintf(texts[2], sizeof(texts[2]), "donation/%s/Maria", lower);
    snprintf(texts[3], sizeof(texts[3]), "ref: %.4s-%.4s-%.4s", reference, reference + 4,
             reference + 8);
    snprintf(texts[4], sizeof(texts[4]), "WHARF %s", reference); /* "RF" before the "RF" */
    snprintf(texts[5], sizeof(texts[5]), "Пожертвование %s", printed);
    for (int t = 0; t < 6; t++) {
        char found[PT_SEPA_REF_SIZE] = "";
        cr_assert(pt_sepa_ref_find(texts[t], strlen(texts[t]), found), "%s", texts[t]);
        cr_assert_str_eq(found, reference, "%s", texts[t]);
    }
    /* 0 typed as O and 1 as I or L, which Crockford's letters leave out. */
    char misread[] = "RF18 5390 0754 7034";
    uint8_t zeros[5] = {0, 0, 0, 0, 1}; /* a body of zeros and a 1 */
    char with_digits[PT_SEPA_REF_SIZE];
    pt_sepa_ref_make(zeros, with_digits);
    cr_assert_str_eq(with_digits + 4, "00000001");
    char typed[64];
    snprintf(typed, sizeof(typed), "rf%c%c OOOO OOOl", with_digits[2], with_digits[3]);
    char found[PT_SEPA_REF_SIZE] = "";
    cr_assert(pt_sepa_ref_find(typed, strlen(typed), found), "%s", typed);
    cr_assert_str_eq(found, with_digits);
    /* A reference of another shape (the standard's own, 12 digits) is not
     * one of patron's; one mistyped character is not found at all. */
    cr_assert_not(pt_sepa_ref_find(misread, strlen(misread), found));
    for (size_t at = 4; at < 12; at++) {
        char wrong[PT_SEPA_REF_SIZE];
        memcpy(wrong, reference, sizeof(wrong));
        wrong[at] = wrong[at] == '7' ? '8' : '7';
        cr_assert_not(pt_sepa_ref_find(wrong, strlen(wrong), found), "%s", wrong);
        /* and two neighbours swapped */
        memcpy(wrong, reference, sizeof(wrong));
        if (at + 1 < 12 && wrong[at] != wrong[at + 1]) {
            char swap = wrong[at];
            wrong[at] = wrong[at + 1];
            wrong[at + 1] = swap;
            cr_assert_not(pt_sepa_ref_find(wrong, strlen(wrong), found), "%s", wrong);
        }
    }
    cr_assert_not(pt_sepa_ref_find("", 0, found));
    cr_assert_not(pt_sepa_ref_find("RF", 2, found));
}

Test(sepa, ibans_are_checked_by_country_length_and_digits)
{
    char iban[PT_SEPA_IBAN_SIZE], error[160];
    cr_assert_eq(pt_sepa_iban_check("DE89 3704 0044 0532 0130 00", iban, error, sizeof(error)),
                 PT_OK);
    cr_assert_str_eq(iban, "DE89370400440532013000");
    cr_assert_eq(pt_sepa_iban_check("gb82west12345698765432", iban, error, sizeof(error)), PT_OK);
    cr_assert_str_eq(iban, "GB82WEST12345698765432");
    cr_assert_eq(pt_sepa_iban_check("NL91ABNA0417164300", iban, error, sizeof(error)), PT_OK);
    static const char *const refused[] = {
        "DE89370400440532013001", /* a digit changed */
        "DE8937040044053201300",  /* one short of Germany's 22 */
        "DE89-3704-0044-0532-0130-00",
        "DE",
        "1234567890123456",
        "",
        "DE89370400440532013000DE89370400440532013000",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        error[0] = '\0';
        cr_assert_eq(pt_sepa_iban_check(refused[i], iban, error, sizeof(error)), PT_ERR_INVALID,
                     "%s", refused[i]);
        cr_assert_gt(strlen(error), 10);
    }
    cr_assert(pt_sepa_bic_valid("BHBLDEHHXXX"));
    cr_assert(pt_sepa_bic_valid("BPOTBEB1"));
    cr_assert_not(pt_sepa_bic_valid("BHBLDEH"));
    cr_assert_not(pt_sepa_bic_valid("1HBLDEHH"));
    cr_assert_not(pt_sepa_bic_valid("bhbldehh"));
}

/* EPC069-12's own example (version 1, the Belgian Red Cross). */
Test(sepa, the_qr_payload_is_the_standards_example_byte_for_byte)
{
    struct pt_sepa_transfer transfer = {
        .version = 1,
        .bic = "BPOTBEB1",
        .name = "Red Cross of Belgium",
        .iban = "BE72000000001616",
        .amount_cents = 100,
        .purpose = "CHAR",
        .text = "Urgency fund",
        .note = "Sample EPC QR code",
    };
    struct pt_buf payload;
    pt_buf_init(&payload);
    char error[160];
    cr_assert_eq(pt_sepa_qr_payload(&transfer, &payload, error, sizeof(error)), PT_OK, "%s", error);
    cr_assert_str_eq(payload.data, "BCD\n001\n1\nSCT\nBPOTBEB1\nRed Cross of Belgium\n"
                                   "BE72000000001616\nEUR1\nCHAR\n\nUrgency fund\n"
                                   "Sample EPC QR code");
    pt_buf_dispose(&payload);

    /* Version 2 with a structured reference, and a name in UTF-8: the
     * example the standard's version 2 is usually shown with. */
    struct pt_sepa_transfer second = {
        .version = 2,
        .bic = "BHBLDEHHXXX",
        .name = "Franz Mustermänner",
        .iban = "DE71110220330123456789",
        .amount_cents = 1230,
        .purpose = "GDDS",
        .reference = "RF18539007547034",
    };
    pt_buf_init(&payload);
    cr_assert_eq(pt_sepa_qr_payload(&second, &payload, error, sizeof(error)), PT_OK, "%s", error);
    cr_assert_str_eq(payload.data, "BCD\n002\n1\nSCT\nBHBLDEHHXXX\nFranz Mustermänner\n"
                                   "DE71110220330123456789\nEUR12.3\nGDDS\nRF18539007547034");
    pt_buf_dispose(&payload);

    /* patron's own: no BIC, the amount in cents, the reference only. */
    struct pt_sepa_transfer ours = {.version = 2,
                                    .name = "Newsroom e.V.",
                                    .iban = "DE89 3704 0044 0532 0130 00",
                                    .amount_cents = 505,
                                    .reference = "RF18539007547034"};
    pt_buf_init(&payload);
    cr_assert_eq(pt_sepa_qr_payload(&ours, &payload, error, sizeof(error)), PT_OK, "%s", error);
    cr_assert_str_eq(payload.data, "BCD\n002\n1\nSCT\n\nNewsroom e.V.\nDE89370400440532013000\n"
                                   "EUR5.05\n\nRF18539007547034");
    pt_buf_dispose(&payload);
}

Test(sepa, a_payload_outside_the_standard_is_refused_and_nothing_is_written)
{
    char long_name[80], long_text[150], long_note[80];
    memset(long_name, 'a', 71);
    long_name[71] = '\0';
    memset(long_text, 'b', 140);
    long_text[140] = '\0';
    memset(long_note, 'c', 70);
    long_note[70] = '\0';
    char seventy[71];
    memset(seventy, 'n', 70);
    seventy[70] = '\0';
    const struct pt_sepa_transfer base = {
        .version = 2, .name = "Newsroom", .iban = "DE89370400440532013000", .amount_cents = 500};
    struct pt_sepa_transfer cases[11];
    for (int i = 0; i < 11; i++)
        cases[i] = base;
    cases[0].name = long_name;
    cases[1].name = "Two\nlines";
    cases[2].name = "";
    cases[3].iban = "DE89370400440532013001";
    cases[4].amount_cents = 100000000000;
    cases[5].reference = "RF18539007547034";
    cases[5].text = "and text";
    cases[6].reference = "RF18539007547035";
    cases[7].version = 1; /* without a BIC */
    cases[8].purpose = "CHARITY";
    cases[9].text = "a\rb";
    /* Every field at its own limit: 353 bytes, over the 331 the code holds. */
    cases[10].bic = "BHBLDEHHXXX";
    cases[10].name = seventy;
    cases[10].purpose = "CHAR";
    cases[10].text = long_text;
    cases[10].note = long_note;
    cases[10].amount_cents = 99999999999;
    for (int i = 0; i < 11; i++) {
        struct pt_buf payload;
        pt_buf_init(&payload);
        pt_buf_puts(&payload, "kept");
        char error[160] = "";
        cr_assert_neq(pt_sepa_qr_payload(&cases[i], &payload, error, sizeof(error)), PT_OK,
                      "case %d", i);
        cr_assert_str_eq(payload.data, "kept", "case %d wrote into the buffer", i);
        cr_assert_gt(strlen(error), 10, "case %d", i);
        pt_buf_dispose(&payload);
    }
}

/* The SVG's path, read back into a grid of modules, is the code libqrencode
 * made for the payload, with the quiet zone around it. */
Test(sepa, the_svg_draws_every_module_and_only_those)
{
    const char *payload = "BCD\n002\n1\nSCT\n\nNewsroom e.V.\nDE89370400440532013000\n"
                          "EUR5.05\n\nRF18539007547034";
    struct pt_buf svg;
    pt_buf_init(&svg);
    char error[160];
    cr_assert_eq(
        pt_sepa_qr_svg(payload, "QR code for your banking app", &svg, error, sizeof(error)), PT_OK,
        "%s", error);
    QRcode *code = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    cr_assert_not_null(code);
    cr_assert_leq(code->version, 13);
    int side = code->width + 8;
    char view[64];
    snprintf(view, sizeof(view), "viewBox=\"0 0 %d %d\"", side, side);
    cr_assert_not_null(strstr(svg.data, view), "%s", svg.data);
    cr_assert_not_null(
        strstr(svg.data, "role=\"img\" aria-label=\"QR code for your banking app\""));
    unsigned char *drawn = calloc((size_t)(side * side), 1);
    const char *d = strstr(svg.data, " d=\"") + 4;
    int x, y, run, back, consumed;
    while (sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &run, &back, &consumed) == 4) {
        cr_assert_eq(run, back);
        for (int k = 0; k < run; k++) {
            cr_assert_lt(x + k, side);
            drawn[y * side + x + k]++;
        }
        d += consumed;
    }
    cr_assert_str_eq(d, "\"/></svg>");
    for (int row = 0; row < side; row++)
        for (int col = 0; col < side; col++) {
            bool inside = row >= 4 && col >= 4 && row < side - 4 && col < side - 4;
            int want = inside ? code->data[(row - 4) * code->width + col - 4] & 1 : 0;
            cr_assert_eq(drawn[row * side + col], want, "module %d,%d", col, row);
        }
    free(drawn);
    QRcode_free(code);
    pt_buf_dispose(&svg);

    /* A label is escaped; a payload too long for any QR code is refused. */
    pt_buf_init(&svg);
    cr_assert_eq(pt_sepa_qr_svg("BCD", "<b>\"", &svg, error, sizeof(error)), PT_OK);
    cr_assert_not_null(strstr(svg.data, "aria-label=\"&lt;b&gt;&quot;\""));
    pt_buf_dispose(&svg);
    char *huge = malloc(4000);
    memset(huge, 'x', 3999);
    huge[3999] = '\0';
    pt_buf_init(&svg);
    cr_assert_neq(pt_sepa_qr_svg(huge, "x", &svg, error, sizeof(error)), PT_OK);
    pt_buf_dispose(&svg);
    free(huge);
}
