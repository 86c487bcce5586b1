/* The standards of a SEPA credit transfer that the bank-transfer rail needs:
 * ISO 11649 creditor references ("RF18 5390 0754 7034"), ISO 13616 IBAN and
 * ISO 9362 BIC checks, and the European Payments Council's QR code
 * (EPC069-12) that a banking app scans to fill in a transfer. Pure: no I/O,
 * no state. */
#ifndef PATRON_SEPA_H
#define PATRON_SEPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/buf.h"
#include "patron/status.h"

/* patron's own references: "RF", two check digits and eight characters of
 * Crockford's base32 (no I, L, O or U, which readers misread). Short enough
 * to type into a bank's form, 40 random bits so that guessing one is
 * pointless. */
#define PT_SEPA_REF_BODY 8
#define PT_SEPA_REF_SIZE (4 + PT_SEPA_REF_BODY + 1)
/* "RF12 ABCD EFGH" and its NUL. */
#define PT_SEPA_REF_PRINT_SIZE (PT_SEPA_REF_SIZE + 3)
/* An IBAN without spaces and its NUL. */
#define PT_SEPA_IBAN_SIZE 35

/* Makes patron's reference from five random bytes. */
void pt_sepa_ref_make(const uint8_t random[5], char reference[PT_SEPA_REF_SIZE]);

/* True when text is a well-formed creditor reference: "RF", two check
 * digits and 1 to 21 letters or digits, whose mod-97 check holds. Spaces
 * are ignored and letters may be in either case. */
bool pt_sepa_ref_valid(const char *text);

/* A reference in groups of four, as it is printed: "RF12 ABCD EFGH". Never
 * writes more than out_size bytes; out is always terminated. */
void pt_sepa_ref_print(const char *reference, char *out, size_t out_size);

/* Finds one of patron's references in a transfer's remittance text as the
 * reader typed it into their bank's form: in either case, with spaces,
 * hyphens or dots inside, with other words around it, with O typed for 0
 * and I or L for 1. Writes the reference in its canonical form and returns
 * true for the first candidate whose check digits hold; false if none does
 * (a mistyped reference fails its check rather than matching another). */
bool pt_sepa_ref_find(const char *text, size_t length, char reference[PT_SEPA_REF_SIZE]);

/* Checks an IBAN (spaces allowed, either case): its country's length where
 * the country is in the SEPA scheme, and the mod-97 check. Writes it without
 * spaces, in capitals. The message says what is wrong, for the operator. */
enum pt_status pt_sepa_iban_check(const char *text, char iban[PT_SEPA_IBAN_SIZE], char *error,
                                  size_t error_size);

/* True for a well-formed BIC: 8 or 11 letters and digits, the bank's four
 * letters, the country's two, then the location and branch. */
bool pt_sepa_bic_valid(const char *text);

/* What a QR code asks the payer's bank to transfer. */
struct pt_sepa_transfer {
    int version;           /* 2 (BIC optional within the EEA) or 1 (BIC required) */
    const char *bic;       /* "" or NULL when omitted (version 2 only) */
    const char *name;      /* the beneficiary: 1 to 70 characters */
    const char *iban;      /* checked with pt_sepa_iban_check */
    int64_t amount_cents;  /* euro cents, 1 to 99999999999; 0 leaves it to the payer */
    const char *purpose;   /* "" or a four-letter ISO 20022 purpose code ("CHAR") */
    const char *reference; /* a creditor reference, or "": then text may be used */
    const char *text;      /* free remittance text, at most 140 characters, or "" */
    const char *note;      /* a note to the payer, at most 70 characters, or "" */
};

/* The EPC069-12 payload of a SEPA credit transfer: "BCD", the version, UTF-8,
 * "SCT", then the fields on their own lines, the last one without a line
 * break. Refuses, with a message, a field outside the standard's bounds, a
 * reference together with text, and a payload over 331 bytes. Appends to
 * payload. */
enum pt_status pt_sepa_qr_payload(const struct pt_sepa_transfer *transfer, struct pt_buf *payload,
                                  char *error, size_t error_size);

/* The payload as a QR code in an inline SVG, at error correction level M and
 * a version of at most 13 as the EPC requires, with the four-module quiet
 * zone, drawn as one path; label is its text alternative. Appends to svg. */
enum pt_status pt_sepa_qr_svg(const char *payload, const char *label, struct pt_buf *svg,
                              char *error, size_t error_size);

#endif
