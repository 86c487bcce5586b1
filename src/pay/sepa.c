/* ISO 11649 creditor references, IBAN and BIC checks, and the EPC QR code.
 *
 * Both the reference and the IBAN carry ISO 7064 MOD 97-10 check digits:
 * letters count as two digits (A = 10 … Z = 35) and the whole number, with
 * its first four characters moved to the end, leaves 1 when divided by 97. */
#include <ctype.h>
#include <errno.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "patron/sepa.h"

/* Crockford's base32: digits and capitals without I, L, O and U. */
static const char REF_ALPHABET[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The remainder mod 97 of the digits text stands for (letters as two
 * digits), continuing from remainder; -1 if text holds anything else. */
static int mod97_continue(int remainder, const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= '0' && c <= '9')
            remainder = (remainder * 10 + (c - '0')) % 97;
        else if (c >= 'A' && c <= 'Z')
            remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
        else
            return -1;
    }
    return remainder;
}

/* ISO 7064 MOD 97-10 over text with its first four characters moved to the
 * end, as both ISO 11649 and ISO 13616 check. */
static bool mod97_holds(const char *text, size_t length)
{
    if (length < 5)
        return false;
    int remainder = mod97_continue(0, text + 4, length - 4);
    if (remainder < 0)
        return false;
    remainder = mod97_continue(remainder, text, 4);
    return remainder == 1;
}

void pt_sepa_ref_make(const uint8_t random[5], char reference[PT_SEPA_REF_SIZE])
{
    uint64_t bits = 0;
    for (int i = 0; i < 5; i++)
        bits = bits << 8 | random[i];
    char body[PT_SEPA_REF_BODY];
    for (int i = PT_SEPA_REF_BODY - 1; i >= 0; i--) {
        body[i] = REF_ALPHABET[bits & 31];
        bits >>= 5;
    }
    /* The check digits make body + "RF" + check leave 1: computed with "00"
     * in their place, they are 98 minus that remainder. */
    int remainder = mod97_continue(0, body, sizeof(body));
    remainder = mod97_continue(remainder, "RF00", 4);
    int check = 98 - remainder; /* 2 to 98 */
    reference[0] = 'R';
    reference[1] = 'F';
    reference[2] = (char)('0' + check / 10);
    reference[3] = (char)('0' + check % 10);
    memcpy(reference + 4, body, PT_SEPA_REF_BODY);
    reference[4 + PT_SEPA_REF_BODY] = '\0';
}

/* The reference's characters without spaces, in capitals, at most size - 1;
 * false if anything but letters, digits and spaces is there or it is too
 * long. */
static bool compact(const char *text, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = text; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ')
            continue;
        if (!isalnum(c) || c > 127 || n + 1 >= size)
            return false;
        out[n++] = (char)toupper(c);
    }
    out[n] = '\0';
    return true;
}

bool pt_sepa_ref_valid(const char *text)
{
    char ref[32];
    if (text == NULL || !compact(text, ref, sizeof(ref)))
        return false;
    size_t length = strlen(ref);
    /* "RF", two check digits, 1 to 21 characters of reference. */
    if (length < 5 || length > 25 || ref[0] != 'R' || ref[1] != 'F' ||
        !isdigit((unsigned char)ref[2]) || !isdigit((unsigned char)ref[3]))
        return false;
    return mod97_holds(ref, length);
}

void pt_sepa_ref_print(const char *reference, char *out, size_t out_size)
{
    if (out_size == 0)
        return;
    size_t n = 0, taken = 0;
    for (const char *p = reference; *p != '\0' && n + 1 < out_size; p++) {
        if (*p == ' ')
            continue;
        if (taken > 0 && taken % 4 == 0) {
            out[n++] = ' ';
            if (n + 1 >= out_size)
                break;
        }
        out[n++] = *p;
        taken++;
    }
    out[n] = '\0';
}

/* A character as it may stand in patron's reference, read the way Crockford
 * meant: O is 0, I and L are 1; '\0' for one that cannot be there. */
static char ref_char(unsigned char c)
{
    c = (unsigned char)toupper(c);
    if (c == 'O')
        return '0';
    if (c == 'I' || c == 'L')
        return '1';
    if (c != '\0' && strchr(REF_ALPHABET, c) != NULL)
        return (char)c;
    return '\0';
}

