/* Bank statements: camt.053 through libxml2's tree, CSV through libcsv.
 *
 * A statement is outside input from whoever can reach the import: it is
 * refused whole on the first thing that is wrong, with a message that says
 * where, so that nothing of a half-read statement is ever applied. */
#include <csv.h>
#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patron/alloc.h"
#include "patron/buf.h"
#include "patron/money.h"
#include "patron/statement.h"

void pt_statement_dispose(struct pt_statement *statement)
{
    for (size_t i = 0; i < statement->count; i++)
        free(statement->entries[i].text);
    free(statement->entries);
    memset(statement, 0, sizeof(*statement));
}

/* ---- shared by both formats ---- */

/* A growing list of entries; its capacity is its own business. */
struct reader {
    struct pt_statement *statement;
    size_t capacity;
    /* For the keys of entries without the bank's reference: which entries
     * need a digest. */
    bool *needs_digest;
};

static struct pt_statement_entry *add_entry(struct reader *reader, bool *too_many)
{
    struct pt_statement *statement = reader->statement;
    if (statement->count == PT_STATEMENT_MAX_ENTRIES) {
        *too_many = true;
        return NULL;
    }
    if (statement->count == reader->capacity) {
        reader->capacity = reader->capacity ? reader->capacity * 2 : 16;
        statement->entries =
            pt_xrealloc(statement->entries, reader->capacity * sizeof(*statement->entries));
        reader->needs_digest =
            pt_xrealloc(reader->needs_digest, reader->capacity * sizeof(*reader->needs_digest));
    }
    struct pt_statement_entry *entry = &statement->entries[statement->count];
    memset(entry, 0, sizeof(*entry));
    reader->needs_digest[statement->count] = false;
    statement->count++;
    return entry;
}

static void fail(struct reader *reader)
{
    pt_statement_dispose(reader->statement);
    free(reader->needs_digest);
    reader->needs_digest = NULL;
}

/* A currency's digits after the point: patron's own table first, then the
 * few ISO 4217 currencies without two. */
static int currency_exponent(const char *code)
{
    const struct pt_currency *currency = pt_money_currency(code);
    if (currency != NULL)
        return currency->exponent;
    static const char *const none[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW",
                                       "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"};
    static const char *const three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        if (strcmp(code, none[i]) == 0)
            return 0;
    for (size_t i = 0; i < sizeof(three) / sizeof(three[0]); i++)
        if (strcmp(code, three[i]) == 0)
            return 3;
    return 2;
}

static bool valid_currency(const char *code)
{
    if (strlen(code) != 3)
        return false;
    for (int i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z')
            return false;
    return true;
}

/* Digits with at most one decimal mark, already stripped of signs and
 * grouping, into minor units of a currency with exponent digits; a
 * fraction finer than that is refused unless its extra digits are zeros. */
static bool parse_minor(const char *text, char decimal, int exponent, int64_t *minor)
{
    int64_t whole = 0, fraction = 0;
    int fraction_digits = 0;
    bool seen_digit = false, after_mark = false;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == decimal && !after_mark) {
            after_mark = true;
            continue;
        }
        if (*p < '0' || *p > '9')
            return false;
        seen_digit = true;
        int digit = *p - '0';
        if (!after_mark) {
            if (whole > 100000000000000LL)
                return false;
            whole = whole * 10 + digit;
        } else if (fraction_digits < exponent) {
            fraction = fraction * 10 + digit;
            fraction_digits++;
        } else if (digit != 0) {
            return false;
        }
    }
    if (!seen_digit)
        return false;
    for (; fraction_digits < exponent; fraction_digits++)
        fraction *= 10;
    int64_t unit = 1;
    for (int i = 0; i < exponent; i++)
        unit *= 10;
    *minor = whole * unit + fraction;
    return true;
}

/* Appends text to an entry's remittance, a space between parts, cut at
 * PT_STATEMENT_TEXT_MAX bytes on a UTF-8 boundary. */
static void add_text(struct pt_buf *buf, const char *text)
{
    while (text != NULL && isspace((unsigned char)*text))
        text++;
    if (text == NULL || *text == '\0')
        return;
    if (buf->length > 0)
        pt_buf_puts(buf, " ");
    pt_buf_puts(buf, text);
    while (buf->length > 0 && isspace((unsigned char)buf->data[buf->length - 1]))
        buf->data[--buf->length] = '\0';
    if (buf->length > PT_STATEMENT_TEXT_MAX) {
        size_t cut = PT_STATEMENT_TEXT_MAX;
        while (cut > 0 && ((unsigned char)buf->data[cut] & 0xC0) == 0x80)
            cut--;
        buf->length = cut;
        buf->data[cut] = '\0';
    }
}

/* A key for each entry the bank gave none: a digest of the statement's
 * account and the entry's date, amount, currency, direction and text, and
 * its ordinal among entries equal in all of these, so that the same
 * statement imported again gives the same keys and two equal gifts on one
 * day stay two. */
