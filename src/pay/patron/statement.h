/* A bank statement's entries, read from what the newsroom's bank exports:
 * ISO 20022 camt.053 (XML) or a CSV file whose columns the newsroom names.
 * Reading only: nothing here touches the store; the bank rail applies what
 * this reads, each entry once by its key.
 *
 * What a statement says of the payer (their name, IBAN, address) is not
 * read at all: only the amount, the date, the bank's reference for the
 * entry and the remittance text, which is where the reader's reference code
 * is. */
#ifndef PATRON_STATEMENT_H
#define PATRON_STATEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patron/status.h"

/* A statement is refused above this size: a year of a newsroom's entries is
 * a few megabytes. */
#define PT_STATEMENT_MAX_BYTES (16u * 1024 * 1024)
/* ... and above this many entries. */
#define PT_STATEMENT_MAX_ENTRIES 100000
/* The bank's reference for an entry, or "sha:" and a digest of the entry. */
#define PT_STATEMENT_KEY_SIZE 72
/* Remittance text longer than this is cut (at a character's boundary). */
#define PT_STATEMENT_TEXT_MAX 500

struct pt_statement_entry {
    /* What makes the entry itself: the bank's own reference for it
     * (AcctSvcrRef, the CSV's id column), or, where the bank gives none, a
     * digest of the account, date, amount, text and its ordinal among equal
     * lines, so that importing the same statement again finds the same keys. */
    char key[PT_STATEMENT_KEY_SIZE];
    char booked[11];      /* YYYY-MM-DD */
    int64_t amount_minor; /* always positive; credit says which way */
    char currency[4];
    bool credit;   /* money in */
    bool reversal; /* the bank's return of an earlier entry */
    char *text;    /* remittance text, structured reference first; owned */
};

struct pt_statement {
    struct pt_statement_entry *entries; /* owned */
    size_t count;
    size_t skipped;   /* entries not booked yet (pending, information only) */
    char account[35]; /* the statement's account IBAN, or "" */
};

/* How a bank's CSV export names its columns. Names are matched to the
 * header line without regard to case or surrounding spaces. */
struct pt_statement_csv {
    const char *date;             /* required: YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY */
    const char *amount;           /* required: "12.50", "-12,50", "1.234,56" ... */
    const char *text;             /* required: the remittance text */
    const char *id;               /* or NULL: the bank's reference for the line */
    const char *currency;         /* or NULL: then every line is in default_currency */
    const char *direction;        /* or NULL: then the amount's sign says it; values
                                   * starting C, H or + are credits */
    const char *default_currency; /* ISO 4217, used when currency is NULL */
    char decimal;                 /* '.' or ',': how amounts mark their fraction */
};

/* The mapping as the configuration writes it (bank_csv_columns): names of
 * columns and two settings, separated by ';':
 *   date=Buchungstag; amount=Betrag; text=Verwendungszweck;
 *   id=Buchungsreferenz; currency=Waehrung; direction=Soll/Haben;
 *   decimal=,; default_currency=EUR
 * date, amount and text are required; decimal defaults to '.', and
 * default_currency (the account's) stands unless the spec names one. The strings
 * of columns point into storage (the caller's, at least strlen(spec) + 1
 * bytes). PT_ERR_INVALID with the reason for an unknown or missing name. */
enum pt_status pt_statement_csv_columns(const char *spec, const char *default_currency,
                                        char *storage, size_t storage_size,
                                        struct pt_statement_csv *columns, char *error,
                                        size_t error_size);

/* Reads a statement in either format, told by its first character: '<'
 * (after a byte order mark and spaces) is camt.053, anything else CSV with
 * columns (NULL: refused, naming bank_csv_columns). */
enum pt_status pt_statement_read(const char *data, size_t size,
                                 const struct pt_statement_csv *columns,
                                 struct pt_statement *statement, char *error, size_t error_size);

/* Reads a camt.053 statement (any version from .001.02): every booked entry,
 * and each transaction of a batch entry as an entry of its own. Refuses
 * hostile XML before it is built: any DOCTYPE (no entities, no external
 * anything), network access, more than PT_STATEMENT_MAX_BYTES. On success
 * the caller owns *statement (pt_statement_dispose); on failure it is empty
 * and the message says what is wrong, for the newsroom's staff. */
enum pt_status pt_statement_read_camt053(const char *data, size_t size,
                                         struct pt_statement *statement, char *error,
                                         size_t error_size);

/* Reads a CSV export: the first line names the columns; the delimiter is
 * the first of ';', ',' and tab found in it outside quotes; a UTF-8 byte
 * order mark is skipped. Same ownership and limits as above; the message of
 * a refused line names its line number. */
enum pt_status pt_statement_read_csv(const char *data, size_t size,
                                     const struct pt_statement_csv *columns,
                                     struct pt_statement *statement, char *error,
                                     size_t error_size);

/* Frees what a statement owns and empties it; safe on an empty one. */
void pt_statement_dispose(struct pt_statement *statement);

#endif