bool pt_sepa_ref_find(const char *text, size_t length, char reference[PT_SEPA_REF_SIZE])
{
    /* Letters and digits only, in capitals: what stands between them (spaces,
     * hyphens, dots, other words' ends) cannot make a wrong reference check,
     * since a candidate must pass its mod-97 check. */
    enum { CANDIDATE = 4 + PT_SEPA_REF_BODY };
    char window[CANDIDATE];
    size_t filled = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c > 127 || !isalnum(c))
            continue;
        if (filled == CANDIDATE) {
            memmove(window, window + 1, CANDIDATE - 1);
            filled--;
        }
        window[filled++] = (char)toupper(c);
        if (filled < CANDIDATE || window[0] != 'R' || window[1] != 'F')
            continue;
        char candidate[PT_SEPA_REF_SIZE];
        candidate[0] = 'R';
        candidate[1] = 'F';
        bool readable = true;
        for (size_t k = 2; k < CANDIDATE && readable; k++) {
            char r = ref_char((unsigned char)window[k]);
            readable = r != '\0' && (k >= 4 || isdigit((unsigned char)r));
            candidate[k] = r;
        }
        candidate[CANDIDATE] = '\0';
        if (readable && mod97_holds(candidate, CANDIDATE)) {
            memcpy(reference, candidate, PT_SEPA_REF_SIZE);
            return true;
        }
    }
    return false;
}

/* The IBAN lengths of the countries in the SEPA schemes (EPC409-09). */
static const struct {
    char country[3];
    unsigned char length;
} IBAN_LENGTHS[] = {
    {"AD", 24}, {"AL", 28}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28},
    {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FR", 27},
    {"GB", 22}, {"GI", 23}, {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26},
    {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
    {"ME", 22}, {"MK", 19}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25},
    {"RO", 24}, {"RS", 22}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"VA", 22},
};

enum pt_status pt_sepa_iban_check(const char *text, char iban[PT_SEPA_IBAN_SIZE], char *error,
                                  size_t error_size)
{
    char compacted[PT_SEPA_IBAN_SIZE];
    if (text == NULL || !compact(text, compacted, sizeof(compacted))) {
        snprintf(error, error_size,
                 "an IBAN is letters and digits (spaces allowed), at most 34 of them");
        return PT_ERR_INVALID;
    }
    size_t length = strlen(compacted);
    if (length < 15 || !isalpha((unsigned char)compacted[0]) ||
        !isalpha((unsigned char)compacted[1]) || !isdigit((unsigned char)compacted[2]) ||
        !isdigit((unsigned char)compacted[3])) {
        snprintf(error, error_size,
                 "an IBAN starts with its country's two letters and two check digits and has "
                 "at least 15 characters");
        return PT_ERR_INVALID;
    }
    for (size_t i = 0; i < sizeof(IBAN_LENGTHS) / sizeof(IBAN_LENGTHS[0]); i++) {
        if (memcmp(IBAN_LENGTHS[i].country, compacted, 2) == 0 &&
            IBAN_LENGTHS[i].length != length) {
            snprintf(error, error_size, "an IBAN of %.2s has %d characters, not %zu", compacted,
                     IBAN_LENGTHS[i].length, length);
            return PT_ERR_INVALID;
        }
    }
    if (!mod97_holds(compacted, length)) {
        snprintf(error, error_size, "the IBAN's check digits do not hold: a character is mistyped");
        return PT_ERR_INVALID;
    }
    memcpy(iban, compacted, length + 1);
    return PT_OK;
}

bool pt_sepa_bic_valid(const char *text)
{
    if (text == NULL)
        return false;
    size_t length = strlen(text);
    if (length != 8 && length != 11)
        return false;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        bool letter = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
        if (i < 6 ? !letter : !(letter || digit))
            return false;
    }
    return true;
}