struct digest_slot {
    unsigned char base[16];
    size_t index;
};

static int compare_slots(const void *a, const void *b)
{
    const struct digest_slot *x = a, *y = b;
    int c = memcmp(x->base, y->base, sizeof(x->base));
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void assign_digest_keys(struct reader *reader)
{
    struct pt_statement *statement = reader->statement;
    size_t count = 0;
    for (size_t i = 0; i < statement->count; i++)
        count += reader->needs_digest[i];
    if (count == 0)
        return;
    struct digest_slot *slots = pt_xcalloc(count, sizeof(*slots));
    size_t n = 0;
    for (size_t i = 0; i < statement->count; i++) {
        if (!reader->needs_digest[i])
            continue;
        const struct pt_statement_entry *entry = &statement->entries[i];
        char head[160];
        int length = snprintf(head, sizeof(head), "%s|%s|%lld|%s|%d|%d|", statement->account,
                              entry->booked, (long long)entry->amount_minor, entry->currency,
                              entry->credit, entry->reversal);
        crypto_generichash_state state;
        crypto_generichash_init(&state, NULL, 0, sizeof(slots[n].base));
        crypto_generichash_update(&state, (const unsigned char *)head, (size_t)length);
        crypto_generichash_update(&state, (const unsigned char *)entry->text, strlen(entry->text));
        crypto_generichash_final(&state, slots[n].base, sizeof(slots[n].base));
        slots[n].index = i;
        n++;
    }
    qsort(slots, count, sizeof(*slots), compare_slots);
    size_t ordinal = 0;
    for (size_t k = 0; k < count; k++) {
        ordinal = k > 0 && memcmp(slots[k].base, slots[k - 1].base, sizeof(slots[k].base)) == 0
                      ? ordinal + 1
                      : 0;
        unsigned char key[16];
        crypto_generichash_state state;
        crypto_generichash_init(&state, NULL, 0, sizeof(key));
        crypto_generichash_update(&state, slots[k].base, sizeof(slots[k].base));
        unsigned long long counted = ordinal;
        crypto_generichash_update(&state, (const unsigned char *)&counted, sizeof(counted));
        crypto_generichash_final(&state, key, sizeof(key));
        char hex[2 * sizeof(key) + 1];
        sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
        snprintf(statement->entries[slots[k].index].key, PT_STATEMENT_KEY_SIZE, "sha:%s", hex);
    }
    free(slots);
}

/* A bank's reference as an entry's key: printable ASCII without spaces
 * around it; one too long for the key is replaced by its digest. */
static void set_bank_key(struct pt_statement_entry *entry, const char *reference)
{
    size_t length = strlen(reference);
    if (length + 1 <= PT_STATEMENT_KEY_SIZE) {
        memcpy(entry->key, reference, length + 1);
        return;
    }
    unsigned char digest[16];
    crypto_generichash(digest, sizeof(digest), (const unsigned char *)reference, length, NULL, 0);
    char hex[2 * sizeof(digest) + 1];
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    snprintf(entry->key, PT_STATEMENT_KEY_SIZE, "ref:%s", hex);
}

/* Printable ASCII, trimmed; false if empty or anything else. */
static bool clean_reference(const char *text, char *out, size_t size)
{
    while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
        text++;
    size_t n = 0;
    for (; *text != '\0'; text++) {
        unsigned char c = (unsigned char)*text;
        if (c < 0x20 || c > 0x7E)
            return false;
        if (n + 1 >= size)
            return false;
        out[n++] = (char)c;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n > 0;
}

static bool set_date(char booked[11], const char *text)
{
    /* YYYY-MM-DD, or the start of an ISO date-time. */
    for (int i = 0; i < 10; i++) {
        char c = text[i];
        if (i == 4 || i == 7 ? c != '-' : (c < '0' || c > '9'))
            return false;
    }
    if (text[10] != '\0' && text[10] != 'T')
        return false;
    int month = (text[5] - '0') * 10 + (text[6] - '0'),
        day = (text[8] - '0') * 10 + (text[9] - '0');
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return false;
    memcpy(booked, text, 10);
    booked[10] = '\0';
    return true;
}

/* Empties the statement; false, with the message, over the size limit. */
static bool start_statement(struct pt_statement *statement, size_t size, char *error,
                            size_t error_size)
{
    memset(statement, 0, sizeof(*statement));
    if (size <= PT_STATEMENT_MAX_BYTES)
        return true;
    snprintf(error, error_size, "the statement is larger than %u MB",
             PT_STATEMENT_MAX_BYTES / (1024 * 1024));
    return false;
}

/* ---- camt.053 ---- */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

/* The parser's callback for "<!DOCTYPE": a statement has none, and one is
 * the door to entity expansion and external fetches, so parsing stops. */
static void refuse_doctype(void *context, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    (void)name, (void)external_id, (void)system_id;
    xmlParserCtxtPtr parser = context;
    parser->_private = (void *)1;
    xmlStopParser(parser);
}

static void refuse_entity(void *context, const xmlChar *name, int type, const xmlChar *public_id,
                          const xmlChar *system_id, xmlChar *content)
{
    (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
    xmlParserCtxtPtr parser = context;
    parser->_private = (void *)1;
    xmlStopParser(parser);
}

static bool named(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE &&
           strcmp((const char *)node->name, name) == 0;
}

static xmlNode *child(const xmlNode *node, const char *name)
{
    if (node == NULL)
        return NULL;
    for (xmlNode *c = node->children; c != NULL; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

/* The element at a path of child names ("BookgDt/Dt"), or NULL. */
static xmlNode *path(const xmlNode *node, const char *names)
{
    char part[32];
    const char *p = names;
    xmlNode *at = (xmlNode *)node;
    while (at != NULL && *p != '\0') {
        size_t n = strcspn(p, "/");
        if (n >= sizeof(part))
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        at = child(at, part);
        p += n + (p[n] == '/');
    }
    return at;
}

/* The element's text, trimmed, into a buffer the caller frees with xmlFree;
 * NULL without the element. */
static xmlChar *text_of(const xmlNode *node)
{
    return node == NULL ? NULL : xmlNodeGetContent(node);
}

static bool text_is(const xmlNode *node, const char *expected)
{
    xmlChar *text = text_of(node);
    if (text == NULL)
        return false;
    char trimmed[16];
    bool same = clean_reference((const char *)text, trimmed, sizeof(trimmed)) &&
                strcmp(trimmed, expected) == 0;
    xmlFree(text);
    return same;
}

/* An amount element (<Amt Ccy="EUR">12.30</Amt>) into minor units. */
static bool read_amount(const xmlNode *amount, int64_t *minor, char currency[4])
{
    if (amount == NULL)
        return false;
    xmlChar *code = xmlGetProp(amount, (const xmlChar *)"Ccy");
    bool ok = code != NULL && valid_currency((const char *)code);
    if (ok)
        memcpy(currency, code, 4);
    xmlFree(code);
    xmlChar *value = text_of(amount);
    char digits[40];
    ok = ok && value != NULL && clean_reference((const char *)value, digits, sizeof(digits)) &&
         parse_minor(digits, '.', currency_exponent(currency), minor);
    xmlFree(value);
    return ok;
}

/* All text of the remittance information and the additional information
 * under node, structured references first. */
static void add_remittance(struct pt_buf *buf, const xmlNode *transaction)
{
    const xmlNode *remittance = child(transaction, "RmtInf");
    if (remittance != NULL) {
        for (xmlNode *c = remittance->children; c != NULL; c = c->next) {
            if (!named(c, "Strd"))
                continue;
            xmlChar *reference = text_of(path(c, "CdtrRefInf/Ref"));
            add_text(buf, (const char *)reference);
            xmlFree(reference);
        }
        for (xmlNode *c = remittance->children; c != NULL; c = c->next) {
            if (!named(c, "Ustrd"))
                continue;
            xmlChar *text = text_of(c);
            add_text(buf, (const char *)text);
            xmlFree(text);
        }
    }
    xmlChar *more = text_of(child(transaction, "AddtlTxInf"));
    add_text(buf, (const char *)more);
    xmlFree(more);
}

static bool direction_of(const xmlNode *node, bool *credit)
{
    if (text_is(node, "CRDT"))
        *credit = true;
    else if (text_is(node, "DBIT"))
        *credit = false;
    else
        return false;
    return true;
}

static bool is_booked(const xmlNode *entry)
{
    const xmlNode *status = child(entry, "Sts");
    if (status == NULL)
        return true;
    const xmlNode *code = child(status, "Cd");
    return text_is(code != NULL ? code : status, "BOOK");
}

static bool is_reversal(const xmlNode *entry)
{
    return text_is(child(entry, "RvslInd"), "true") || text_is(child(entry, "RvslInd"), "1");
}

/* One <Ntry>: an entry, or one per transaction of a batch. */
static enum pt_status read_ntry(struct reader *reader, const xmlNode *ntry, size_t number,
                                char *error, size_t error_size)
{
    if (!is_booked(ntry)) {
        reader->statement->skipped++;
        return PT_OK;
    }
    int64_t amount = 0;
    char currency[4] = "";
    bool credit = false;
    if (!read_amount(child(ntry, "Amt"), &amount, currency)) {
        snprintf(error, error_size,
                 "entry %zu: its amount (Amt with Ccy) is missing or not a number", number);
        return PT_ERR_INVALID;
    }
    if (!direction_of(child(ntry, "CdtDbtInd"), &credit)) {
        snprintf(error, error_size, "entry %zu: CdtDbtInd is neither CRDT nor DBIT", number);
        return PT_ERR_INVALID;
    }
    char booked[11];
    xmlChar *date = text_of(path(ntry, "BookgDt/Dt"));
    if (date == NULL)
        date = text_of(path(ntry, "BookgDt/DtTm"));
    if (date == NULL)
        date = text_of(path(ntry, "ValDt/Dt"));
    bool dated = date != NULL && set_date(booked, (const char *)date);
    xmlFree(date);
    if (!dated) {
        snprintf(error, error_size, "entry %zu: its booking date is missing or not a date", number);
        return PT_ERR_INVALID;
    }
    char entry_reference[PT_STATEMENT_KEY_SIZE * 2] = "";
    xmlChar *reference = text_of(child(ntry, "AcctSvcrRef"));
    if (reference == NULL)
        reference = text_of(child(ntry, "NtryRef"));
    if (reference != NULL &&
        !clean_reference((const char *)reference, entry_reference, sizeof(entry_reference)))
        entry_reference[0] = '\0';
    xmlFree(reference);
    bool reversal = is_reversal(ntry);

    const xmlNode *transactions[64];
    size_t count = 0;
    for (xmlNode *details = child(ntry, "NtryDtls"); details != NULL; details = details->next) {
        if (!named(details, "NtryDtls"))
            continue;
        for (xmlNode *tx = details->children; tx != NULL; tx = tx->next) {
            if (!named(tx, "TxDtls"))
                continue;
            if (count == sizeof(transactions) / sizeof(transactions[0])) {
                snprintf(error, error_size, "entry %zu: more than %zu transactions in a batch",
                         number, sizeof(transactions) / sizeof(transactions[0]));
                return PT_ERR_TOO_LARGE;
            }
            transactions[count++] = tx;
        }
    }
    xmlChar *entry_text = text_of(child(ntry, "AddtlNtryInf"));
    bool too_many = false;
    enum pt_status status = PT_OK;
    if (count <= 1) {
        struct pt_statement_entry *entry = add_entry(reader, &too_many);
        if (entry != NULL) {
            struct pt_buf text;
            pt_buf_init(&text);
            if (count == 1)
                add_remittance(&text, transactions[0]);
            add_text(&text, (const char *)entry_text);
            entry->text = text.data != NULL ? pt_buf_take(&text, NULL) : pt_xstrdup("");
            entry->amount_minor = amount;
            memcpy(entry->currency, currency, 4);
            entry->credit = credit;
            entry->reversal = reversal;
            memcpy(entry->booked, booked, 11);
            if (entry_reference[0] != '\0')
                set_bank_key(entry, entry_reference);
            else
                reader->needs_digest[reader->statement->count - 1] = true;
        }
    } else {
        /* A batch: each transaction has its own amount and, usually, its own
         * reference; without one it is the entry's and its place in it. */
        for (size_t k = 0; k < count && status == PT_OK; k++) {
            const xmlNode *tx = transactions[k];
            int64_t tx_amount = 0;
            char tx_currency[4] = "";
            if (!read_amount(child(tx, "Amt"), &tx_amount, tx_currency) &&
                !read_amount(path(tx, "AmtDtls/TxAmt/Amt"), &tx_amount, tx_currency)) {
                snprintf(error, error_size, "entry %zu, transaction %zu: its amount is missing",
                         number, k + 1);
                status = PT_ERR_INVALID;
                break;
            }
            bool tx_credit = credit;
            const xmlNode *direction = child(tx, "CdtDbtInd");
            if (direction != NULL && !direction_of(direction, &tx_credit)) {
                snprintf(error, error_size,
                         "entry %zu, transaction %zu: CdtDbtInd is neither CRDT nor DBIT", number,
                         k + 1);
                status = PT_ERR_INVALID;
                break;
            }
            struct pt_statement_entry *entry = add_entry(reader, &too_many);
            if (entry == NULL)
                break;
            struct pt_buf text;
            pt_buf_init(&text);
            add_remittance(&text, tx);
            entry->text = text.data != NULL ? pt_buf_take(&text, NULL) : pt_xstrdup("");
            entry->amount_minor = tx_amount;
            memcpy(entry->currency, tx_currency, 4);
            entry->credit = tx_credit;
            entry->reversal = reversal;
            memcpy(entry->booked, booked, 11);
            char tx_reference[PT_STATEMENT_KEY_SIZE * 2] = "";
            xmlChar *own = text_of(path(tx, "Refs/AcctSvcrRef"));
            if (own != NULL &&
                clean_reference((const char *)own, tx_reference, sizeof(tx_reference)))
                set_bank_key(entry, tx_reference);
            else if (entry_reference[0] != '\0') {
                char combined[PT_STATEMENT_KEY_SIZE * 3];
                snprintf(combined, sizeof(combined), "%s/%zu", entry_reference, k + 1);
                set_bank_key(entry, combined);
            } else {
                reader->needs_digest[reader->statement->count - 1] = true;
            }
            xmlFree(own);
        }
    }
    xmlFree(entry_text);
    if (too_many) {
        snprintf(error, error_size, "the statement has more than %d entries",
                 PT_STATEMENT_MAX_ENTRIES);
        return PT_ERR_TOO_LARGE;
    }
    return status;
}

enum pt_status pt_statement_read_camt053(const char *data, size_t size,
                                         struct pt_statement *statement, char *error,
                                         size_t error_size)
{
    if (!start_statement(statement, size, error, error_size))
        return PT_ERR_TOO_LARGE;
    if (size > (size_t)INT32_MAX) /* libxml2 takes an int */
        return PT_ERR_TOO_LARGE;
    pthread_once(&xml_once, xml_init);
    xmlParserCtxtPtr parser = xmlNewParserCtxt();
    if (parser == NULL) {
        snprintf(error, error_size, "out of memory");
        return PT_ERR_INTERNAL;
    }
    parser->sax->internalSubset = refuse_doctype;
    parser->sax->externalSubset = refuse_doctype;
    parser->sax->entityDecl = refuse_entity;
    parser->_private = NULL;
    /* No network, no entity substitution, no DTD loading; errors come back
     * here rather than on stderr. */
    xmlDocPtr document = xmlCtxtReadMemory(parser, data, (int)size, NULL, NULL,
                                           XML_PARSE_NONET | XML_PARSE_NOERROR |
                                               XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    bool refused = parser->_private != NULL;
    if (document == NULL || refused || !parser->wellFormed) {
        const xmlError *problem = xmlCtxtGetLastError(parser);
        if (refused)
            snprintf(error, error_size,
                     "the statement declares a DOCTYPE or entities, which a camt.053 statement "
                     "never does: refused");
        else
            snprintf(error, error_size, "the statement is not well-formed XML (line %d): %s",
                     problem != NULL ? problem->line : 0,
                     problem != NULL && problem->message != NULL ? problem->message : "?");
        char *end = strchr(error, '\n');
        if (end != NULL)
            *end = '\0';
        xmlFreeDoc(document);
        xmlFreeParserCtxt(parser);
        return PT_ERR_INVALID;
    }
    xmlFreeParserCtxt(parser);

    const xmlNode *root = xmlDocGetRootElement(document);
    const xmlNode *message = child(root, "BkToCstmrStmt");
    if (!named(root, "Document") || message == NULL || root->ns == NULL ||
        strstr((const char *)root->ns->href, "camt.053") == NULL) {
        xmlFreeDoc(document);
        snprintf(error, error_size,
                 "this is not a camt.053 statement (Document/BkToCstmrStmt in an ISO 20022 "
                 "camt.053 namespace)");
        return PT_ERR_INVALID;
    }
    struct reader reader = {.statement = statement};
    enum pt_status status = PT_OK;
    size_t number = 0;
    for (xmlNode *stmt = message->children; stmt != NULL && status == PT_OK; stmt = stmt->next) {
        if (!named(stmt, "Stmt"))
            continue;
        xmlChar *iban = text_of(path(stmt, "Acct/Id/IBAN"));
        if (iban != NULL && statement->account[0] == '\0' &&
            !clean_reference((const char *)iban, statement->account, sizeof(statement->account)))
            statement->account[0] = '\0';
        xmlFree(iban);
        for (xmlNode *ntry = stmt->children; ntry != NULL && status == PT_OK; ntry = ntry->next)
            if (named(ntry, "Ntry"))
                status = read_ntry(&reader, ntry, ++number, error, error_size);
    }
    xmlFreeDoc(document);
    if (status != PT_OK) {
        fail(&reader);
        return status;
    }
    assign_digest_keys(&reader);
    free(reader.needs_digest);
    return PT_OK;
}

/* ---- CSV ---- */

struct csv_rows {
    char **fields; /* this row's, owned */
    size_t count, capacity;
    size_t line;
    bool stop;
    /* the caller's handling of each row */
    enum pt_status (*row)(struct csv_rows *rows, void *context);
    void *context;
    enum pt_status status;
};

static void csv_field(void *bytes, size_t length, void *data)
{
    struct csv_rows *rows = data;
    if (rows->stop)
        return;
    if (rows->count == 256) { /* no bank exports more columns */
        rows->stop = true;
        rows->status = PT_ERR_TOO_LARGE;
        return;
    }
    if (rows->count == rows->capacity) {
        rows->capacity = rows->capacity ? rows->capacity * 2 : 16;
        rows->fields = pt_xrealloc(rows->fields, rows->capacity * sizeof(*rows->fields));
    }
    rows->fields[rows->count++] = pt_xstrndup(bytes != NULL ? bytes : "", length);
}

static void csv_clear(struct csv_rows *rows)
{
    for (size_t i = 0; i < rows->count; i++)
        free(rows->fields[i]);
    rows->count = 0;
}

static void csv_row(int terminator, void *data)
{
    (void)terminator;
    struct csv_rows *rows = data;
    rows->line++;
    if (!rows->stop && rows->count > 0) {
        rows->status = rows->row(rows, rows->context);
        rows->stop = rows->status != PT_OK;
    }
    csv_clear(rows);
}

struct csv_import {
    const struct pt_statement_csv *columns;
    struct reader reader;
    int column_date, column_amount, column_text, column_id, column_currency, column_direction;
    bool have_header;
    char *error;
    size_t error_size;
};

static bool same_name(const char *field, const char *name)
{
    while (isspace((unsigned char)*field))
        field++;
    size_t length = strlen(field);
    while (length > 0 && isspace((unsigned char)field[length - 1]))
        length--;
    return strlen(name) == length && strncasecmp(field, name, length) == 0;
}

static enum pt_status csv_header(struct csv_rows *rows, struct csv_import *import)
{
    const struct pt_statement_csv *columns = import->columns;
    struct {
        const char *name;
        int *index;
        bool required;
    } wanted[] = {
        {columns->date, &import->column_date, true},
        {columns->amount, &import->column_amount, true},
        {columns->text, &import->column_text, true},
        {columns->id, &import->column_id, false},
        {columns->currency, &import->column_currency, false},
        {columns->direction, &import->column_direction, false},
    };
    for (size_t w = 0; w < sizeof(wanted) / sizeof(wanted[0]); w++) {
        *wanted[w].index = -1;
        if (wanted[w].name == NULL || wanted[w].name[0] == '\0')
            continue;
        for (size_t i = 0; i < rows->count && *wanted[w].index < 0; i++)
            if (same_name(rows->fields[i], wanted[w].name))
                *wanted[w].index = (int)i;
        if (*wanted[w].index < 0) {
            snprintf(import->error, import->error_size, "the first line has no column named \"%s\"",
                     wanted[w].name);
            return PT_ERR_INVALID;
        }
    }
    import->have_header = true;
    return PT_OK;
}

/* "03.11.2026", "03/11/2026" or "2026-11-03" into YYYY-MM-DD. */
static bool csv_date(const char *text, char booked[11])
{
    while (isspace((unsigned char)*text))
        text++;
    if (set_date(booked, text))
        return true;
    if (strlen(text) < 10 || (text[2] != '.' && text[2] != '/') || text[5] != text[2])
        return false;
    char iso[11] = {text[6], text[7], text[8], text[9], '-', text[3],
                    text[4], '-',     text[0], text[1], '\0'};
    return set_date(booked, iso);
}

/* A bank's amount as it prints it: a sign before or a minus after, and
 * thousands grouped by the mark that is not the decimal one, a space, a
 * no-break space or an apostrophe, in groups of three ("1.234,56",
 * "1'234.56"); a grouping anywhere else is refused, not guessed. */
static bool csv_amount(const char *text, char decimal, int exponent, int64_t *minor, bool *negative)
{
    char plain[48];
    size_t n = 0;
    *negative = false;
    bool signed_once = false;
    const char grouping = decimal == ',' ? '.' : ',';
    while (*text == ' ')
        text++;
    size_t length = strlen(text);
    while (length > 0 && text[length - 1] == ' ')
        length--;
    if (length > 0 && (text[0] == '-' || text[0] == '+')) {
        *negative = text[0] == '-';
        signed_once = true;
        text++;
        length--;
    }
    if (length > 0 && text[length - 1] == '-') {
        if (signed_once)
            return false;
        *negative = true;
        length--;
    }
    /* Grouping marks become '\'' here, to check where they stand. */
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        char mark = 0;
        if (c == (unsigned char)grouping || c == ' ' || c == '\'')
            mark = '\'';
        else if (c == 0xC2 && i + 1 < length && (unsigned char)text[i + 1] == 0xA0) {
            mark = '\'';
            i++;
        }
        if (n + 1 >= sizeof(plain))
            return false;
        plain[n++] = mark ? mark : (char)c;
    }
    plain[n] = '\0';
    char *mark = strchr(plain, decimal);
    size_t whole_length = mark != NULL ? (size_t)(mark - plain) : n;
    if (memchr(plain, '\'', whole_length) != NULL) {
        size_t group = 0, groups = 0;
        for (size_t i = 0; i <= whole_length; i++) {
            if (i == whole_length || plain[i] == '\'') {
                if (group == 0 || group > 3 || (groups > 0 && group != 3))
                    return false;
                groups++;
                group = 0;
            } else {
                group++;
            }
        }
    }
    if (mark != NULL && strchr(mark, '\'') != NULL)
        return false;
    char digits[48];
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        if (plain[i] != '\'')
            digits[d++] = plain[i];
    digits[d] = '\0';
    return parse_minor(digits, decimal, exponent, minor);
}

static enum pt_status csv_line(struct csv_rows *rows, void *context)
{
    struct csv_import *import = context;
    if (!import->have_header)
        return csv_header(rows, import);
    const struct pt_statement_csv *columns = import->columns;
    /* A line of empty fields is no entry (some exports end with one). */
    bool empty = true;
    for (size_t i = 0; i < rows->count && empty; i++)
        for (const char *p = rows->fields[i]; *p != '\0' && empty; p++)
            empty = isspace((unsigned char)*p);
    if (empty)
        return PT_OK;
    int needed[] = {import->column_date, import->column_amount,   import->column_text,
                    import->column_id,   import->column_currency, import->column_direction};
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
        if (needed[i] >= (int)rows->count) {
            snprintf(import->error, import->error_size,
                     "line %zu has %zu fields, fewer than the "
                     "header's",
                     rows->line, rows->count);
            return PT_ERR_INVALID;
        }
    }
    char currency[4];
    if (import->column_currency >= 0) {
        char code[8];
        if (!clean_reference(rows->fields[import->column_currency], code, sizeof(code)) ||
            !valid_currency(code)) {
            snprintf(import->error, import->error_size,
                     "line %zu: the currency is not a "
                     "three-letter code",
                     rows->line);
            return PT_ERR_INVALID;
        }
        memcpy(currency, code, 4);
    } else {
        snprintf(currency, sizeof(currency), "%s",
                 columns->default_currency != NULL ? columns->default_currency : "");
        if (!valid_currency(currency)) {
            snprintf(import->error, import->error_size,
                     "no currency column and no default "
                     "currency");
            return PT_ERR_INVALID;
        }
    }
    int64_t amount;
    bool negative;
    if (!csv_amount(rows->fields[import->column_amount], columns->decimal == ',' ? ',' : '.',
                    currency_exponent(currency), &amount, &negative)) {
        snprintf(import->error, import->error_size,
                 "line %zu: the amount is not a number "
                 "with '%c' before its fraction",
                 rows->line, columns->decimal == ',' ? ',' : '.');
        return PT_ERR_INVALID;
    }
    bool credit = !negative;
    if (import->column_direction >= 0) {
        const char *d = rows->fields[import->column_direction];
        while (isspace((unsigned char)*d))
            d++;
        char first = (char)toupper((unsigned char)*d);
        if (first == 'C' || first == 'H' || first == '+')
            credit = true;
        else if (first == 'D' || first == 'S' || first == '-')
            credit = false;
        else {
            snprintf(import->error, import->error_size,
                     "line %zu: the direction is neither "
                     "credit nor debit",
                     rows->line);
            return PT_ERR_INVALID;
        }
    }
    char booked[11];
    if (!csv_date(rows->fields[import->column_date], booked)) {
        snprintf(import->error, import->error_size,
                 "line %zu: the date is not YYYY-MM-DD, "
                 "DD.MM.YYYY or DD/MM/YYYY",
                 rows->line);
        return PT_ERR_INVALID;
    }
    const char *text = rows->fields[import->column_text];
    if (!pt_utf8_valid(text, strlen(text))) {
        snprintf(import->error, import->error_size,
                 "line %zu: the text is not UTF-8 (export "
                 "the statement as UTF-8)",
                 rows->line);
        return PT_ERR_INVALID;
    }
    bool too_many = false;
    struct pt_statement_entry *entry = add_entry(&import->reader, &too_many);
    if (entry == NULL) {
        snprintf(import->error, import->error_size, "the statement has more than %d entries",
                 PT_STATEMENT_MAX_ENTRIES);
        return PT_ERR_TOO_LARGE;
    }
    struct pt_buf buf;
    pt_buf_init(&buf);
    add_text(&buf, text);
    entry->text = buf.data != NULL ? pt_buf_take(&buf, NULL) : pt_xstrdup("");
    entry->amount_minor = amount;
    memcpy(entry->currency, currency, 4);
    entry->credit = credit;
    memcpy(entry->booked, booked, 11);
    char reference[PT_STATEMENT_KEY_SIZE * 2];
    if (import->column_id >= 0 &&
        clean_reference(rows->fields[import->column_id], reference, sizeof(reference)))
        set_bank_key(entry, reference);
    else
        import->reader.needs_digest[import->reader.statement->count - 1] = true;
    return PT_OK;
}

/* The first of ';', ',' and tab outside quotes on the first line. */
static unsigned char csv_delimiter(const char *data, size_t size)
{
    bool quoted = false;
    for (size_t i = 0; i < size && (quoted || (data[i] != '\n' && data[i] != '\r')); i++) {
        if (data[i] == '"')
            quoted = !quoted;
        else if (!quoted && (data[i] == ';' || data[i] == ',' || data[i] == '\t'))
            return (unsigned char)data[i];
    }
    return ',';
}

enum pt_status pt_statement_read_csv(const char *data, size_t size,
                                     const struct pt_statement_csv *columns,
                                     struct pt_statement *statement, char *error, size_t error_size)
{
    if (!start_statement(statement, size, error, error_size))
        return PT_ERR_TOO_LARGE;
    if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        size -= 3;
    }
    struct csv_import import = {.columns = columns,
                                .reader = {.statement = statement},
                                .error = error,
                                .error_size = error_size};
    struct csv_rows rows = {.row = csv_line, .context = &import, .status = PT_OK};
    struct csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        snprintf(error, error_size, "out of memory");
        return PT_ERR_INTERNAL;
    }
    csv_set_delim(&parser, csv_delimiter(data, size));
    error[0] = '\0';
    enum pt_status status = PT_OK;
    if (csv_parse(&parser, data, size, csv_field, csv_row, &rows) != size && !rows.stop) {
        snprintf(error, error_size, "line %zu: %s", rows.line + 1,
                 csv_strerror(csv_error(&parser)));
        status = PT_ERR_INVALID;
    } else if (!rows.stop && csv_fini(&parser, csv_field, csv_row, &rows) != 0) {
        snprintf(error, error_size, "line %zu: %s", rows.line + 1,
                 csv_strerror(csv_error(&parser)));
        status = PT_ERR_INVALID;
    }
    csv_free(&parser);
    csv_clear(&rows);
    free(rows.fields);
    if (status == PT_OK && rows.status != PT_OK) {
        status = rows.status;
        if (error[0] == '\0')
            snprintf(error, error_size, "line %zu has more than 256 fields", rows.line);
    }
    if (status == PT_OK && !import.have_header) {
        snprintf(error, error_size, "the statement is empty: no line names its columns");
        status = PT_ERR_INVALID;
    }
    if (status != PT_OK) {
        fail(&import.reader);
        return status;
    }
    assign_digest_keys(&import.reader);
    free(import.reader.needs_digest);
    return PT_OK;
}

static char *trim(char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == ' ' || text[length - 1] == '\t'))
        text[--length] = '\0';
    return text;
}