/* Characters, not bytes: the EPC's limits count characters of UTF-8 text. */
static size_t utf8_chars(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static bool is_empty(const char *text)
{
    return text == NULL || text[0] == '\0';
}

/* A field may not hold a line break: it would shift every field after it. */
static bool one_line(const char *text)
{
    return is_empty(text) || strpbrk(text, "\r\n") == NULL;
}

enum pt_status pt_sepa_qr_payload(const struct pt_sepa_transfer *transfer, struct pt_buf *payload,
                                  char *error, size_t error_size)
{
    const char *bic = is_empty(transfer->bic) ? "" : transfer->bic;
    char iban[PT_SEPA_IBAN_SIZE];
    if (transfer->version != 1 && transfer->version != 2) {
        snprintf(error, error_size, "the EPC QR code has versions 1 and 2 only");
        return PT_ERR_INVALID;
    }
    if (bic[0] == '\0' ? transfer->version == 1 : !pt_sepa_bic_valid(bic)) {
        snprintf(error, error_size, "the BIC is not 8 or 11 letters and digits%s",
                 transfer->version == 1 ? " (version 1 requires it)" : "");
        return PT_ERR_INVALID;
    }
    size_t name_chars = is_empty(transfer->name) ? 0 : utf8_chars(transfer->name);
    if (name_chars == 0 || name_chars > 70 || !one_line(transfer->name) ||
        !pt_utf8_valid(transfer->name, strlen(transfer->name))) {
        snprintf(error, error_size, "the beneficiary's name is 1 to 70 characters on one line");
        return PT_ERR_INVALID;
    }
    if (pt_sepa_iban_check(transfer->iban, iban, error, error_size) != PT_OK)
        return PT_ERR_INVALID;
    if (transfer->amount_cents < 0 || transfer->amount_cents > 99999999999) {
        snprintf(error, error_size, "the amount is between EUR 0.01 and EUR 999999999.99");
        return PT_ERR_INVALID;
    }
    const char *purpose = is_empty(transfer->purpose) ? "" : transfer->purpose;
    bool purpose_ok = purpose[0] == '\0' || strlen(purpose) == 4;
    for (const char *p = purpose; *p != '\0' && purpose_ok; p++)
        purpose_ok = isalnum((unsigned char)*p) && (unsigned char)*p < 128;
    if (!purpose_ok) {
        snprintf(error, error_size, "the purpose is a four-character ISO 20022 code");
        return PT_ERR_INVALID;
    }
    const char *reference = is_empty(transfer->reference) ? "" : transfer->reference;
    const char *text = is_empty(transfer->text) ? "" : transfer->text;
    const char *note = is_empty(transfer->note) ? "" : transfer->note;
    if (reference[0] != '\0' && text[0] != '\0') {
        snprintf(error, error_size, "a transfer carries a structured reference or text, not both");
        return PT_ERR_INVALID;
    }
    if (reference[0] != '\0' && (strlen(reference) > 35 || !pt_sepa_ref_valid(reference) ||
                                 strchr(reference, ' ') != NULL)) {
        snprintf(error, error_size,
                 "the reference is not a creditor reference (RF…) without spaces");
        return PT_ERR_INVALID;
    }
    if (utf8_chars(text) > 140 || !one_line(text) || !pt_utf8_valid(text, strlen(text)) ||
        utf8_chars(note) > 70 || !one_line(note) || !pt_utf8_valid(note, strlen(note))) {
        snprintf(error, error_size,
                 "the text is at most 140 characters and the note 70, each on one line");
        return PT_ERR_INVALID;
    }

    /* The amount as the standard writes it: "EUR1", "EUR12.3", "EUR12.05". */
    char amount[48] = "";
    if (transfer->amount_cents > 0) {
        long long whole = transfer->amount_cents / 100, cents = transfer->amount_cents % 100;
        if (cents == 0)
            snprintf(amount, sizeof(amount), "EUR%lld", whole);
        else if (cents % 10 == 0)
            snprintf(amount, sizeof(amount), "EUR%lld.%lld", whole, cents / 10);
        else
            snprintf(amount, sizeof(amount), "EUR%lld.%02lld", whole, cents);
    }
    const char *fields[] = {"BCD",   transfer->version == 1 ? "001" : "002",
                            "1",     "SCT",
                            bic,     transfer->name,
                            iban,    amount,
                            purpose, reference,
                            text,    note};
    size_t count = sizeof(fields) / sizeof(fields[0]);
    while (count > 0 && fields[count - 1][0] == '\0')
        count--;
    size_t start = payload->length;
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            pt_buf_puts(payload, "\n");
        pt_buf_puts(payload, fields[i]);
    }
    if (payload->length - start > 331) {
        payload->length = start;
        payload->data[start] = '\0';
        snprintf(error, error_size, "the EPC QR code holds at most 331 bytes");
        return PT_ERR_TOO_LARGE;
    }
    return PT_OK;
}

enum pt_status pt_sepa_qr_svg(const char *payload, const char *label, struct pt_buf *svg,
                              char *error, size_t error_size)
{
    errno = 0;
    QRcode *code = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (code == NULL) {
        snprintf(error, error_size, "the QR code could not be made: %s",
                 errno == ERANGE ? "the text is too long" : strerror(errno));
        return errno == ERANGE ? PT_ERR_TOO_LARGE : PT_ERR_INTERNAL;
    }
    if (code->version > 13) {
        QRcode_free(code);
        snprintf(error, error_size, "the EPC QR code may be at most version 13");
        return PT_ERR_TOO_LARGE;
    }
    const int quiet = 4, width = code->width, side = width + 2 * quiet;
    pt_buf_printf(svg,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
                  "aria-label=\"",
                  side, side);
    pt_buf_html_str(svg, label);
    pt_buf_printf(svg,
                  "\" shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                  "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                  side, side);
    /* Each row's runs of dark modules as one rectangle each: a third of the
     * size of a rectangle per module. */
    for (int y = 0; y < width; y++) {
        for (int x = 0; x < width;) {
            if (!(code->data[y * width + x] & 1)) {
                x++;
                continue;
            }
            int run = 0;
            while (x + run < width && (code->data[y * width + x + run] & 1))
                run++;
            pt_buf_printf(svg, "M%d %dh%dv1h-%dz", x + quiet, y + quiet, run, run);
            x += run;
        }
    }
    pt_buf_puts(svg, "\"/></svg>");
    QRcode_free(code);
    return PT_OK;
}