enum pt_status pt_statement_csv_columns(const char *spec, const char *default_currency,
                                        char *storage, size_t storage_size,
                                        struct pt_statement_csv *columns, char *error,
                                        size_t error_size)
{
    memset(columns, 0, sizeof(*columns));
    columns->decimal = '.';
    columns->default_currency = default_currency;
    size_t length = spec != NULL ? strlen(spec) : 0;
    if (length + 1 > storage_size) {
        snprintf(error, error_size, "bank_csv_columns: longer than %zu characters",
                 storage_size - 1);
        return PT_ERR_TOO_LARGE;
    }
    memcpy(storage, spec != NULL ? spec : "", length + 1);
    const struct {
        const char *name;
        const char **field;
    } names[] = {
        {"date", &columns->date},
        {"amount", &columns->amount},
        {"text", &columns->text},
        {"id", &columns->id},
        {"currency", &columns->currency},
        {"direction", &columns->direction},
        {"default_currency", &columns->default_currency},
    };
    char *rest = storage;
    while (rest != NULL && *rest != '\0') {
        char *part = rest;
        rest = strchr(rest, ';');
        if (rest != NULL)
            *rest++ = '\0';
        part = trim(part);
        if (*part == '\0')
            continue;
        char *equals = strchr(part, '=');
        if (equals == NULL) {
            snprintf(error, error_size, "bank_csv_columns: \"%.40s\" is not name=column", part);
            return PT_ERR_INVALID;
        }
        *equals = '\0';
        char *name = trim(part), *value = trim(equals + 1);
        if (strcmp(name, "decimal") == 0) {
            if (strcmp(value, ".") != 0 && strcmp(value, ",") != 0) {
                snprintf(error, error_size, "bank_csv_columns: decimal is '.' or ','");
                return PT_ERR_INVALID;
            }
            columns->decimal = value[0];
            continue;
        }
        bool known = false;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !known; i++) {
            if (strcmp(name, names[i].name) == 0) {
                *names[i].field = value;
                known = true;
            }
        }
        if (!known || *value == '\0') {
            snprintf(error, error_size,
                     known ? "bank_csv_columns: %.40s names no column"
                           : "bank_csv_columns: \"%.40s\" is none of date, amount, text, id, "
                             "currency, direction, decimal and default_currency",
                     name);
            return PT_ERR_INVALID;
        }
    }
    if (columns->date == NULL || columns->amount == NULL || columns->text == NULL) {
        snprintf(error, error_size, "bank_csv_columns: date, amount and text are required");
        return PT_ERR_INVALID;
    }
    if (columns->currency == NULL &&
        (columns->default_currency == NULL || !valid_currency(columns->default_currency))) {
        snprintf(error, error_size,
                 "bank_csv_columns: without a currency column, "
                 "default_currency names the account's (EUR)");
        return PT_ERR_INVALID;
    }
    return PT_OK;
}

enum pt_status pt_statement_read(const char *data, size_t size,
                                 const struct pt_statement_csv *columns,
                                 struct pt_statement *statement, char *error, size_t error_size)
{
    size_t at = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (at < size && isspace((unsigned char)data[at]))
        at++;
    if (at < size && data[at] == '<')
        return pt_statement_read_camt053(data, size, statement, error, error_size);
    if (columns == NULL) {
        memset(statement, 0, sizeof(*statement));
        snprintf(error, error_size,
                 "this is not a camt.053 statement, and bank_csv_columns "
                 "does not say how to read a CSV one");
        return PT_ERR_INVALID;
    }
    return pt_statement_read_csv(data, size, columns, statement, error, error_size);
}
